package com.lingxi.config;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.PlanView;
import com.lingxi.config.sources.ProfileView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView;

import static com.lingxi.common.test.StandInService.calledBy;

/**
 * Stands in for agent-service, billing-service and user-service: serves their internal
 * endpoints from state the test sets, in their JSON shapes, to config-service's service
 * token only.
 */
public final class FakePlatform {

	private final JsonMapper json = JsonMapper.builder().findAndAddModules().build();

	public final Map<UUID, TeamView> teams = new ConcurrentHashMap<>();

	public final Map<String, SkillBundle> skills = new ConcurrentHashMap<>();

	public final Map<UUID, List<MemoryView>> memories = new ConcurrentHashMap<>();

	public final Map<UUID, PlanView> plans = new ConcurrentHashMap<>();

	public final AtomicBoolean agentServiceDown = new AtomicBoolean();

	private final DisposableServer server;

	public FakePlatform() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes
				.get("/internal/users/{id}/team", calledBy("config-service", "agent-service", (request, response) -> {
					if (this.agentServiceDown.get()) {
						return response.status(503).send();
					}
					UUID user = UUID.fromString(request.param("id"));
					return send(response, this.teams.getOrDefault(user, new TeamView(user, List.of(), null)));
				}))
				.get("/internal/users/{id}/memories/important",
						calledBy("config-service", "agent-service",
								(request, response) -> send(response,
										this.memories.getOrDefault(UUID.fromString(request.param("id")), List.of()))))
				.get("/internal/skills/{id}", calledBy("config-service", "agent-service", (request, response) -> {
					SkillBundle skill = this.skills.get(request.param("id"));
					return (skill != null) ? send(response, skill) : response.status(404).send();
				}))
				.get("/internal/users/{id}/plan", calledBy("config-service", "billing-service", (request, response) -> {
					PlanView plan = this.plans.get(UUID.fromString(request.param("id")));
					return (plan != null) ? send(response, plan) : response.status(404).send();
				}))
				.get("/internal/users/{id}", calledBy("config-service", "user-service",
						(request, response) -> send(response,
								new ProfileView(UUID.fromString(request.param("id")), "测试用户", "free", Samples.T0)))))
			.bindNow();
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

}
