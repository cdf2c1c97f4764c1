package com.lingxi.billing.proxy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.EventLoop;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.billing.keys.InstanceKey;
import com.lingxi.billing.keys.ProxyKeys;
import com.lingxi.billing.plans.PlanProperties.MeteringOutage;
import com.lingxi.billing.plans.PlanProperties.Plan;
import com.lingxi.billing.plans.Plans;
import com.lingxi.billing.proxy.Settlement.Outcome;
import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaLedger.Admission;
import com.lingxi.billing.quota.QuotaNotices;
import com.lingxi.billing.quota.QuotaProperties;
import com.lingxi.billing.upstream.ChatRequest;
import com.lingxi.billing.upstream.LocalCompletions;
import com.lingxi.billing.upstream.ModelRouter;
import com.lingxi.billing.upstream.ModelRouter.Target;
import com.lingxi.billing.upstream.UpstreamException;
import com.lingxi.common.id.Ids;
import com.lingxi.common.identity.RequestIds;

/**
 * The OpenAI-compatible model proxy OpenClaw instances call: authenticate the instance
 * key, read the request in one pass, check the plan, rate and monthly quota (one Redis
 * round trip that also reserves), forward to the first upstream that answers, relay the
 * answer chunk by chunk, and settle the usage exactly once.
 */
final class ModelProxy {

	private static final Logger log = LoggerFactory.getLogger(ModelProxy.class);

	static final String WARMUP_TEXT = "[Lingxi warm-up] This instance is warming up and is not assigned to anyone "
			+ "yet. This answer was generated locally by the Lingxi model proxy: no model was called and nothing "
			+ "was billed.";

	static final String WARMUP_MODEL = "lingxi-warmup";

	/**
	 * What {@link #ledgerAdmit} answers for a call admitted while the ledger is
	 * unreachable: no reservation, no lease; its usage is recorded and billed as always,
	 * and charged to the allowance once the ledger is back.
	 */
	private static final Admission WITHOUT_LEDGER = new Admission(Admission.Outcome.ADMITTED, Duration.ZERO, -1, -1);

	/** Output limit of an alias without configuration (aliases come with one). */
	private static final long DEFAULT_OUTPUT_LIMIT = 8192;

	/** Response header naming the call id (also {@code usage_logs.id}). */
	static final String CALL_ID_HEADER = "X-Lingxi-Call-Id";

	private static final long MODELS_CREATED = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();

	private final ProxyKeys keys;

	private final Plans plans;

	private final ModelRouter router;

	private final QuotaLedger ledger;

	private final QuotaNotices notices;

	private final QuotaProperties quota;

	private final Settlement settlement;

	private final LocalCompletions local;

	private final JsonMapper json;

	private final long maxRequestBytes;

	private final long maxResponseBytes;

	private final MeterRegistry meters;

	private final InFlightCalls inFlight;

	private final PendingCharges pending;

	private final AtomicLong lastOutageLog = new AtomicLong();

	ModelProxy(ProxyKeys keys, Plans plans, ModelRouter router, QuotaLedger ledger, QuotaNotices notices,
			QuotaProperties quota, Settlement settlement, LocalCompletions local, JsonMapper json, long maxRequestBytes,
			long maxResponseBytes, MeterRegistry meters, InFlightCalls inFlight, PendingCharges pending) {
		this.keys = keys;
		this.plans = plans;
		this.router = router;
		this.ledger = ledger;
		this.notices = notices;
		this.quota = quota;
		this.settlement = settlement;
		this.local = local;
		this.json = json;
		this.maxRequestBytes = maxRequestBytes;
		this.maxResponseBytes = maxResponseBytes;
		this.meters = meters;
		this.inFlight = inFlight;
		this.pending = pending;
	}

	// ---- POST /v1/chat/completions ---------------------------------------------------

	Mono<ServerResponse> chatCompletions(ServerRequest request) {
		long startedNanos = System.nanoTime();
		Instant startedAt = Instant.now();
		String requestId = RequestIds.of(request.exchange());
		UUID callId = Ids.uuidV7();
		long declared = request.headers().contentLength().orElse(-1);
		if (declared > this.maxRequestBytes) {
			return Mono.error(OpenAiError.tooLarge(this.maxRequestBytes));
		}
		EventLoop home = eventLoopOf(request);
		return authenticate(request).flatMap((key) -> {
			Mono<ChatRequest> body = readBody(request).map(this::parse);
			if (!key.bound()) {
				return body.flatMap((chat) -> (this.router.alias(chat.model()) != null) ? warmup(chat)
						: Mono.error(OpenAiError.modelNotFound(chat.model())));
			}
			return this.plans.planOf(key.userId()).flatMap((planName) -> {
				Plan plan = this.plans.limitsOf(planName);
				Caller caller = new Caller(callId, requestId, startedNanos, startedAt, key, planName, plan,
						this.ledger.calendar().period(startedAt), home, request.exchange());
				int running = this.inFlight.enter(request.exchange(), key.userId());
				if (plan.concurrentCalls() > 0 && running > plan.concurrentCalls()) {
					// More than the cap on this replica alone: no need to ask Redis.
					return refuse("concurrency", OpenAiError.tooManyConcurrentCalls(plan.concurrentCalls()));
				}
				Mono<ProxyCall> admitted = (declared >= 0)
						// The Redis round trip runs while the body is still arriving.
						? admitWhileReading(caller, body, reservation(declared, plan), request)
						: body.flatMap((chat) -> {
							ProxyCall call = call(caller, chat, request);
							return checkModel(call).then(admit(caller, reservation(call)))
								.map((ticket) -> ticket.apply(call));
						});
				// Back on the client connection's event loop, where the upstream
				// connection
				// and the relaying run too.
				return ((home != null) ? admitted.publishOn(Schedulers.fromExecutor(home)) : admitted)
					.flatMap(this::forward);
			});
		});
	}

	/**
	 * Admits the call and reads its body at the same time; a reservation made for a
	 * request that turns out invalid is released again.
	 */
	private Mono<ProxyCall> admitWhileReading(Caller caller, Mono<ChatRequest> body, long reserve,
			ServerRequest request) {
		return Mono.zip(body.materialize(), admit(caller, reserve).materialize()).flatMap((both) -> {
			if (both.getT2().isOnError()) {
				return Mono.error(both.getT2().getThrowable());
			}
			Ticket ticket = both.getT2().get();
			if (both.getT1().isOnError()) {
				return release(caller, ticket).then(Mono.error(both.getT1().getThrowable()));
			}
			ProxyCall call = ticket.apply(call(caller, both.getT1().get(), request));
			return checkModel(call).thenReturn(call)
				.onErrorResume((ex) -> release(caller, ticket).then(Mono.error(ex)));
		});
	}

	private ProxyCall call(Caller caller, ChatRequest chat, ServerRequest request) {
		String alias = this.router.alias(chat.model());
		return new ProxyCall(caller.callId(), caller.requestId(), caller.startedNanos(), caller.startedAt(),
				caller.key(), chat, agentOf(request, chat), (alias != null) ? alias : chat.model(), caller.planName(),
				caller.plan(), caller.period(), caller.home());
	}

	/** The model must be an alias the plan includes. */
	private Mono<Void> checkModel(ProxyCall call) {
		String alias = this.router.alias(call.request.model());
		if (alias == null || !call.plan.modelAliases().contains(alias)) {
			return Mono.error(OpenAiError.modelNotFound(call.request.model()));
		}
		return Mono.empty();
	}

	private Mono<Void> release(Caller caller, Ticket ticket) {
		if (ticket.lease() == null || !ticket.lease().close()) {
			return Mono.empty();
		}
		return ticket.lease().release(this.ledger, this.pending);
	}

	/** The event loop of the request's connection, or null if it is not Netty's. */
	private static EventLoop eventLoopOf(ServerRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request.exchange().getRequest());
		return (nativeRequest instanceof Connection connection) ? connection.channel().eventLoop() : null;
	}

	private Mono<InstanceKey> authenticate(ServerRequest request) {
		String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
		if (header == null || header.isBlank()) {
			return Mono.error(OpenAiError.missingKey());
		}
		String presented = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip()
				: header.strip();
		return this.keys.authenticate(presented).switchIfEmpty(Mono.error(OpenAiError::invalidKey));
	}

	private Mono<byte[]> readBody(ServerRequest request) {
		return DataBufferUtils.join(request.exchange().getRequest().getBody(), (int) this.maxRequestBytes)
			.map((buffer) -> {
				try {
					byte[] bytes = new byte[buffer.readableByteCount()];
					buffer.read(bytes);
					return bytes;
				}
				finally {
					DataBufferUtils.release(buffer);
				}
			})
			.switchIfEmpty(Mono.error(() -> OpenAiError.invalidRequest("The request has no body.", null)));
	}

	private ChatRequest parse(byte[] body) {
		return ChatRequest.parse(body, this.json);
	}

	/**
	 * The calling agent: a header, then the request body (see docs/billing-service.md).
	 */
	private static String agentOf(ServerRequest request, ChatRequest chat) {
		String header = request.headers().firstHeader("X-Lingxi-Agent-Id");
		if (header != null && header.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
			return header;
		}
		if (chat.agentId() != null) {
			return chat.agentId();
		}
		for (String name : List.of("x-session-affinity", "session_id", "x-openclaw-session-key")) {
			String value = request.headers().firstHeader(name);
			if (value != null && value.startsWith("agent:")) {
				int end = value.indexOf(':', 6);
				String agent = (end < 0) ? value.substring(6) : value.substring(6, end);
				if (agent.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
					return agent;
				}
			}
		}
		return null;
	}

	// ---- quota
	// -------------------------------------------------------------------------

	/** Admits a call (reserving its tokens) or fails with the OpenAI-style refusal. */
	private Mono<Ticket> admit(Caller caller, long reserve) {
		return ledgerAdmit(caller, reserve, true).flatMap((admission) -> switch (admission.outcome()) {
			case ADMITTED ->
				Mono.just((admission == WITHOUT_LEDGER) ? new Ticket(true, null, null) : admitted(caller, true, null));
			case CONCURRENT_CALLS ->
				refuse("concurrency", OpenAiError.tooManyConcurrentCalls(caller.plan().concurrentCalls()));
			case REQUESTS_PER_MINUTE -> refuse("rate", OpenAiError
				.rateLimited(caller.plan().requestsPerMinute() + " requests per minute", admission.retryAfter()));
			case TOKENS_PER_MINUTE -> refuse("rate", OpenAiError
				.rateLimited(caller.plan().tokensPerMinute() + " tokens per minute", admission.retryAfter()));
			case MONTHLY_TOKENS -> exhausted(caller, reserve, admission);
		});
	}

	/** The call holds a place in the ledger until it is settled or its exchange ends. */
	private Ticket admitted(Caller caller, boolean metered, String fallbackAlias) {
		CallLease lease = new CallLease(caller.key().userId(), caller.period(), caller.callId().toString(), metered);
		this.inFlight.admitted(caller.exchange(), lease);
		return new Ticket(metered, fallbackAlias, lease);
	}

	/**
	 * The call does not fit in what is left of the allowance. The allowance is used up
	 * (announced once) when the user's settled calls leave less than this call may need;
	 * otherwise calls in progress hold the rest, and it fits again once they settle.
	 */
	private Mono<Ticket> exhausted(Caller caller, long reserve, Admission admission) {
		Plan plan = caller.plan();
		boolean usedUp = admission.used() + reserve > plan.monthlyTokens();
		Mono<Void> announce = usedUp ? this.notices
			.exhausted(caller.key().userId(), caller.planName(), caller.period(), plan.monthlyTokens())
			.onErrorResume((ex) -> Mono.empty()) : Mono.empty();
		String fallback = plan.exhaustedFallbackAlias();
		if (fallback == null || fallback.isBlank()) {
			long left = Math.max(0, plan.monthlyTokens() - admission.used());
			return announce.then(refuse("quota", OpenAiError.quotaExhausted(plan.monthlyTokens(), left,
					admission.reserved(), reserve, this.ledger.calendar().resetsAt(caller.period()).toString())));
		}
		return announce.then(ledgerAdmit(caller, reserve, false))
			.flatMap((fallbackAdmission) -> switch (fallbackAdmission.outcome()) {
				case ADMITTED -> Mono.just((fallbackAdmission == WITHOUT_LEDGER) ? new Ticket(false, fallback, null)
						: admitted(caller, false, fallback));
				case CONCURRENT_CALLS ->
					refuse("concurrency", OpenAiError.tooManyConcurrentCalls(plan.concurrentCalls()));
				default -> refuse("rate", OpenAiError.rateLimited(plan.requestsPerMinute() + " requests per minute",
						fallbackAdmission.retryAfter()));
			});
	}

	/**
	 * Asks the ledger. If it cannot answer (Redis down, or PostgreSQL down while a month
	 * is seeded), the plan decides: refuse with 503, or admit {@link #WITHOUT_LEDGER}.
	 */
	private Mono<Admission> ledgerAdmit(Caller caller, long reserve, boolean metered) {
		return this.ledger
			.admit(caller.key().userId(), caller.plan(), caller.period(), caller.callId().toString(), reserve, metered)
			.onErrorResume((ex) -> !(ex instanceof OpenAiError), (ex) -> meteringUnavailable(caller, metered, ex));
	}

	private Mono<Admission> meteringUnavailable(Caller caller, boolean metered, Throwable ex) {
		boolean admit = caller.plan().meteringOutage() == MeteringOutage.ADMIT;
		if (!admit) {
			// A Redis that was only slow may still run the admission it timed out on:
			// give
			// back what it reserves then. (An admitted call's own settlement does that.)
			this.pending.add(caller.key().userId(), caller.period(), caller.callId().toString(), 0, metered, false);
		}
		long now = System.currentTimeMillis();
		long last = this.lastOutageLog.get();
		if (now - last > 10_000 && this.lastOutageLog.compareAndSet(last, now)) {
			log.warn("The quota ledger cannot be reached ({}); calls of plans that allow it are admitted without "
					+ "it, the others are refused with 503", ex.toString());
		}
		Counter.builder("lingxi.billing.quota.unavailable")
			.description("Model calls that found the quota ledger unreachable, by what they got")
			.tag("outcome", admit ? "admitted" : "refused")
			.register(this.meters)
			.increment();
		return admit ? Mono.just(WITHOUT_LEDGER) : Mono.error(OpenAiError.meteringUnavailable());
	}

	/**
	 * Tokens to reserve for a parsed call: an upper bound of the prompt (its bytes over
	 * bytesPerToken) plus the most it may generate (its {@code max_tokens}, lowered to
	 * the alias's limit, or that limit).
	 */
	private long reservation(ProxyCall call) {
		return promptBound(call.request.size()) + call.request.maxOutputTokens(outputLimit(call.alias()));
	}

	/** The most output one call of an alias may ask for. */
	private long outputLimit(String alias) {
		var config = this.router.aliasConfig(alias);
		return (config != null) ? config.maxOutputTokens() : DEFAULT_OUTPUT_LIMIT;
	}

	/**
	 * Tokens to reserve before the body is read: its declared length, and the largest
	 * output any alias of the plan allows (every call is held to its alias's limit).
	 */
	private long reservation(long bodyBytes, Plan plan) {
		long output = 0;
		for (String alias : plan.modelAliases()) {
			output = Math.max(output, outputLimit(alias));
		}
		return promptBound(bodyBytes) + output;
	}

	private long promptBound(long bytes) {
		return (bytes + this.quota.bytesPerToken() - 1) / this.quota.bytesPerToken();
	}

	private <T> Mono<T> refuse(String reason, OpenAiError error) {
		Counter.builder("lingxi.billing.quota.rejections")
			.description("Model calls refused by a plan limit")
			.tag("reason", reason)
			.register(this.meters)
			.increment();
		return Mono.error(error);
	}

	// ---- forwarding
	// --------------------------------------------------------------------

	private Mono<ServerResponse> forward(ProxyCall call) {
		List<Target> targets = this.router.route(call.alias(), call.planName);
		if (targets.isEmpty()) {
			return this.settlement.release(call).then(Mono.error(OpenAiError.noUpstream(call.alias())));
		}
		Flux<byte[]> answer = attempt(call, targets, 0, null);
		return call.request.stream() ? streamed(call, answer) : whole(call, answer);
	}

	/**
	 * Tries the targets in order: a connection error, a 5xx or 429, or no first byte in
	 * time moves on to the next, as long as nothing was relayed yet.
	 */
	private Flux<byte[]> attempt(ProxyCall call, List<Target> targets, int index, Throwable previous) {
		if (index >= targets.size()) {
			return Flux.error((previous != null) ? previous : OpenAiError.upstreamUnavailable());
		}
		Target target = targets.get(index);
		if (!target.upstream().tryAcquire()) {
			return attempt(call, targets, index + 1, (previous != null) ? previous : OpenAiError.upstreamUnavailable());
		}
		call.attempting(target);
		long started = System.nanoTime();
		AtomicBoolean answered = new AtomicBoolean();
		return target.upstream()
			.exchange(call.request, target.model(), outputLimit(call.alias()), call.callId.toString(), call.home)
			.doOnNext((chunk) -> {
				if (answered.compareAndSet(false, true)) {
					target.upstream().succeeded(started);
				}
			})
			.onErrorResume((ex) -> {
				if (answered.get()) {
					return Flux.error(ex);
				}
				boolean retryable = retryable(ex);
				if (retryable) {
					target.upstream().failed(started, ex);
					log.info("Upstream {} failed for call {} before answering ({}); {}", target.upstream().name(),
							call.callId, ex.toString(),
							(index + 1 < targets.size()) ? "trying the next" : "no upstream left");
					return attempt(call, targets, index + 1, ex);
				}
				target.upstream().succeeded(started);
				return Flux.error(ex);
			})
			.doOnCancel(() -> {
				if (!answered.get()) {
					target.upstream().released();
				}
			});
	}

	private static boolean retryable(Throwable ex) {
		if (ex instanceof UpstreamException upstream) {
			return upstream.retryable();
		}
		return !(ex instanceof OpenAiError);
	}

	/** A streamed answer, relayed chunk by chunk; [DONE] only once usage is durable. */
	private Mono<ServerResponse> streamed(ProxyCall call, Flux<byte[]> answer) {
		SseRelay relay = new SseRelay(!call.request.clientAskedForUsage(), this.json);
		call.relay(relay);
		Flux<byte[]> relayed = answer.map(relay::accept)
			.concatWith(Mono.fromSupplier(relay::finish))
			.filter((bytes) -> bytes.length > 0)
			.doOnNext((bytes) -> call.firstByte())
			.onErrorResume((ex) -> call.sentAnything(), (ex) -> {
				log.warn("Upstream {} failed during call {}: {}", upstreamName(call), call.callId, ex.toString());
				return this.settlement.settle(call, Outcome.UPSTREAM_ERROR, 200).thenMany(Flux.just(errorEvent()));
			})
			.concatWith(Mono
				.defer(() -> this.settlement.settle(call, Outcome.COMPLETED, 200).then(Mono.justOrEmpty(relay.done()))))
			.doOnError((ex) -> this.settlement.settle(call, failure(ex), statusOf(ex)))
			.doOnCancel(() -> this.settlement.settle(call, Outcome.CLIENT_CLOSED, 499));
		BodyInserter<Flux<byte[]>, ReactiveHttpOutputMessage> body = (message, context) -> message
			.writeAndFlushWith(relayed.map((bytes) -> Mono.just(message.bufferFactory().wrap(bytes))));
		return response(call).contentType(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.header("X-Accel-Buffering", "no")
			.body(body);
	}

	/** A non-streamed answer: read whole (bounded), usage taken from it, then sent. */
	private Mono<ServerResponse> whole(ProxyCall call, Flux<byte[]> answer) {
		return answer.doOnNext((bytes) -> call.firstByte())
			.collect(() -> new Accumulator(this.maxResponseBytes), Accumulator::add)
			.map(Accumulator::bytes)
			.flatMap((document) -> {
				call.document(document, usageOf(document));
				return this.settlement.settle(call, Outcome.COMPLETED, 200).thenReturn(document);
			})
			.doOnError((ex) -> this.settlement.settle(call, failure(ex), statusOf(ex)))
			.doOnCancel(() -> this.settlement.settle(call, Outcome.CLIENT_CLOSED, 499))
			.flatMap((document) -> response(call).contentType(MediaType.APPLICATION_JSON).bodyValue(document));
	}

	private ServerResponse.BodyBuilder response(ProxyCall call) {
		ServerResponse.BodyBuilder builder = ServerResponse.ok().header(CALL_ID_HEADER, call.callId.toString());
		if (!call.alias().equals(call.requestedAlias)) {
			builder.header("X-Lingxi-Model-Fallback", call.requestedAlias + "->" + call.alias());
		}
		return builder;
	}

	private Usage usageOf(byte[] document) {
		try {
			JsonNode tree = this.json.readTree(document);
			return (tree != null) ? Usage.of(tree.get("usage")) : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static Outcome failure(Throwable ex) {
		return (ex instanceof UpstreamException upstream && !upstream.retryable()) ? Outcome.UPSTREAM_REJECTED
				: Outcome.UPSTREAM_UNAVAILABLE;
	}

	private static int statusOf(Throwable ex) {
		return (ex instanceof UpstreamException upstream && !upstream.retryable()) ? upstream.status() : 502;
	}

	private static String upstreamName(ProxyCall call) {
		return (call.target() != null) ? call.target().upstream().name() : "none";
	}

	private byte[] errorEvent() {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("message", "The model provider stopped answering before the end of the answer.");
		error.put("type", "server_error");
		error.put("param", null);
		error.put("code", "upstream_error");
		byte[] payload = this.json.writeValueAsBytes(Map.of("error", error));
		byte[] event = new byte[payload.length + 8];
		System.arraycopy("data: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, event, 0, 6);
		System.arraycopy(payload, 0, event, 6, payload.length);
		event[event.length - 2] = '\n';
		event[event.length - 1] = '\n';
		return event;
	}

	// ---- warm-up answers
	// ---------------------------------------------------------------

	/**
	 * A key not bound to a user yet (a pooled instance warming up): answered here,
	 * unbilled and never forwarded, clearly marked.
	 */
	private Mono<ServerResponse> warmup(ChatRequest chat) {
		Flux<byte[]> answer = this.local.answer(chat, WARMUP_MODEL, WARMUP_TEXT, chat.clientAskedForUsage());
		if (!chat.stream()) {
			return answer.next()
				.flatMap((document) -> ServerResponse.ok()
					.contentType(MediaType.APPLICATION_JSON)
					.header("X-Lingxi-Warmup", "true")
					.bodyValue(document));
		}
		BodyInserter<Flux<byte[]>, ReactiveHttpOutputMessage> body = (message, context) -> message
			.writeAndFlushWith(answer.map((bytes) -> Mono.just(message.bufferFactory().wrap(bytes))));
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.header("X-Lingxi-Warmup", "true")
			.body(body);
	}

	// ---- GET /v1/models --------------------------------------------------------------

	Mono<ServerResponse> models(ServerRequest request) {
		return authenticate(request).flatMap(this::visibleAliases)
			.flatMap((aliases) -> ServerResponse.ok()
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("object", "list", "data", aliases.stream().map(this::model).toList())));
	}

	Mono<ServerResponse> model(ServerRequest request) {
		String requested = request.pathVariable("model").replaceFirst("^/", "");
		return authenticate(request).flatMap(this::visibleAliases).flatMap((aliases) -> {
			String alias = this.router.alias(requested);
			if (alias == null || !aliases.contains(alias)) {
				return Mono.error(OpenAiError.modelNotFound(requested));
			}
			return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(model(alias));
		});
	}

	/** The aliases a key may use: its user's plan's, or all of them for a warm-up key. */
	private Mono<List<String>> visibleAliases(InstanceKey key) {
		if (!key.bound()) {
			return Mono.just(List.copyOf(this.router.aliases()));
		}
		return this.plans.planOf(key.userId()).map((plan) -> {
			List<String> allowed = this.plans.limitsOf(plan).modelAliases();
			return this.router.aliases().stream().filter(allowed::contains).toList();
		});
	}

	private Map<String, Object> model(String alias) {
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("id", alias);
		model.put("object", "model");
		model.put("created", MODELS_CREATED);
		model.put("owned_by", "lingxi");
		var config = this.router.aliasConfig(alias);
		if (config != null && config.description() != null) {
			model.put("description", config.description());
		}
		return model;
	}

	/** Collects a non-streamed answer up to a limit. */
	private static final class Accumulator {

		private final long limit;

		private byte[] bytes = new byte[8192];

		private int length;

		Accumulator(long limit) {
			this.limit = limit;
		}

		void add(byte[] chunk) {
			if (this.length + chunk.length > this.limit) {
				throw new UpstreamException("upstream", 502,
						"{\"error\":{\"message\":\"The answer is larger than the proxy relays.\"}}"
							.getBytes(java.nio.charset.StandardCharsets.UTF_8));
			}
			if (this.length + chunk.length > this.bytes.length) {
				this.bytes = java.util.Arrays.copyOf(this.bytes,
						Math.max(this.bytes.length * 2, this.length + chunk.length));
			}
			System.arraycopy(chunk, 0, this.bytes, this.length, chunk.length);
			this.length += chunk.length;
		}

		byte[] bytes() {
			return java.util.Arrays.copyOf(this.bytes, this.length);
		}

	}

	/**
	 * Who is calling, known before the body is read.
	 *
	 * @param callId the proxy's id of the call
	 * @param requestId the client's request id (correlation only)
	 * @param startedNanos when it arrived (nano time)
	 * @param startedAt when it arrived
	 * @param key the caller's key
	 * @param planName the user's plan
	 * @param plan its limits
	 * @param period the billing month
	 * @param home the event loop of the client's connection, null if unknown
	 * @param exchange the client's exchange
	 */
	private record Caller(UUID callId, String requestId, long startedNanos, Instant startedAt, InstanceKey key,
			String planName, Plan plan, String period, EventLoop home, ServerWebExchange exchange) {
	}

	/**
	 * How an admitted call is served.
	 *
	 * @param metered whether its tokens count against the monthly allowance
	 * @param fallbackAlias the alias that serves it instead of the requested one, or null
	 * @param lease its place in the ledger, null if admitted without the ledger
	 */
	private record Ticket(boolean metered, String fallbackAlias, CallLease lease) {

		ProxyCall apply(ProxyCall call) {
			if (this.fallbackAlias != null) {
				call.fallBackTo(this.fallbackAlias);
			}
			call.lease(this.lease);
			return call;
		}

	}

}
