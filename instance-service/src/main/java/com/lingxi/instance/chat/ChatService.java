package com.lingxi.instance.chat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.instance.InstanceProblems;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.instance.lifecycle.Lifecycle;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;

/**
 * A chat with one of the user's agents, answered by the user's own gateway: wakes a
 * hibernated instance (progress is streamed meanwhile), continues or starts a
 * conversation (one gateway session per conversation), streams the answer and keeps the
 * transcript. The gateway token is added here; the user never sees it or the gateway's
 * address.
 */
public final class ChatService {

	private static final Logger log = LoggerFactory.getLogger(ChatService.class);

	static final Pattern AGENT_ID = Pattern.compile("[a-z0-9_][a-z0-9_-]{0,63}");

	private static final Set<InstanceState> WAITABLE = EnumSet.of(InstanceState.HIBERNATED, InstanceState.STARTING,
			InstanceState.ASSIGNING, InstanceState.QUEUED, InstanceState.READY);

	private final Instances instances;

	private final Lifecycle lifecycle;

	private final GatewayClient gateways;

	private final InstanceSecrets secrets;

	private final Conversations conversations;

	private final InstanceProperties properties;

	private final JsonMapper json;

	private final Map<UUID, AgentList> agentLists = new ConcurrentHashMap<>();

	private final Timer firstToken;

	private final Timer complete;

	public ChatService(Instances instances, Lifecycle lifecycle, GatewayClient gateways, InstanceSecrets secrets,
			Conversations conversations, InstanceProperties properties, JsonMapper json, MeterRegistry meters) {
		this.instances = instances;
		this.lifecycle = lifecycle;
		this.gateways = gateways;
		this.secrets = secrets;
		this.conversations = conversations;
		this.properties = properties;
		this.json = json;
		this.firstToken = Timer.builder("lingxi.chat.latency")
			.tag("until", "first-token")
			.description("Platform chat latency, until the first token and until the end")
			.publishPercentileHistogram()
			.register(meters);
		this.complete = Timer.builder("lingxi.chat.latency")
			.tag("until", "done")
			.publishPercentileHistogram()
			.register(meters);
	}

	/**
	 * Checks the request (problems for bad input, an unknown agent or conversation, an
	 * instance that cannot chat) and returns the stream to send.
	 */
	public Mono<Flux<ChatEvent>> chat(UUID userId, ChatRequest request) {
		String message = (request.message() != null) ? request.message().strip() : "";
		if (message.isEmpty()) {
			return Mono.error(invalid("message", "must not be empty"));
		}
		if (message.getBytes(StandardCharsets.UTF_8).length > this.properties.maxMessageSize().toBytes()) {
			return Mono.error(ProblemException.of(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE,
					"Message too long",
					"A message may be at most " + this.properties.maxMessageSize().toBytes() + " bytes."));
		}
		String agent = request.agentId();
		if (agent == null || !AGENT_ID.matcher(agent).matches()) {
			return Mono.error(invalid("agentId", "must be an agent id such as assistant or coder"));
		}
		return this.instances.byUser(userId).switchIfEmpty(Mono.defer(() -> missing(userId))).flatMap((instance) -> {
			if (!WAITABLE.contains(instance.state())) {
				return Mono.error(notReady(instance));
			}
			if (instance.state() == InstanceState.READY) {
				return checkAgent(instance, agent).then(conversation(userId, request.conversationId(), agent, message))
					.map((conversation) -> stream(instance, conversation, message));
			}
			return conversation(userId, request.conversationId(), agent, message).map(
					(conversation) -> waitUntilReady(instance)
						.concatWith(Flux.defer(() -> this.instances.byUser(userId)
							.flatMapMany((ready) -> checkAgent(ready, agent)
								.thenMany(stream(ready, conversation, message)))))
						.onErrorResume((ex) -> Mono.just(errorEvent(ex))));
		});
	}

	/** The agents of the user's running gateway. */
	public Mono<Set<String>> agents(UUID userId) {
		return this.instances.byUser(userId)
			.switchIfEmpty(Mono.defer(() -> missing(userId)))
			.flatMap((instance) -> (instance.state() == InstanceState.READY) ? agentsOf(instance)
					: Mono.error(notReady(instance)));
	}

	/**
	 * The agents a gateway serves, remembered per applied configuration version (a chat
	 * then costs no extra call to the gateway).
	 */
	private Mono<Set<String>> agentsOf(Instance instance) {
		AgentList known = this.agentLists.get(instance.id());
		if (known != null && known.matches(instance)) {
			return Mono.just(known.agents());
		}
		return this.gateways.agents(instance.endpoint(), this.secrets.gatewayToken(instance))
			.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> gatewayFailed(instance, ex))
			.doOnNext((agents) -> this.agentLists.put(instance.id(),
					new AgentList(instance.endpoint(), instance.appliedConfigVersion(), agents)));
	}

	/** The gateway's agents include {@code agent}, or a 404 problem. */
	Mono<Void> checkAgent(Instance instance, String agent) {
		return agentsOf(instance)
			.flatMap(
					(agents) -> agents.contains(agent) ? Mono.<Void>empty()
							: Mono.error(ProblemException
								.of(HttpStatus.NOT_FOUND, InstanceProblems.UNKNOWN_AGENT, "Unknown agent",
										"Your team has no agent '" + agent + "'.")
								.with("agents", List.copyOf(agents))));
	}

	private Mono<Conversations.Conversation> conversation(UUID userId, UUID conversationId, String agent,
			String message) {
		if (conversationId == null) {
			String title = (message.length() > 60) ? message.substring(0, 60) + "…" : message;
			return this.conversations.create(Ids.uuidV7(), userId, agent, title.replaceAll("\\s+", " "));
		}
		return this.conversations.find(userId, conversationId)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Conversation " + conversationId)))
			.flatMap((conversation) -> conversation.agentId().equals(agent) ? Mono.just(conversation)
					: Mono.error(ProblemException.conflict(ProblemTypes.of("conversation-agent-mismatch"),
							"Another agent's conversation", "Conversation " + conversationId + " is with "
									+ conversation.agentId() + ", not " + agent + ".")));
	}

	/** Wakes a hibernated instance and reports progress until it is ready. */
	private Flux<ChatEvent> waitUntilReady(Instance instance) {
		Mono<Void> wake = (instance.state() == InstanceState.HIBERNATED) ? this.lifecycle.wake(instance).then()
				: Mono.empty();
		Duration limit = this.properties.startTimeout().plusSeconds(30);
		return wake.thenMany(Flux.interval(Duration.ZERO, Duration.ofMillis(500))
			.onBackpressureDrop()
			.concatMap((tick) -> this.instances.byId(instance.id()), 1)
			.distinctUntilChanged(Instance::state)
			.takeUntil((current) -> current.state() == InstanceState.READY || !WAITABLE.contains(current.state()))
			.concatMap((current) -> {
				if (current.state() == InstanceState.READY) {
					return Flux.empty();
				}
				if (!WAITABLE.contains(current.state())) {
					return Flux.error(notReady(current));
				}
				return Flux.just(new ChatEvent.Progress(current.state().name(), progressOf(current.state())));
			})
			.timeout(limit,
					Flux.error(() -> ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, InstanceProblems.NOT_READY,
							"Instance not ready", "Your instance did not become ready in time."))))
			.cast(ChatEvent.class);
	}

	private static String progressOf(InstanceState state) {
		return switch (state) {
			case HIBERNATED, STARTING -> "waking your assistant (usually 20-40 s)";
			case ASSIGNING -> "setting up your agents";
			case QUEUED -> "waiting for a free gateway";
			default -> state.name().toLowerCase();
		};
	}

	/**
	 * Streams the answer of the user's gateway and records both sides of the exchange.
	 */
	private Flux<ChatEvent> stream(Instance instance, Conversations.Conversation conversation, String message) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("model", "openclaw/" + conversation.agentId());
		body.put("stream", true);
		body.put("user", conversation.id().toString());
		body.put("messages", List.of(Map.of("role", "user", "content", message)));
		StringBuilder answer = new StringBuilder();
		AtomicBoolean first = new AtomicBoolean(true);
		long started = System.nanoTime();
		Map<String, Object> usage = new LinkedHashMap<>();
		Flux<ChatEvent> deltas = this.gateways
			.chatStream(instance.endpoint(), this.secrets.gatewayToken(instance), body)
			.takeWhile((data) -> !"[DONE]".equals(data.strip()))
			.concatMap((data) -> {
				JsonNode chunk = this.json.readTree(data);
				if (chunk.has("usage") && chunk.get("usage").isObject()) {
					chunk.get("usage")
						.properties()
						.forEach((field) -> usage.put(field.getKey(), field.getValue().asLong()));
				}
				String content = chunk.path("choices").path(0).path("delta").path("content").asString("");
				if (content.isEmpty()) {
					return Flux.empty();
				}
				if (first.compareAndSet(true, false)) {
					this.firstToken.record(Duration.ofNanos(System.nanoTime() - started));
				}
				answer.append(content);
				return Flux.just((ChatEvent) new ChatEvent.Delta(conversation.id(), content));
			});
		return this.conversations.append(conversation.id(), "user", message)
			.then(this.instances.touch(instance.id()))
			.thenMany(deltas)
			.concatWith(Mono.defer(() -> {
				this.complete.record(Duration.ofNanos(System.nanoTime() - started));
				return Mono.just(new ChatEvent.Done(conversation.id(), Map.copyOf(usage)));
			}))
			.onErrorResume((ex) -> Mono.just(errorEvent(gatewayFailed(instance, ex))))
			.doFinally((signal) -> {
				if (answer.length() > 0) {
					this.conversations.append(conversation.id(), "assistant", answer.toString())
						.then(this.instances.touch(instance.id()))
						.subscribe(null, (ex) -> log.warn("Could not save an answer: {}", ex.toString()));
				}
			});
	}

	/**
	 * An OpenAI-style chat completion answered by the user's gateway: {@code model} names
	 * the agent; the gateway's status and body come back unchanged (streamed when asked).
	 * A hibernated instance is woken first.
	 */
	public Mono<ResponseEntity<Flux<DataBuffer>>> complete(UUID userId, JsonNode request) {
		if (!(request instanceof ObjectNode body)) {
			return Mono.error(ProblemException.badRequest("The body must be a JSON object."));
		}
		String model = body.path("model").asString("");
		String agent = model.startsWith("openclaw/") ? model.substring("openclaw/".length()) : model;
		if (!AGENT_ID.matcher(agent).matches()) {
			return Mono.error(invalid("model", "must name an agent: openclaw/<agentId>, e.g. openclaw/assistant"));
		}
		if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
			return Mono.error(invalid("messages", "must be a non-empty array"));
		}
		ObjectNode forwarded = body.deepCopy();
		forwarded.put("model", "openclaw/" + agent);
		if (this.json.writeValueAsBytes(forwarded).length > this.properties.maxRequestSize().toBytes()) {
			return Mono.error(ProblemException.of(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE,
					"Request too large",
					"A chat request may be at most " + this.properties.maxRequestSize().toBytes() + " bytes."));
		}
		return this.instances.byUser(userId).switchIfEmpty(Mono.defer(() -> missing(userId))).flatMap((instance) -> {
			if (!WAITABLE.contains(instance.state())) {
				return Mono.error(notReady(instance));
			}
			Mono<Instance> ready = (instance.state() == InstanceState.READY) ? Mono.just(instance)
					: waitUntilReady(instance).then(this.instances.byUser(userId));
			return ready.flatMap((current) -> checkAgent(current, agent).then(this.instances.touch(current.id()))
				.then(this.gateways.forward(current.endpoint(), this.secrets.gatewayToken(current), forwarded))
				.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> gatewayFailed(current, ex)));
		});
	}

	/** A failure after the stream started, as its last event. */
	private static ChatEvent errorEvent(Throwable ex) {
		if (ex instanceof ProblemException problem) {
			return new ChatEvent.Error(String.valueOf(problem.getBody().getType()), problem.getBody().getDetail());
		}
		log.warn("Chat failed: {}", ex.toString());
		return errorEvent(gatewayFailed(ex));
	}

	/** No instance: queued for capacity (409 with the position) or none at all (404). */
	private Mono<Instance> missing(UUID userId) {
		return this.instances.queuePosition(userId)
			.flatMap((position) -> Mono.<Instance>error(queued(position)))
			.switchIfEmpty(Mono.error(ChatService::noInstance));
	}

	static ProblemException queued(long position) {
		return ProblemException
			.of(HttpStatus.CONFLICT, InstanceProblems.NOT_READY, "Instance not ready",
					"Your instance is waiting for room on the platform (number " + position
							+ " in the queue). Check GET /api/instance/status.")
			.with("state", "QUEUED")
			.with("queuePosition", position);
	}

	static ProblemException noInstance() {
		return ProblemException.of(HttpStatus.NOT_FOUND, InstanceProblems.NO_INSTANCE, "No instance",
				"You have no instance yet. POST /api/instance/create makes one.");
	}

	static ProblemException invalid(String field, String message) {
		return ProblemException
			.of(HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request", "The request has 1 invalid field.")
			.with("errors", List.of(Map.of("field", field, "message", message)));
	}

	static ProblemException notReady(Instance instance) {
		return ProblemException
			.of(HttpStatus.CONFLICT, InstanceProblems.NOT_READY, "Instance not ready",
					"Your instance is " + instance.state()
							+ ((instance.error() != null) ? " (" + instance.error() + ")" : "")
							+ ". Check GET /api/instance/status; POST /api/instance/restart recovers from errors.")
			.with("state", instance.state().name());
	}

	/**
	 * A gateway's failure as the user sees it; what failed (its address, the exception)
	 * goes to the log only.
	 */
	private static ProblemException gatewayFailed(Instance instance, Throwable ex) {
		log.warn("Gateway of instance {} (user {}) failed: {}", instance.id(), instance.userId(), ex.toString());
		return gatewayFailed(ex);
	}

	/** A gateway's failure as the user sees it: a stable type and a plain detail. */
	static ProblemException gatewayFailed(Throwable ex) {
		if (ex instanceof GatewayClient.GatewayTimeoutException) {
			return ProblemException.of(HttpStatus.GATEWAY_TIMEOUT, ProblemTypes.GATEWAY_TIMEOUT,
					"Assistant not answering",
					"Your assistant stopped answering. Try again; a very long task may need to be split up.");
		}
		return ProblemException.of(HttpStatus.BAD_GATEWAY, InstanceProblems.GATEWAY_FAILED, "Assistant unavailable",
				"Your assistant did not answer. Try again shortly; if it keeps failing, POST /api/instance/restart"
						+ " restarts it.");
	}

	/** The agents a gateway listed for one configuration version. */
	private record AgentList(String endpoint, Long configVersion, Set<String> agents) {

		boolean matches(Instance instance) {
			return Objects.equals(this.endpoint, instance.endpoint())
					&& Objects.equals(this.configVersion, instance.appliedConfigVersion());
		}

	}

}
