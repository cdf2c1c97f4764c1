package com.lingxi.config.versions;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.AgentsChanged;
import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.config.FakePlatform;
import com.lingxi.config.Samples;
import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.PlanView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Render → validate → version → event, against real PostgreSQL and Redis. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
class ConfigPublishingTests {

	static final FakePlatform platform = new FakePlatform();

	@DynamicPropertySource
	static void platform(DynamicPropertyRegistry registry) {
		for (String service : List.of("agent-service", "billing-service", "user-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", platform::url);
		}
		registry.add("lingxi.remote.defaults.max-attempts", () -> "1");
	}

	@AfterAll
	static void stop() {
		platform.stop();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	private UUID userWithTeam(TeamView.AgentView... agents) {
		UUID user = Ids.uuidV7();
		platform.teams.put(user, new TeamView(user, List.of(agents), Samples.T0));
		platform.skills.put("code-reviewer", Samples.skill("code-reviewer"));
		platform.skills.put("fix", Samples.skill("fix"));
		return user;
	}

	private JsonNode internalCurrent(UUID user) {
		return this.http.get()
			.uri("/internal/configs/{user}/current", user)
			.headers(TestTrust.asService("instance-service", "config-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	private long publishedEvents(UUID user) {
		return this.db.sql("SELECT count(*) AS n FROM event_outbox WHERE topic = 'config.published' AND event_key = :u")
			.bind("u", user.toString())
			.map((row, meta) -> row.get("n", Long.class))
			.one()
			.block();
	}

	private WebTestClient.RequestHeadersSpec<?> get(UUID user, String path, Object... vars) {
		return this.http.get().uri(path, vars).headers(TestTrust.asUser("config-service", user, "free"));
	}

	@Test
	void firstRequestRendersVersionOneAndIdenticalInputsMakeNoNewVersion() {
		UUID user = userWithTeam(Samples.agent("coder", true, "standard", List.of("code-reviewer")));
		JsonNode first = internalCurrent(user);
		assertThat(first.path("version").asLong()).isEqualTo(1);
		assertThat(first.path("sha256").asString()).hasSize(64);
		assertThat(first.path("bundle").path("openclaw").path("agents").path("entries").has("coder")).isTrue();
		assertThat(first.path("bundle").path("files").valueStream().map((f) -> f.path("path").asString()))
			.contains("workspaces/coder/SOUL.md", "skills/code-reviewer/SKILL.md");
		assertThat(publishedEvents(user)).isEqualTo(1);

		// The same inputs again, through the event path: same bytes, no new version, no
		// event.
		publishChange(user, "nothing.really");
		await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> publishedEvents(user) == 1);
		assertThat(internalCurrent(user).path("sha256").asString()).isEqualTo(first.path("sha256").asString());
		get(user, "/api/config/versions").exchange().expectBody().jsonPath("$.items.length()").isEqualTo(1);
	}

	@Test
	void aTeamChangeEventRendersANewVersionAndDiffAndRollbackWork() {
		UUID user = userWithTeam(Samples.agent("coder", true, "standard", List.of("code-reviewer")));
		internalCurrent(user);
		platform.teams.put(user,
				new TeamView(user, List.of(Samples.agent("coder", true, "standard", List.of("code-reviewer")),
						Samples.agent("pm", true, "standard", List.of("fix"))), Samples.T0));
		publishChange(user, "agent.added");
		await().atMost(Duration.ofSeconds(15)).until(() -> internalCurrent(user).path("version").asLong() == 2);
		assertThat(publishedEvents(user)).isEqualTo(2);

		get(user, "/api/config/current").exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo(2)
			.jsonPath("$.current")
			.isEqualTo(true)
			.jsonPath("$.openclaw.agents.entries.pm.workspace")
			.isEqualTo("~/.openclaw/workspaces/pm");

		JsonNode diff = get(user, "/api/config/diff?from=1&to=2").exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(diff.path("openclaw")
			.valueStream()
			.map((c) -> c.path("path").asString() + ":" + c.path("change").asString()))
			.contains("agents.entries.pm:added");
		assertThat(diff.path("files").valueStream().map((c) -> c.path("path").asString()))
			.contains("workspaces/pm/SOUL.md", "skills/fix/SKILL.md");

		this.http.post()
			.uri("/api/config/rollback")
			.headers(TestTrust.asUser("config-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("version", 1))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo(1);
		assertThat(internalCurrent(user).path("version").asLong()).isEqualTo(1);
		assertThat(publishedEvents(user)).isEqualTo(3);
		get(user, "/api/config/versions").exchange()
			.expectBody()
			.jsonPath("$.items[0].version")
			.isEqualTo(2)
			.jsonPath("$.items[0].current")
			.isEqualTo(false)
			.jsonPath("$.items[1].current")
			.isEqualTo(true);
	}

	@Test
	void aRollbackRendersTheOldTeamWithTodaysMemoriesSkillsAndPlanAsANewVersion() {
		UUID user = Ids.uuidV7();
		TeamView.AgentView coder = Samples.agent("coder", true, "pro", List.of("code-reviewer"));
		TeamView.AgentView pm = Samples.agent("pm", true, "standard", List.of("fix"));
		platform.teams.put(user, new TeamView(user, List.of(coder, pm), Samples.T0));
		platform.skills.put("code-reviewer", Samples.skill("code-reviewer"));
		platform.skills.put("fix", Samples.skill("fix"));
		platform.plans.put(user, new PlanView(user, "pro", new PlanView.Limits(8, List.of("standard", "pro"))));
		MemoryView typescript = new MemoryView(Ids.uuidV7(), "work", "preference", "Prefers TypeScript", 8, Samples.T0);
		MemoryView secret = new MemoryView(Ids.uuidV7(), "life", "fact", "Lives at 12 Secret Lane", 9, Samples.T0);
		platform.memories.put(user, List.of(typescript, secret));
		JsonNode v1 = internalCurrent(user);
		assertThat(v1.path("version").asLong()).isEqualTo(1);
		assertThat(file(v1, "workspaces/coder/MEMORY.md")).contains("12 Secret Lane");

		// Since v1: coder's SOUL.md was rewritten, pm deleted, the user had a memory
		// forgotten, the plan went down to free, and the catalog's code-reviewer changed.
		TeamView.AgentView rewritten = new TeamView.AgentView("coder", true, coder.name(), coder.nameZh(),
				coder.emoji(), coder.description(), coder.descriptionZh(), "pro", "# SOUL\n\nA worse soul.\n",
				coder.agentsMd(), coder.identityMd(), List.of("code-reviewer"), Samples.T0.plusSeconds(60));
		platform.teams.put(user, new TeamView(user, List.of(rewritten), Samples.T0.plusSeconds(60)));
		platform.memories.put(user, List.of(typescript));
		platform.plans.put(user, new PlanView(user, "free", new PlanView.Limits(3, List.of("standard"))));
		platform.skills.put("code-reviewer",
				new SkillBundle("code-reviewer", "2.0.0", List.of(new SkillBundle.SkillFile("SKILL.md",
						"---\nname: code-reviewer\ndescription: Reviews code, v2.\n---\n", "utf-8"))));
		publishChange(user, "agent.updated");
		await().atMost(Duration.ofSeconds(15)).until(() -> internalCurrent(user).path("version").asLong() == 2);
		long eventsBefore = publishedEvents(user);

		JsonNode rolledBack = this.http.post()
			.uri("/api/config/rollback")
			.headers(TestTrust.asUser("config-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("version", 1))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(rolledBack.path("version").asLong()).isEqualTo(3);
		assertThat(rolledBack.path("changed").asBoolean()).isTrue();
		assertThat(rolledBack.path("created").asBoolean()).isTrue();
		assertThat(rolledBack.path("basedOn").asLong()).isEqualTo(1);
		assertThat(rolledBack.path("leftOut").path("agents").valueStream().map(JsonNode::asString))
			.containsExactly("pm");

		JsonNode v3 = internalCurrent(user);
		assertThat(v3.path("version").asLong()).isEqualTo(3);
		JsonNode agents = v3.path("bundle").path("openclaw").path("agents").path("entries");
		// The old team: coder as it was in v1; pm was deleted since and stays deleted.
		assertThat(agents.has("pm")).isFalse();
		assertThat(file(v3, "workspaces/coder/SOUL.md")).isEqualTo(coder.soul());
		// Today's memories, plan and skills.
		assertThat(file(v3, "workspaces/coder/MEMORY.md")).contains("Prefers TypeScript")
			.doesNotContain("12 Secret Lane");
		assertThat(file(v3, "workspaces/coder/USER.md")).contains("free");
		assertThat(agents.path("coder").path("model").asString()).isEqualTo("lingxi/standard");
		assertThat(file(v3, "skills/code-reviewer/SKILL.md")).contains("Reviews code, v2.");
		assertThat(publishedEvents(user)).isEqualTo(eventsBefore + 1);
		get(user, "/api/config/versions/3").exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.cause")
			.isEqualTo("rollback to v1");
	}

	private static String file(JsonNode version, String path) {
		return version.path("bundle")
			.path("files")
			.valueStream()
			.filter((file) -> path.equals(file.path("path").asString()))
			.map((file) -> file.path("content").asString())
			.findFirst()
			.orElseThrow(() -> new AssertionError("no " + path));
	}

	@Test
	void oneUserCannotReadAnothersConfiguration() {
		UUID owner = userWithTeam(Samples.agent("coder", true, "standard", List.of()));
		internalCurrent(owner);
		UUID stranger = userWithTeam(Samples.agent("pm", true, "standard", List.of()));
		get(stranger, "/api/config/versions/{v}", 1).exchange().expectStatus().isNotFound();
		internalCurrent(stranger);
		get(stranger, "/api/config/versions/1").exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.openclaw.agents.entries.coder")
			.doesNotExist();
		this.http.post()
			.uri("/api/config/rollback")
			.headers(TestTrust.asUser("config-service", stranger, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("version", 9))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.http.get().uri("/api/config/current").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void badInputIsAProblemNotAServerError() {
		UUID user = userWithTeam(Samples.agent("coder", true, "standard", List.of()));
		get(user, "/api/config/diff?from=abc&to=2").exchange().expectStatus().isBadRequest();
		get(user, "/api/config/versions/0").exchange().expectStatus().isBadRequest();
		get(user, "/api/config/versions?size=1000").exchange().expectStatus().isBadRequest();
		this.http.post()
			.uri("/api/config/rollback")
			.headers(TestTrust.asUser("config-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("version");
	}

	@Test
	void thePlanDecidesTheModelsAndAnUnreachableAgentServiceIs503() {
		UUID user = userWithTeam(Samples.agent("coder", true, "pro", List.of()));
		platform.plans.put(user, new PlanView(user, "pro", new PlanView.Limits(8, List.of("standard", "pro"))));
		JsonNode config = internalCurrent(user).path("bundle").path("openclaw");
		assertThat(config.path("agents").path("entries").path("coder").path("model").asString())
			.isEqualTo("lingxi/pro");

		UUID other = userWithTeam(Samples.agent("coder", true, "pro", List.of()));
		platform.agentServiceDown.set(true);
		try {
			this.http.get()
				.uri("/internal/configs/{user}/current", other)
				.headers(TestTrust.asService("instance-service", "config-service"))
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("https://lingxi.cloud/problems/config-inputs-unavailable");
		}
		finally {
			platform.agentServiceDown.set(false);
		}
	}

	@Test
	void theWarmConfigurationIsValidAndHasNoUser() {
		this.http.get()
			.uri("/internal/configs/warm")
			.headers(TestTrust.asService("instance-service", "config-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.version")
			.isEqualTo(0)
			.jsonPath("$.bundle.openclaw.agents.entries.assistant")
			.exists();
	}

	private void publishChange(UUID user, String change) {
		this.tx
			.transactional(
					this.events.publish(AgentsChanged.TOPIC, user, new AgentsChanged(user, change, Instant.now())))
			.block();
	}

}
