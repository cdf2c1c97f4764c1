package com.lingxi.instance.gateway;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * Talks to one user's OpenClaw gateway over its HTTP surface: readiness ({@code /readyz},
 * judged by its JSON body because the Control UI answers 200 to anything), the admin RPC
 * ({@code config.get}, {@code config.apply}), the agent list ({@code /v1/models}) and
 * chat ({@code /v1/chat/completions}). The bearer token is added here and never leaves
 * the platform.
 */
public final class GatewayClient {

	private static final String RPC = "/api/v1/admin/rpc";

	private final WebClient http;

	private final JsonMapper json;

	/**
	 * Node's HTTP server closes a keep-alive connection after 5 idle seconds; a request
	 * sent on such a connection just as it closes is reset. Pooled connections are
	 * therefore dropped after 2 idle seconds, well before the gateway would.
	 */
	private static final Duration POOLED_IDLE = Duration.ofSeconds(2);

	private final ChatTimeouts timeouts;

	public GatewayClient(WebClient.Builder http, JsonMapper json) {
		this(http, json, ChatTimeouts.DEFAULTS);
	}

	public GatewayClient(WebClient.Builder http, JsonMapper json, ChatTimeouts timeouts) {
		ConnectionProvider connections = ConnectionProvider.builder("openclaw-gateways")
			.maxIdleTime(POOLED_IDLE)
			.evictInBackground(POOLED_IDLE)
			.build();
		this.http = http.clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
		this.json = json;
		this.timeouts = timeouts;
	}

	/** Whether the gateway says it is ready. Never errors: unreachable is not ready. */
	public Mono<Boolean> ready(String endpoint) {
		return this.http.get()
			.uri(endpoint + "/readyz")
			.exchangeToMono((response) -> response.bodyToMono(String.class).defaultIfEmpty(""))
			.timeout(Duration.ofSeconds(3))
			.map((body) -> body.contains("\"ready\":true"))
			.onErrorReturn(false);
	}

	/** Waits until the gateway is ready, polling; errors after {@code timeout}. */
	public Mono<Void> awaitReady(String endpoint, Duration timeout) {
		return ready(endpoint).filter(Boolean::booleanValue)
			.repeatWhenEmpty((attempts) -> attempts.delayElements(Duration.ofMillis(500)))
			.timeout(timeout, Mono.error(() -> new GatewayException("gateway not ready after " + timeout)))
			.then();
	}

	/**
	 * The hash of the gateway's current configuration file ({@code baseHash} for writes).
	 */
	public Mono<String> configHash(String endpoint, String token) {
		return rpc(endpoint, token, "config.get", Map.of()).map((payload) -> payload.path("hash").asString());
	}

	/**
	 * Replaces the gateway's configuration with {@code raw}. Hot-reloadable changes apply
	 * in the running process (the call returns once applied). A stale {@code baseHash} is
	 * refreshed and tried once more.
	 * @return the new configuration hash
	 * @throws ConfigRejectedException (as error) if the gateway refuses the configuration
	 */
	public Mono<String> applyConfig(String endpoint, String token, String raw, String baseHash) {
		Mono<String> hash = (baseHash != null) ? Mono.just(baseHash) : configHash(endpoint, token);
		return hash.flatMap((base) -> apply(endpoint, token, raw, base))
			.onErrorResume(StaleHashException.class,
					(stale) -> configHash(endpoint, token).flatMap((fresh) -> apply(endpoint, token, raw, fresh)))
			// "Unavailable" (a 5xx) is the gateway failing, not refusing the
			// configuration:
			// seen when a change arrives while the previous one is still being reloaded.
			// The
			// file is untouched then, so the same write is tried again shortly.
			.retryWhen(Retry.backoff(3, Duration.ofSeconds(1))
				.filter((ex) -> ex instanceof GatewayException && !(ex instanceof ConfigRejectedException))
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()));
	}

	private Mono<String> apply(String endpoint, String token, String raw, String baseHash) {
		return rpc(endpoint, token, "config.apply", Map.of("raw", raw, "baseHash", baseHash))
			.map((payload) -> payload.path("hash").asString());
	}

	/**
	 * Removes an agent from the running gateway, keeping its workspace files. OpenClaw
	 * refuses to drop an agent through {@code config.apply} once it has run, so agents
	 * leaving a team go this way first.
	 */
	public Mono<Void> deleteAgent(String endpoint, String token, String agentId) {
		return rpc(endpoint, token, "agents.delete", Map.of("agentId", agentId, "deleteFiles", false)).then();
	}

	/** The agents the gateway serves ({@code openclaw/<id>} in {@code /v1/models}). */
	public Mono<Set<String>> agents(String endpoint, String token) {
		return this.http.get()
			.uri(endpoint + "/v1/models")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.retrieve()
			.bodyToMono(JsonNode.class)
			.timeout(Duration.ofSeconds(10))
			.map((models) -> {
				Set<String> agents = new LinkedHashSet<>();
				for (JsonNode model : models.path("data")) {
					String id = model.path("id").asString();
					if (id.startsWith("openclaw/") && !id.equals("openclaw/default")) {
						agents.add(id.substring("openclaw/".length()));
					}
				}
				return agents;
			});
	}

	/**
	 * Sends a chat request and streams the raw response (SSE when {@code stream} is set).
	 * HTTP errors come back as {@link WebClientResponseException}; a gateway that sends
	 * nothing within the answer timeout, or falls silent for the idle timeout, as
	 * {@link GatewayTimeoutException}.
	 */
	public Flux<DataBuffer> chat(String endpoint, String token, Object body) {
		return this.http.post()
			.uri(endpoint + "/v1/chat/completions")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchangeToFlux((response) -> response.statusCode().is2xxSuccessful()
					? response.bodyToFlux(DataBuffer.class) : response.createException().flatMapMany(Flux::error))
			.transform((answer) -> whileTalking(answer, this.timeouts.answerTimeout()));
	}

	/**
	 * Forwards an OpenAI-style chat request as it is and returns the gateway's answer as
	 * it is: status, content type and body (streamed when the request asked for a
	 * stream). The answer must begin within the first-byte timeout when streamed, within
	 * the answer timeout when not; a streamed body that falls silent for the idle timeout
	 * ends with {@link GatewayTimeoutException}.
	 */
	public Mono<ResponseEntity<Flux<DataBuffer>>> forward(String endpoint, String token, Object body) {
		Duration untilAnswer = streamed(body) ? this.timeouts.firstByteTimeout() : this.timeouts.answerTimeout();
		return this.http.post()
			.uri(endpoint + "/v1/chat/completions")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.retrieve()
			.onStatus((status) -> true, (response) -> Mono.empty())
			.toEntityFlux(DataBuffer.class)
			.timeout(untilAnswer, Mono.error(() -> noAnswer(untilAnswer)))
			.map((entity) -> ResponseEntity.status(entity.getStatusCode())
				.headers(entity.getHeaders())
				.body(whileTalking(entity.getBody(), this.timeouts.idleTimeout())));
	}

	/**
	 * A streamed chat as the data of its server-sent events ({@code [DONE]} included).
	 * The first event must come within the first-byte timeout, each next one within the
	 * idle timeout; otherwise the stream ends with {@link GatewayTimeoutException}.
	 */
	public Flux<String> chatStream(String endpoint, String token, Object body) {
		return this.http.post()
			.uri(endpoint + "/v1/chat/completions")
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.bodyValue(body)
			.exchangeToFlux((response) -> response.statusCode().is2xxSuccessful()
					? response.bodyToFlux(SSE).mapNotNull(ServerSentEvent::data)
					: response.createException().flatMapMany(Flux::error))
			.transform((events) -> whileTalking(events, this.timeouts.firstByteTimeout()));
	}

	/**
	 * Ends an answer whose first piece does not come within {@code untilFirst}, or whose
	 * next piece does not come within the idle timeout. No limit on the whole: answers
	 * legitimately stream for minutes.
	 */
	private <T> Flux<T> whileTalking(Flux<T> answer, Duration untilFirst) {
		Duration idle = this.timeouts.idleTimeout();
		return Flux.defer(() -> {
			AtomicBoolean begun = new AtomicBoolean();
			return answer.doOnNext((piece) -> begun.set(true))
				.timeout(Mono.delay(untilFirst), (piece) -> Mono.delay(idle))
				.onErrorMap(TimeoutException.class, (ex) -> begun.get() ? silent(idle) : noAnswer(untilFirst));
		});
	}

	private static boolean streamed(Object body) {
		if (body instanceof JsonNode node) {
			return node.path("stream").asBoolean(false);
		}
		return (body instanceof Map<?, ?> map) && Boolean.TRUE.equals(map.get("stream"));
	}

	private static GatewayTimeoutException noAnswer(Duration limit) {
		return new GatewayTimeoutException("no answer within " + limit.toSeconds() + " s");
	}

	private static GatewayTimeoutException silent(Duration limit) {
		return new GatewayTimeoutException("the answer fell silent for " + limit.toSeconds() + " s");
	}

	private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
	};

	private Mono<JsonNode> rpc(String endpoint, String token, String method, Map<String, Object> params) {
		return this.http.post()
			.uri(endpoint + RPC)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("method", method, "params", params))
			.exchangeToMono((response) -> response.bodyToMono(String.class)
				.defaultIfEmpty("")
				.flatMap((body) -> rpcResult(method, response, body)))
			// A connection that failed before any answer (reset, refused) is tried once
			// more:
			// config.get reads, and config.apply with the same text and base hash is
			// harmless to repeat (a second one meets a stale hash and is re-based).
			.retryWhen(Retry.backoff(1, Duration.ofMillis(200))
				.filter(WebClientRequestException.class::isInstance)
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()))
			.timeout(Duration.ofSeconds(90));
	}

	private Mono<JsonNode> rpcResult(String method, ClientResponse response, String body) {
		JsonNode result;
		try {
			result = this.json.readTree(body);
		}
		catch (RuntimeException ex) {
			return Mono.error(new GatewayException(method + " answered " + response.statusCode().value() + ": "
					+ body.substring(0, Math.min(200, body.length()))));
		}
		if (response.statusCode().is2xxSuccessful() && result.path("ok").asBoolean(false)) {
			return Mono.just(result.path("payload"));
		}
		String message = result.path("error").path("message").asString(result.path("error").asString(body));
		if (message.contains("changed since last load") || message.toLowerCase().contains("basehash")) {
			return Mono.error(new StaleHashException(message));
		}
		if (response.statusCode().is4xxClientError()) {
			return Mono.error(new ConfigRejectedException(method + " refused: " + message));
		}
		return Mono.error(new GatewayException(method + " failed (" + response.statusCode().value() + "): " + message));
	}

	/** The gateway could not be reached or failed. */
	public static class GatewayException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		public GatewayException(String message) {
			super(message);
		}

	}

	/** The gateway did not start answering, or fell silent, within its time limit. */
	public static final class GatewayTimeoutException extends GatewayException {

		private static final long serialVersionUID = 1L;

		public GatewayTimeoutException(String message) {
			super(message);
		}

	}

	/** The gateway refused a configuration; its previous one keeps serving. */
	public static final class ConfigRejectedException extends GatewayException {

		private static final long serialVersionUID = 1L;

		public ConfigRejectedException(String message) {
			super(message);
		}

	}

	private static final class StaleHashException extends GatewayException {

		private static final long serialVersionUID = 1L;

		StaleHashException(String message) {
			super(message);
		}

	}

}
