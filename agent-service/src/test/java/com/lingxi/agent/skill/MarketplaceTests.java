package com.lingxi.agent.skill;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.agent.AgentServiceTest;
import com.lingxi.agent.Caller;
import com.lingxi.agent.Outbox;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

/** The marketplace, skill installs, and the wizard over HTTP. */
@AgentServiceTest
class MarketplaceTests {

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	private JsonNode search(String query) {
		return this.http.get()
			.uri((uri) -> uri.path("/api/skills").queryParam("q", "{q}").build(query))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	private List<String> ids(JsonNode results) {
		return results.path("items").valueStream().map((item) -> item.path("skill").path("id").asString()).toList();
	}

	@Test
	void anyoneCanBrowseAndSearchInChineseAndEnglish() {
		JsonNode all = this.http.get()
			.uri("/api/skills?size=5")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(all.path("total").asInt()).isGreaterThanOrEqualTo(16);
		assertThat(all.path("items")).hasSize(5);
		JsonNode first = all.path("items").path(0).path("skill");
		assertThat(first.path("slug").asString()).isEqualTo(first.path("id").asString());
		assertThat(first.path("version").asString()).isEqualTo("1.0.0");
		assertThat(first.path("author").asString()).isEqualTo("lingxi");

		assertThat(ids(search("数据分析")).get(0)).isEqualTo("data-analysis");
		assertThat(ids(search("data analysis")).get(0)).isEqualTo("data-analysis");
		assertThat(ids(search("翻译"))).containsExactly("translate");
		assertThat(ids(search("ＳＥＡＲＣＨ"))).contains("searxng");
		assertThat(ids(search("会议纪要")).get(0)).isEqualTo("meeting-notes");
		// A need, not a word of the skill's text: "写代码" finds the coder's skills.
		assertThat(ids(search("写代码"))).contains("code-reviewer", "fix");
		assertThat(search("量子纠缠").path("total").asInt()).isZero();

		JsonNode tagged = this.http.get()
			.uri("/api/skills?tag=代码")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(ids(tagged)).contains("code-reviewer", "fix", "test-writer").doesNotContain("translate");
		JsonNode page2 = this.http.get()
			.uri("/api/skills?page=1&size=5")
			.exchange()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(ids(page2)).hasSize(5).doesNotContainAnyElementsOf(ids(all));
	}

	@Test
	void searchLimitsAreProblems() {
		this.http.get().uri("/api/skills?size=51").exchange().expectStatus().isBadRequest();
		this.http.get().uri("/api/skills?page=-1").exchange().expectStatus().isBadRequest();
		this.http.get()
			.uri((uri) -> uri.path("/api/skills").queryParam("q", "{q}").build("x".repeat(101)))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("q");
		this.http.get()
			.uri((uri) -> uri.path("/api/skills").queryParam("q", "{q}").build("!!! ???"))
			.exchange()
			.expectStatus()
			.isBadRequest();
		this.http.get().uri("/api/skills?size=abc").exchange().expectStatus().isBadRequest();
	}

	@Test
	void aSkillShowsItsSkillMdAndConfigServiceGetsTheExactFiles() {
		this.http.get()
			.uri("/api/skills/data-analysis")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.skill.nameZh")
			.isEqualTo("数据分析")
			.jsonPath("$.skillMd")
			.value((String md) -> assertThat(md).startsWith("---\nname: data-analysis\n"))
			.jsonPath("$.files[1].path")
			.isEqualTo("scripts/profile_csv.py")
			.jsonPath("$.files[1].executable")
			.isEqualTo(true);
		this.http.get()
			.uri("/api/skills/no-such-skill")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-skill");

		JsonNode bundle = this.http.get()
			.uri("/internal/skills/data-analysis")
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(bundle.path("skillId").asString()).isEqualTo("data-analysis");
		assertThat(bundle.path("version").asString()).isEqualTo("1.0.0");
		JsonNode skillMd = bundle.path("files").path(0);
		assertThat(skillMd.path("path").asString()).isEqualTo("SKILL.md");
		assertThat(skillMd.path("encoding").asString()).isEqualTo("utf-8");
		assertThat(skillMd.path("content").asString()).contains("# Data analysis");
		JsonNode script = bundle.path("files").path(1);
		assertThat(script.path("encoding").asString()).isEqualTo("base64");
		assertThat(new String(Base64.getDecoder().decode(script.path("content").asString()), StandardCharsets.UTF_8))
			.startsWith("#!/usr/bin/env python3");
		assertThat(script.path("executable").asBoolean()).isTrue();
		this.http.get()
			.uri("/internal/skills/nope")
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void installingFromTheMarketplace() {
		Caller caller = new Caller(this.http, "pro");
		caller.post("/api/agents", Map.of("agentId", "writer")).expectStatus().isCreated();
		caller.post("/api/skills/translate/install", Map.of("agentId", "writer"))
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.installed")
			.isEqualTo(true)
			.jsonPath("$.skills[2]")
			.isEqualTo("translate");
		caller.post("/api/skills/translate/install", Map.of("agentId", "writer"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.installed")
			.isEqualTo(false);
		caller.post("/api/skills/no-such-skill/install", Map.of("agentId", "writer"))
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-skill");
		caller.post("/api/skills/translate/install", Map.of("agentId", "coder"))
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/agent-not-in-team");
		caller.post("/api/skills/translate/install", Map.of()).expectStatus().isBadRequest();
		this.http.post()
			.uri("/api/skills/translate/install")
			.bodyValue(Map.of("agentId", "writer"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		JsonNode skill = caller.json(caller.get("/api/skills/translate"));
		assertThat(skill.path("skill").path("downloads").asLong()).isEqualTo(1);
		assertThat(new Outbox(this.db).changes(caller.id())).endsWith("skill.installed");
	}

	@Test
	void suggestsSkillsThatSuitTheCallersTeam() {
		Caller caller = new Caller(this.http, "pro");
		caller.post("/api/agents", Map.of("agentId", "coder", "skills", List.of())).expectStatus().isCreated();
		JsonNode suggestions = caller.json(caller.get("/api/skills/recommend").expectStatus().isOk());
		List<String> skills = suggestions.path("items")
			.valueStream()
			.map((item) -> item.path("skill").path("id").asString())
			.toList();
		assertThat(skills).contains("code-reviewer", "fix");
		JsonNode fix = suggestions.path("items")
			.valueStream()
			.filter((item) -> item.path("skill").path("id").asString().equals("fix"))
			.findFirst()
			.orElseThrow();
		assertThat(fix.path("agentId").asString()).isEqualTo("coder");
		assertThat(fix.path("reasons").path(0).asString()).contains("程序员");

		caller.post("/api/agents/coder/skills", Map.of("skillId", "fix")).expectStatus().isCreated();
		JsonNode after = caller.json(caller.get("/api/skills/recommend"));
		assertThat(after.path("items")
			.valueStream()
			.filter((item) -> item.path("agentId").asString().equals("coder"))
			.map((item) -> item.path("skill").path("id").asString())).doesNotContain("fix");
		this.http.get().uri("/api/skills/recommend").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void theWizardRecommendsAndAppliesInOneStep() {
		Caller caller = new Caller(this.http, "free");
		caller.post("/api/agents/recommend", Map.of("text", "帮我分析一下销售数据，不需要写代码"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.agents[0].agentId")
			.isEqualTo("ops")
			.jsonPath("$.agents[0].reasons[0].matched")
			.isEqualTo("销售数据")
			.jsonPath("$.skills[0].skillId")
			.isEqualTo("data-analysis")
			.jsonPath("$.excluded[0].agentId")
			.isEqualTo("coder")
			.jsonPath("$.fallback")
			.isEqualTo(false);
		caller.post("/api/agents/recommend", Map.of("text", "你好"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.fallback")
			.isEqualTo(true)
			.jsonPath("$.agents[0].agentId")
			.isEqualTo("assistant");
		caller.post("/api/agents/recommend", Map.of("text", " ")).expectStatus().isBadRequest();
		caller.post("/api/agents/recommend", Map.of("text", "数".repeat(1001)))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("text");

		JsonNode applied = caller.json(caller.post("/api/agents/recommend/apply", Map.of("text", "帮我分析一下销售数据，还要修个 bug"))
			.expectStatus()
			.isOk());
		// Three agents recommended, two free slots: the best two are adopted, the third
		// is
		// reported as skipped.
		assertThat(applied.path("recommendation").path("agents").findValuesAsString("agentId")).containsExactly("ops",
				"coder", "analyst");
		assertThat(applied.path("agents").findValuesAsString("agentId")).containsExactly("assistant", "ops", "coder");
		assertThat(applied.path("skipped").valueStream().map(JsonNode::asString)).containsExactly("analyst");
		JsonNode team = caller.json(caller.get("/api/agents"));
		JsonNode ops = team.path("agents").path(1);
		assertThat(ops.path("skills").valueStream().map(JsonNode::asString)).contains("data-analysis");
		assertThat(new Outbox(this.db).changes(caller.id())).containsExactly("team.created", "team.applied");

		// Free plan: a fourth agent does not fit, and nothing changes.
		caller
			.post("/api/agents/recommend/apply",
					Map.of("agents", List.of(Map.of("agentId", "pm"), Map.of("agentId", "writer"))))
			.expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/agent-limit-reached");
		assertThat(caller.json(caller.get("/api/agents")).path("agents")).hasSize(3);

		// Replace: the team becomes exactly the given agents.
		caller
			.post("/api/agents/recommend/apply",
					Map.of("agents", List.of(Map.of("agentId", "writer", "skills", List.of("translate"))), "replace",
							true))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.agents.length()")
			.isEqualTo(1)
			.jsonPath("$.agents[0].skills[0]")
			.isEqualTo("translate");
		caller.post("/api/agents/recommend/apply", Map.of("agents", List.of(Map.of("agentId", "wizard"))))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-agent");
		caller.post("/api/agents/recommend/apply", Map.of()).expectStatus().isBadRequest();
		caller.post("/api/agents/recommend/apply", Map.of("text", "x", "agents", List.of()))
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void theCatalogListsTheBuiltInAgents() {
		Caller caller = new Caller(this.http, "free");
		JsonNode catalog = caller.json(caller.get("/api/agents/catalog").expectStatus().isOk());
		assertThat(catalog.path("version").asString()).isEqualTo("2026.11.1");
		assertThat(catalog.path("agents").findValuesAsString("id")).contains("assistant", "coder", "ops", "inventor",
				"pm", "writer", "researcher", "analyst");
		caller.get("/api/agents/catalog/coder")
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.agent.nameZh")
			.isEqualTo("程序员")
			.jsonPath("$.soul")
			.value((String soul) -> assertThat(soul).startsWith("# SOUL.md"));
		caller.get("/api/agents/catalog/nobody").expectStatus().isNotFound();
	}

}
