package com.lingxi.agent.team;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.agent.AgentServiceTest;
import com.lingxi.agent.Caller;
import com.lingxi.agent.Outbox;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@AgentServiceTest
class TeamTests {

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	private List<String> agentIds(Caller caller) {
		JsonNode team = caller.json(caller.get("/api/agents").expectStatus().isOk());
		List<String> ids = new ArrayList<>();
		team.path("agents").forEach((agent) -> ids.add(agent.path("agentId").asString()));
		return ids;
	}

	@Test
	void aNewUserStartsWithTheGeneralAssistantAndBuildsATeam() {
		Caller caller = new Caller(this.http, "free");
		JsonNode team = caller.json(caller.get("/api/agents").expectStatus().isOk());
		assertThat(team.path("limit").asInt()).isEqualTo(3);
		assertThat(team.path("agents")).hasSize(1);
		assertThat(team.path("agents").path(0).path("agentId").asString()).isEqualTo("assistant");
		assertThat(team.path("agents").path(0).path("nameZh").asString()).isEqualTo("灵犀助理");

		caller.post("/api/agents", Map.of("agentId", "coder"))
			.expectStatus()
			.isCreated()
			.expectHeader()
			.location("/api/agents/coder")
			.expectBody()
			.jsonPath("$.skills")
			.isEqualTo(List.of("code-reviewer", "fix"))
			.jsonPath("$.enabled")
			.isEqualTo(true)
			.jsonPath("$.modelTier")
			.isEqualTo("advanced");
		caller.post("/api/agents", Map.of("agentId", "ops", "skills", List.of("searxng")))
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.skills")
			.isEqualTo(List.of("searxng"));
		assertThat(agentIds(caller)).containsExactly("assistant", "coder", "ops");

		caller.put("/api/agents/coder", Map.of("enabled", false, "customSoul", "# 我的程序员\n\n说话简短。"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.enabled")
			.isEqualTo(false)
			.jsonPath("$.customSoul")
			.isEqualTo("# 我的程序员\n\n说话简短。");
		Map<String, Object> reset = new java.util.HashMap<>();
		reset.put("customSoul", null);
		caller.put("/api/agents/coder", reset).expectStatus().isOk().expectBody().jsonPath("$.customSoul").isEmpty();

		caller.delete("/api/agents/ops").expectStatus().isNoContent();
		caller.delete("/api/agents/ops").expectStatus().isNotFound();
		assertThat(agentIds(caller)).containsExactly("assistant", "coder");
		assertThat(new Outbox(this.db).changes(caller.id())).containsExactly("team.created", "agent.added",
				"agent.added", "agent.disabled", "agent.soul-updated", "agent.removed");
	}

	@Test
	void planLimitsAreEnforcedEvenUnderConcurrentRequests() {
		Caller free = new Caller(this.http, "free");
		free.post("/api/agents", Map.of("agentId", "coder")).expectStatus().isCreated();
		free.post("/api/agents", Map.of("agentId", "pm")).expectStatus().isCreated();
		free.post("/api/agents", Map.of("agentId", "ops"))
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/agent-limit-reached")
			.jsonPath("$.limit")
			.isEqualTo(3)
			.jsonPath("$.plan")
			.isEqualTo("free");

		Caller racer = new Caller(this.http, "free");
		List<String> candidates = List.of("coder", "ops", "pm", "writer", "researcher", "analyst");
		List<CompletableFuture<Integer>> attempts = candidates.stream()
			.map((agent) -> CompletableFuture.supplyAsync(() -> racer.post("/api/agents", Map.of("agentId", agent))
				.returnResult(Void.class)
				.getStatus()
				.value()))
			.toList();
		List<Integer> statuses = attempts.stream().map(CompletableFuture::join).toList();
		assertThat(statuses).filteredOn((status) -> status == 201).hasSize(2);
		assertThat(statuses).filteredOn((status) -> status == 403).hasSize(4);
		assertThat(agentIds(racer)).hasSize(3);

		Caller pro = new Caller(this.http, "pro");
		for (String agent : List.of("coder", "ops", "pm", "writer", "researcher", "analyst", "devops")) {
			pro.post("/api/agents", Map.of("agentId", agent)).expectStatus().isCreated();
		}
		pro.post("/api/agents", Map.of("agentId", "translator")).expectStatus().isForbidden();
		assertThat(agentIds(pro)).hasSize(8);
	}

	@Test
	void badInputIsAProblemNamingWhatIsWrong() {
		Caller caller = new Caller(this.http, "team");
		caller.post("/api/agents", Map.of("agentId", "hacker"))
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType("application/problem+json")
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-agent");
		caller.post("/api/agents", Map.of("agentId", "coder", "skills", List.of("fix", "no-such-skill")))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-skill")
			.jsonPath("$.skills[0]")
			.isEqualTo("no-such-skill");
		caller.post("/api/agents", Map.of("agentId", "")).expectStatus().isBadRequest();
		caller.post("/api/agents", Map.of("agentId", "coder", "customSoul", "灵".repeat(6000)))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("customSoul");
		caller.post("/api/agents", Map.of("agentId", "coder")).expectStatus().isCreated();
		caller.post("/api/agents", Map.of("agentId", "coder"))
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/agent-already-in-team");
		caller.put("/api/agents/coder", Map.of("customSoul", "x".repeat(16 * 1024 + 1)))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].message")
			.isEqualTo("must be at most 16384 bytes");
		caller.put("/api/agents/coder", Map.of("customSoul", "x".repeat(16 * 1024))).expectStatus().isOk();
		caller.put("/api/agents/coder", Map.of("customSoul", "bad\u0000soul")).expectStatus().isBadRequest();
		caller.put("/api/agents/coder", Map.of("plan", "enterprise"))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("plan");
		caller.put("/api/agents/writer", Map.of("enabled", false))
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/agent-not-in-team");
		this.http.get().uri("/api/agents").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void skillsOfATeamMember() {
		Caller caller = new Caller(this.http, "pro");
		caller.post("/api/agents", Map.of("agentId", "coder")).expectStatus().isCreated();
		caller.post("/api/agents/coder/skills", Map.of("skillId", "test-writer"))
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.skills[2].id")
			.isEqualTo("test-writer")
			.jsonPath("$.skills[2].nameZh")
			.isEqualTo("测试编写");
		caller.post("/api/agents/coder/skills", Map.of("skillId", "test-writer")).expectStatus().isOk();
		caller.post("/api/agents/coder/skills", Map.of("skillId", "no-such-skill"))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-skill");
		caller.post("/api/agents/writer/skills", Map.of("skillId", "fix")).expectStatus().isNotFound();
		caller.delete("/api/agents/coder/skills/fix").expectStatus().isNoContent();
		caller.delete("/api/agents/coder/skills/fix")
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/skill-not-installed");
		JsonNode skills = caller.json(caller.get("/api/agents/coder/skills").expectStatus().isOk());
		assertThat(skills.path("skills").findValuesAsString("id")).containsExactly("code-reviewer", "test-writer");
		assertThat(new Outbox(this.db).changes(caller.id())).endsWith("agent.added", "skill.installed",
				"skill.removed");
	}

	@Test
	void noUserCanSeeOrChangeAnotherUsersTeam() {
		Caller alice = new Caller(this.http, "pro");
		Caller mallory = new Caller(this.http, "pro");
		alice.post("/api/agents", Map.of("agentId", "coder", "customSoul", "alice's secret soul"))
			.expectStatus()
			.isCreated();
		mallory.get("/api/agents").expectStatus().isOk();
		mallory.get("/api/agents/coder").expectStatus().isNotFound();
		mallory.put("/api/agents/coder", Map.of("enabled", false)).expectStatus().isNotFound();
		mallory.delete("/api/agents/coder").expectStatus().isNotFound();
		mallory.post("/api/agents/coder/skills", Map.of("skillId", "translate")).expectStatus().isNotFound();
		mallory.post("/api/skills/translate/install", Map.of("agentId", "coder")).expectStatus().isNotFound();
		assertThat(mallory.json(mallory.get("/api/agents")).toString()).doesNotContain("alice's secret soul");
		alice.get("/api/agents/coder")
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.enabled")
			.isEqualTo(true)
			.jsonPath("$.skills.length()")
			.isEqualTo(2);
	}

	@Test
	void configServiceReadsTheEffectiveTeam() {
		Caller caller = new Caller(this.http, "pro");
		caller.post("/api/agents", Map.of("agentId", "coder", "customSoul", "# Soul of mine"))
			.expectStatus()
			.isCreated();
		caller.post("/api/agents", Map.of("agentId", "writer")).expectStatus().isCreated();
		caller.put("/api/agents/writer", Map.of("enabled", false)).expectStatus().isOk();
		JsonNode team = caller.json(this.http.get()
			.uri("/internal/users/{id}/team", caller.id())
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange());
		assertThat(team.path("userId").asString()).isEqualTo(caller.id().toString());
		assertThat(team.has("provisional")).isFalse();
		Instant teamUpdated = Instant.parse(team.path("updatedAt").asString());
		JsonNode agents = team.path("agents");
		assertThat(agents.findValuesAsString("agentId")).containsExactly("assistant", "coder", "writer");
		JsonNode coder = agents.path(1);
		assertThat(coder.path("soul").asString()).isEqualTo("# Soul of mine");
		assertThat(coder.path("agentsMd").asString()).startsWith("# AGENTS.md");
		assertThat(coder.path("identityMd").asString()).contains("**Emoji:** 💻");
		assertThat(coder.path("emoji").asString()).isEqualTo("💻");
		assertThat(coder.path("name").asString()).isEqualTo("Coder");
		assertThat(coder.path("nameZh").asString()).isEqualTo("程序员");
		assertThat(coder.path("modelTier").asString()).isEqualTo("advanced");
		assertThat(coder.path("skills").get(0).asString()).isEqualTo("code-reviewer");
		JsonNode writer = agents.path(2);
		assertThat(writer.path("enabled").asBoolean()).isFalse();
		assertThat(writer.path("soul").asString()).startsWith("# SOUL.md - 写手");
		assertThat(Instant.parse(writer.path("updatedAt").asString())).isBeforeOrEqualTo(teamUpdated);

		caller.delete("/api/agents/writer").expectStatus().isNoContent();
		JsonNode after = caller.json(this.http.get()
			.uri("/internal/users/{id}/team", caller.id())
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange());
		assertThat(Instant.parse(after.path("updatedAt").asString())).isAfter(teamUpdated);

		JsonNode stranger = caller.json(this.http.get()
			.uri("/internal/users/{id}/team", UUID.randomUUID())
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange());
		assertThat(stranger.path("provisional").asBoolean()).isTrue();
		assertThat(stranger.path("agents").findValuesAsString("agentId")).containsExactly("assistant");
	}

	@Test
	void signUpGivesTheDefaultTeamOnceEvenIfTheEventComesTwice() {
		UUID user = UUID.randomUUID();
		UserRegistered payload = new UserRegistered(user, "free", "小明", Instant.now());
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, user, payload)
				.then(this.events.publish(UserRegistered.TOPIC, user, payload)))
			.block();
		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
			JsonNode team = new Caller(this.http, user, "free").json(this.http.get()
				.uri("/internal/users/{id}/team", user)
				.headers(TestTrust.asService("config-service", "agent-service"))
				.exchange());
			assertThat(team.has("provisional")).isFalse();
			assertThat(team.path("agents").findValuesAsString("agentId")).containsExactly("assistant");
		});
		await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			long processed = this.db
				.sql("SELECT count(*) AS n FROM event_processed WHERE consumer_group = 'agent-service'")
				.map((row, meta) -> row.get("n", Long.class))
				.one()
				.block();
			assertThat(processed).isGreaterThanOrEqualTo(2);
		});
		assertThat(new Outbox(this.db).changes(user)).containsExactly("team.created");
	}

}
