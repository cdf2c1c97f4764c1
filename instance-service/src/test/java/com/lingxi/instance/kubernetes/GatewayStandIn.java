package com.lingxi.instance.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One local HTTP server standing in for the pods of every gateway on a mock cluster: pods
 * do not run on a mock API server, so nothing would answer at a gateway's address. It
 * speaks what instance-service uses of a gateway and of its file-sync sidecar, per
 * instance ({@code /gw/<instanceId>/…} and {@code /files/<instanceId>/…}, as the
 * runtime's endpoint templates point there), with each instance's own state:
 * <ul>
 * <li>{@code GET /readyz}: {@code {"ready":true}} once the instance's Deployment and
 * Secrets exist on the cluster (what a pod would need to start);</li>
 * <li>the bearer token a request must carry is the one in the instance's Secret on the
 * cluster, as the pod would get it;</li>
 * <li>the agents it serves ({@code GET /v1/models}) are those of its seed's
 * openclaw.json, then of the last {@code config.apply};</li>
 * <li>{@code POST /api/v1/admin/rpc}: {@code config.get} and {@code config.apply} (with
 * the {@code baseHash} check; failing with 503 while {@link #failingApplies} lasts);</li>
 * <li>{@code POST /v1/chat/completions}: a short answer (the pool's warm-up chat);</li>
 * <li>{@code PUT /files/<id>/v1/files}: the sidecar's write, recorded.</li>
 * </ul>
 */
final class GatewayStandIn implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final KubernetesClient cluster;

	private final String namespace;

	private final DisposableServer server;

	private final Map<String, Gateway> gateways = new ConcurrentHashMap<>();

	/** Files written through each instance's sidecar, path to content. */
	final Map<String, Map<String, String>> files = new ConcurrentHashMap<>();

	/** Instances that answered a chat. */
	final Set<String> chatted = ConcurrentHashMap.newKeySet();

	/** Requests refused for a wrong token. */
	final AtomicInteger unauthorized = new AtomicInteger();

	/**
	 * How many more {@code config.apply} calls fail with 503, as OpenClaw's admin RPC
	 * does while it is still reloading.
	 */
	final AtomicInteger failingApplies = new AtomicInteger();

	GatewayStandIn(KubernetesClient cluster, String namespace) {
		this.cluster = cluster;
		this.namespace = namespace;
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/gw/{id}/readyz", this::readyz)
				.get("/gw/{id}/v1/models", this::models)
				.post("/gw/{id}/api/v1/admin/rpc", this::rpc)
				.post("/gw/{id}/v1/chat/completions", this::chat)
				.put("/files/{id}/v1/files", this::writeFiles))
			.bindNow();
	}

	/** Endpoint template of the gateways. */
	String gatewayTemplate() {
		return "http://127.0.0.1:" + this.server.port() + "/gw/{instanceId}";
	}

	/** Endpoint template of the file-sync sidecars. */
	String filesTemplate() {
		return "http://127.0.0.1:" + this.server.port() + "/files/{instanceId}";
	}

	/** The agents an instance serves now. */
	Set<String> agents(String instanceId) {
		Gateway gateway = this.gateways.get(instanceId);
		return (gateway != null) ? gateway.agents : Set.of();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

	private Mono<Void> readyz(HttpServerRequest request, HttpServerResponse response) {
		return gateway(request.param("id")).flatMap((gateway) -> json(response, 200, Map.of("ready", true)))
			.switchIfEmpty(Mono.defer(() -> json(response, 503, Map.of("ready", false))));
	}

	private Mono<Void> models(HttpServerRequest request, HttpServerResponse response) {
		return authorized(request, response,
				(gateway) -> json(response, 200,
						Map.of("object", "list", "data",
								gateway.agents.stream()
									.map((agent) -> Map.of("id", "openclaw/" + agent, "object", "model"))
									.toList())));
	}

	private Mono<Void> rpc(HttpServerRequest request, HttpServerResponse response) {
		return authorized(request, response, (gateway) -> request.receive().aggregate().asString().flatMap((raw) -> {
			JsonNode call = JSON.readTree(raw);
			String method = call.path("method").asString();
			synchronized (gateway) {
				if (method.equals("config.get")) {
					return json(response, 200, Map.of("ok", true, "payload", Map.of("hash", gateway.hash)));
				}
				if (method.equals("config.apply")) {
					if (this.failingApplies.getAndUpdate((left) -> Math.max(0, left - 1)) > 0) {
						return json(response, 503, Map.of("ok", false, "error",
								Map.of("message", "gateway method failed before returning a response")));
					}
					if (!gateway.hash.equals(call.path("params").path("baseHash").asString())) {
						return json(response, 400, Map.of("ok", false, "error",
								Map.of("message", "config changed since last load; re-run config.get")));
					}
					String config = call.path("params").path("raw").asString();
					gateway.apply(config);
					return json(response, 200, Map.of("ok", true, "payload", Map.of("hash", gateway.hash)));
				}
			}
			return json(response, 400, Map.of("ok", false, "error", Map.of("message", "unknown method " + method)));
		}));
	}

	private Mono<Void> chat(HttpServerRequest request, HttpServerResponse response) {
		return authorized(request, response, (gateway) -> request.receive().aggregate().asString().flatMap((raw) -> {
			this.chatted.add(request.param("id"));
			return json(response, 200, Map.of("id", "chat-1", "object", "chat.completion", "choices", List.of(Map
				.of("index", 0, "message", Map.of("role", "assistant", "content", "pong"), "finish_reason", "stop"))));
		}));
	}

	private Mono<Void> writeFiles(HttpServerRequest request, HttpServerResponse response) {
		return authorized(request, response, (gateway) -> request.receive().aggregate().asString().flatMap((raw) -> {
			Map<String, String> written = this.files.computeIfAbsent(request.param("id"),
					(id) -> new ConcurrentHashMap<>());
			for (JsonNode file : JSON.readTree(raw).path("files")) {
				written.put(file.path("path").asString(), file.path("content").asString());
			}
			return response.status(204).send();
		}));
	}

	private Mono<Void> authorized(HttpServerRequest request, HttpServerResponse response,
			java.util.function.Function<Gateway, Mono<Void>> handler) {
		return gateway(request.param("id")).flatMap((gateway) -> {
			if (!("Bearer " + gateway.token).equals(request.requestHeaders().get("Authorization"))) {
				this.unauthorized.incrementAndGet();
				return json(response, 401, Map.of("error", "unauthorized"));
			}
			return handler.apply(gateway);
		}).switchIfEmpty(Mono.defer(() -> response.status(502).send()));
	}

	/**
	 * The instance's gateway as its pod would start: with the token of its Secret and the
	 * configuration of its seed. Empty while those do not exist.
	 */
	private Mono<Gateway> gateway(String instanceId) {
		Gateway known = this.gateways.get(instanceId);
		if (known != null) {
			return Mono.just(known);
		}
		return Mono.fromCallable(() -> start(instanceId))
			.subscribeOn(Schedulers.boundedElastic())
			.map((started) -> this.gateways.computeIfAbsent(instanceId, (id) -> started));
	}

	private Gateway start(String instanceId) {
		String name = "oc-" + instanceId;
		Secret credentials = this.cluster.secrets().inNamespace(this.namespace).withName(name).get();
		Secret seed = this.cluster.secrets().inNamespace(this.namespace).withName(name + "-seed").get();
		if (credentials == null || seed == null
				|| this.cluster.apps().deployments().inNamespace(this.namespace).withName(name).get() == null) {
			return null;
		}
		Gateway gateway = new Gateway(decode(credentials.getData().get("gateway-token")));
		for (JsonNode file : JSON.readTree(decode(seed.getData().get("files.json")))) {
			if (file.path("path").asString().equals("openclaw.json")) {
				gateway.apply(file.path("content").asString());
			}
		}
		return gateway;
	}

	private static Mono<Void> json(HttpServerResponse response, int status, Object body) {
		return response.status(status)
			.header("Content-Type", "application/json")
			.sendString(Mono.just(JSON.writeValueAsString(body)))
			.then();
	}

	private static String decode(String base64) {
		return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
	}

	private static final class Gateway {

		final String token;

		volatile Set<String> agents = Set.of();

		volatile String hash = "none";

		Gateway(String token) {
			this.token = token;
		}

		void apply(String config) {
			Map<String, Boolean> entries = new LinkedHashMap<>();
			JSON.readTree(config).path("agents").path("entries").propertyNames().forEach((id) -> entries.put(id, true));
			this.agents = Set.copyOf(entries.keySet());
			try {
				this.hash = HexFormat.of()
					.formatHex(MessageDigest.getInstance("SHA-256").digest(config.getBytes(StandardCharsets.UTF_8)));
			}
			catch (java.security.NoSuchAlgorithmException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
