package com.lingxi.instance;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import com.lingxi.common.id.Ids;

import static com.lingxi.common.test.StandInService.calledBy;

/**
 * Stands in for billing-service's key API and config-service's internal configuration
 * API, in their JSON shapes, with state the test sets and records of what was asked.
 */
public final class FakePlatform {

	private final JsonMapper json = JsonMapper.builder().build();

	/** Configuration of each user: version and bundle. */
	public final Map<UUID, Object[]> configs = new ConcurrentHashMap<>();

	public final Map<UUID, UUID> keyOwners = new ConcurrentHashMap<>();

	public final Set<UUID> revoked = ConcurrentHashMap.newKeySet();

	public final List<String> calls = new CopyOnWriteArrayList<>();

	private final DisposableServer server;

	public FakePlatform() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/internal/keys", calledBy("instance-service", "billing-service",
					(request, response) -> request.receive().aggregate().asString().flatMap((raw) -> {
						UUID keyId = Ids.uuidV7();
						this.calls.add("issue " + keyId);
						return send(response, Map.of("keyId", keyId, "key", "lx-test-" + keyId, "instanceId",
								this.json.readTree(raw).path("instanceId").asString()));
					})))
				.post("/internal/keys/{id}/bind", calledBy("instance-service", "billing-service",
						(request, response) -> request.receive().aggregate().asString().flatMap((raw) -> {
							UUID keyId = UUID.fromString(request.param("id"));
							UUID user = UUID.fromString(this.json.readTree(raw).path("userId").asString());
							this.keyOwners.put(keyId, user);
							this.calls.add("bind " + keyId + " " + user);
							return send(response, Map.of("keyId", keyId, "userId", user));
						})))
				.delete("/internal/keys/{id}", calledBy("instance-service", "billing-service", (request, response) -> {
					this.revoked.add(UUID.fromString(request.param("id")));
					return response.status(204).send();
				}))
				.get("/internal/users/{id}/plan", calledBy("instance-service", "billing-service",
						(request, response) -> send(response, Map.of("userId", request.param("id"), "plan", "free"))))
				.get("/internal/configs/warm",
						calledBy("instance-service", "config-service",
								(request, response) -> send(response,
										Map.of("version", 0, "sha256", "warm", "bundle",
												Bundles.bundle(List.of("assistant"), "warm")))))
				.get("/internal/configs/{id}/current",
						calledBy("instance-service", "config-service", (request, response) -> {
							Object[] config = this.configs.get(UUID.fromString(request.param("id")));
							if (config == null) {
								return response.status(404).send();
							}
							return send(response, Map.of("userId", request.param("id"), "version", config[0], "sha256",
									"sha-" + config[0], "bundle", config[1]));
						})))
			.bindNow();
	}

	public void configure(UUID user, long version, ObjectNode bundle) {
		this.configs.put(user, new Object[] { version, bundle });
	}

	public String url() {
		return "http://127.0.0.1:" + this.server.port();
	}

	public void stop() {
		this.server.disposeNow();
	}

	private Mono<Void> send(HttpServerResponse response, Object body) {
		return response.header("Content-Type", "application/json")
			.sendString(Mono.just(this.json.writeValueAsString(body)))
			.then();
	}

	JsonNode parse(String raw) {
		return this.json.readTree(raw);
	}

}
