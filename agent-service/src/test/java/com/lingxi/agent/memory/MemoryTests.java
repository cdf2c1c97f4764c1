package com.lingxi.agent.memory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.agent.AgentServiceTest;
import com.lingxi.agent.Caller;
import com.lingxi.agent.Outbox;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

@AgentServiceTest
@TestPropertySource(properties = "lingxi.memories.max-per-user=60")
class MemoryTests {

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	private String create(Caller caller, Map<String, Object> memory) {
		return caller.json(caller.post("/api/memories", memory).expectStatus().isCreated()).path("id").asString();
	}

	private List<String> search(Caller caller, String query, String domain) {
		String uri = "/api/memories/search?q={q}" + ((domain != null) ? "&domain=" + domain : "");
		JsonNode results = caller.json(caller.get(uri, query).expectStatus().isOk());
		return results.path("items").valueStream().map((hit) -> hit.path("content").asString()).toList();
	}

	private void age(String id, int days) {
		this.db.sql("UPDATE memories SET updated_at = now() - make_interval(days => :days) WHERE id = :id")
			.bind("days", days)
			.bind("id", UUID.fromString(id))
			.fetch()
			.rowsUpdated()
			.block();
	}

	@Test
	void writesReadsUpdatesAndDeletesTheCallersMemories() {
		Caller caller = new Caller(this.http, "free");
		JsonNode created = caller.json(caller
			.post("/api/memories",
					Map.of("content", "用户的女儿叫小雨，生日是 3 月 12 日", "domain", "家庭", "type", "fact", "importance", 9,
							"metadata", Map.of("source", "chat", "tags", List.of("家人"))))
			.expectStatus()
			.isCreated()
			.expectHeader()
			.valueMatches("Location", "/api/memories/[0-9a-f-]{36}"));
		String id = created.path("id").asString();
		assertThat(created.path("importance").asInt()).isEqualTo(9);
		assertThat(created.path("metadata").path("source").asString()).isEqualTo("chat");
		JsonNode defaults = caller
			.json(caller.post("/api/memories", Map.of("content", "Prefers short answers")).expectStatus().isCreated());
		assertThat(defaults.path("domain").asString()).isEqualTo("general");
		assertThat(defaults.path("type").asString()).isEqualTo("fact");
		assertThat(defaults.path("importance").asInt()).isEqualTo(5);

		caller.put("/api/memories/{id}", Map.of("importance", 10), id)
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.importance")
			.isEqualTo(10)
			.jsonPath("$.content")
			.isEqualTo("用户的女儿叫小雨，生日是 3 月 12 日");
		caller.get("/api/memories/{id}", id).expectStatus().isOk().expectBody().jsonPath("$.domain").isEqualTo("家庭");
		JsonNode page = caller.json(caller.get("/api/memories?size=1").expectStatus().isOk());
		assertThat(page.path("items")).hasSize(1);
		assertThat(page.path("hasMore").asBoolean()).isTrue();
		assertThat(caller.json(caller.get("/api/memories?domain=家庭")).path("items")).hasSize(1);

		caller.delete("/api/memories/{id}", id).expectStatus().isNoContent();
		caller.get("/api/memories/{id}", id)
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/memory-not-found");
		caller.delete("/api/memories/{id}", id).expectStatus().isNotFound();
		assertThat(new Outbox(this.db).changes(caller.id())).containsExactly("memory.created", "memory.created",
				"memory.updated", "memory.deleted");
	}

	@Test
	void badMemoriesAreProblemsNamingTheField() {
		Caller caller = new Caller(this.http, "free");
		caller.post("/api/memories", Map.of("content", "x".repeat(8193)))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("content");
		caller.post("/api/memories", Map.of("content", "记".repeat(2731))).expectStatus().isBadRequest();
		caller.post("/api/memories", Map.of("content", "记".repeat(2730))).expectStatus().isCreated();
		caller.post("/api/memories", Map.of("content", "nul\u0000byte")).expectStatus().isBadRequest();
		caller.post("/api/memories", Map.of("importance", 3)).expectStatus().isBadRequest();
		caller.post("/api/memories", Map.of("content", "ok", "importance", 11))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("importance");
		caller.post("/api/memories", Map.of("content", "ok", "domain", "../etc")).expectStatus().isBadRequest();
		caller.post("/api/memories", Map.of("content", "ok", "metadata", Map.of("blob", "x".repeat(5000))))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("metadata");
		caller.post("/api/memories", Map.of("content", "ok", "metadata", List.of(1, 2))).expectStatus().isBadRequest();
		caller.get("/api/memories/not-a-uuid").expectStatus().isBadRequest();
		caller.get("/api/memories/search").expectStatus().isBadRequest();
		caller.get("/api/memories/search?q={q}", "？？？").expectStatus().isBadRequest();
		caller.get("/api/memories/search?q=x&limit=101").expectStatus().isBadRequest();
		caller.put("/api/memories/{id}", Map.of(), UUID.randomUUID()).expectStatus().isBadRequest();
		caller.put("/api/memories/{id}", Map.of("content", "x"), UUID.randomUUID()).expectStatus().isNotFound();
	}

	@Test
	void aUserCanKeepOnlySoManyMemories() {
		Caller caller = new Caller(this.http, "free");
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 60; i++) {
			ids.add(create(caller, Map.of("content", "memory " + i)));
		}
		caller.post("/api/memories", Map.of("content", "one too many"))
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/memory-limit-reached")
			.jsonPath("$.limit")
			.isEqualTo(60);
		caller.delete("/api/memories/{id}", ids.get(0)).expectStatus().isNoContent();
		caller.post("/api/memories", Map.of("content", "fits again")).expectStatus().isCreated();
	}

	@Test
	void noUserCanReachAnotherUsersMemories() {
		Caller alice = new Caller(this.http, "free");
		Caller mallory = new Caller(this.http, "free");
		String id = create(alice, Map.of("content", "银行卡密码提示：猫的名字", "importance", 10));
		mallory.get("/api/memories/{id}", id).expectStatus().isNotFound();
		mallory.put("/api/memories/{id}", Map.of("content", "hacked"), id).expectStatus().isNotFound();
		mallory.delete("/api/memories/{id}", id).expectStatus().isNotFound();
		assertThat(search(mallory, "密码", null)).isEmpty();
		assertThat(mallory.json(mallory.get("/api/memories")).path("items")).isEmpty();
		assertThat(search(alice, "密码", null)).containsExactly("银行卡密码提示：猫的名字");
		this.http.get().uri("/api/memories").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void searchRanksByRelevanceThenImportanceThenRecency() {
		Caller caller = new Caller(this.http, "free");
		create(caller, Map.of("content", "周五要交销售数据分析报告", "importance", 5, "domain", "work"));
		String partial = create(caller, Map.of("content", "销售团队下周团建", "importance", 9, "domain", "work"));
		create(caller, Map.of("content", "分析了一下家里的开销数据", "importance", 5, "domain", "life"));
		String old = create(caller, Map.of("content", "上季度销售数据分析", "importance", 5, "domain", "work"));
		create(caller, Map.of("content", "Quarterly sales data analysis is due on Friday", "importance", 5));
		create(caller, Map.of("content", "毫不相关的一条记忆", "importance", 10));
		age(old, 120);
		age(partial, 1);

		List<String> hits = search(caller, "销售数据分析", null);
		// Full matches only (the recent one above the 120-day-old one); a memory holding
		// one
		// of the query's five bigrams is below the relevance threshold, however
		// important.
		assertThat(hits).startsWith("周五要交销售数据分析报告", "上季度销售数据分析");
		assertThat(hits).doesNotContain("毫不相关的一条记忆", "销售团队下周团建");
		assertThat(search(caller, "销售数据分析", "life")).isEmpty();
		assertThat(search(caller, "数据分析", "life")).containsExactly("分析了一下家里的开销数据");
		assertThat(search(caller, "SALES ANALYSIS", null))
			.containsExactly("Quarterly sales data analysis is due on Friday");
		assertThat(search(caller, "销售", null)).contains("销售团队下周团建");
		JsonNode scored = caller.json(caller.get("/api/memories/search?q={q}", "销售数据"));
		JsonNode top = scored.path("items").path(0);
		assertThat(top.path("relevance").asDouble()).isEqualTo(1.0);
		assertThat(top.path("score").asDouble()).isBetween(0.0, 1.0);

		JsonNode important = caller.json(this.http.get()
			.uri("/internal/users/{id}/memories/important?limit=2", caller.id())
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange()
			.expectStatus()
			.isOk());
		assertThat(important).hasSize(2);
		assertThat(important.path(0).path("content").asString()).isEqualTo("毫不相关的一条记忆");
		assertThat(important.path(1).path("content").asString()).isEqualTo("销售团队下周团建");
		assertThat(important.path(0).has("updatedAt")).isTrue();
		this.http.get()
			.uri("/internal/users/{id}/memories/important?limit=1000", caller.id())
			.headers(TestTrust.asService("config-service", "agent-service"))
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	/**
	 * Measures the bigram search against pg_trgm word similarity on a small labelled
	 * corpus (results in target/memory-search-quality.txt). Bigrams must find at least as
	 * much, and find the two-character Chinese queries trigrams cannot.
	 */
	@Test
	void bigramSearchFindsWhatTrigramSimilarityMisses() throws Exception {
		Caller caller = new Caller(this.http, "free");
		String[] corpus = { "女儿的生日是三月十二日，喜欢草莓蛋糕", "每周五下午三点开产品周会", "对花生过敏，点餐时要避开", "用 Python 和 pandas 做销售数据分析",
				"老板喜欢先看结论再看细节", "护照号码在抽屉里的蓝色文件夹", "2025 年的目标是跑完一次全程马拉松", "上海办公室的 Wi-Fi 密码贴在前台",
				"Prefers replies in English when discussing code", "The dentist appointment is on March 3rd",
				"项目代号灵犀，负责人是王磊", "车险每年六月续保", "客户张总喜欢喝普洱茶", "周报模板：指标、变化、原因、行动", "爸爸的高血压药每天早上吃一片",
				"Weekly sync with the design team every Tuesday", "不吃香菜", "猫叫豆包，每年十月打疫苗", "数据库备份脚本每天凌晨两点运行",
				"Favourite coffee: flat white with oat milk" };
		Map<String, Set<Integer>> labelled = new LinkedHashMap<>();
		labelled.put("生日", Set.of(0));
		labelled.put("周会", Set.of(1));
		labelled.put("过敏", Set.of(2));
		labelled.put("销售数据", Set.of(3));
		labelled.put("数据分析", Set.of(3));
		labelled.put("护照", Set.of(5));
		labelled.put("马拉松目标", Set.of(6));
		labelled.put("wifi 密码", Set.of(7));
		labelled.put("english", Set.of(8));
		labelled.put("dentist", Set.of(9));
		labelled.put("灵犀项目负责人", Set.of(10));
		labelled.put("续保", Set.of(11));
		labelled.put("张总", Set.of(12));
		labelled.put("周报", Set.of(13));
		labelled.put("血压", Set.of(14));
		labelled.put("design team", Set.of(15));
		labelled.put("香菜", Set.of(16));
		labelled.put("猫", Set.of(17));
		labelled.put("备份", Set.of(18));
		labelled.put("coffee", Set.of(19));
		labelled.put("每周", Set.of(1));
		Map<String, Integer> index = new HashMap<>();
		for (int i = 0; i < corpus.length; i++) {
			create(caller, Map.of("content", corpus[i]));
			index.put(corpus[i], i);
		}
		this.db.sql("CREATE EXTENSION IF NOT EXISTS pg_trgm").fetch().rowsUpdated().block();

		int relevant = 0;
		int bigramFound = 0;
		int bigramReturned = 0;
		int bigramCorrect = 0;
		int trigramFound = 0;
		int trigramReturned = 0;
		int trigramCorrect = 0;
		StringBuilder lines = new StringBuilder();
		for (Map.Entry<String, Set<Integer>> query : labelled.entrySet()) {
			List<Integer> bigram = search(caller, query.getKey(), null).stream().limit(5).map(index::get).toList();
			List<Integer> trigram = this.db
				.sql("SELECT content FROM memories WHERE user_id = :user AND word_similarity(:q, content) >= 0.3"
						+ " ORDER BY word_similarity(:q, content) DESC LIMIT 5")
				.bind("user", caller.id())
				.bind("q", query.getKey().toLowerCase(Locale.ROOT))
				.map((row, meta) -> index.get(row.get("content", String.class)))
				.all()
				.collectList()
				.block();
			relevant += query.getValue().size();
			bigramFound += (int) query.getValue().stream().filter(bigram::contains).count();
			bigramReturned += bigram.size();
			bigramCorrect += (int) bigram.stream().filter(query.getValue()::contains).count();
			trigramFound += (int) query.getValue().stream().filter(trigram::contains).count();
			trigramReturned += trigram.size();
			trigramCorrect += (int) trigram.stream().filter(query.getValue()::contains).count();
			lines.append(String.format("  %-12s bigram %s trigram %s expected %s%n", query.getKey(), bigram, trigram,
					query.getValue()));
		}
		double bigramRecall = (double) bigramFound / relevant;
		double trigramRecall = (double) trigramFound / relevant;
		double bigramPrecision = (bigramReturned == 0) ? 1 : (double) bigramCorrect / bigramReturned;
		double trigramPrecision = (trigramReturned == 0) ? 1 : (double) trigramCorrect / trigramReturned;
		String report = String.format(Locale.ROOT,
				"Memory search quality: %d queries over %d memories%n"
						+ "  bigram tsvector (this service): recall@5 %.3f, precision@5 %.3f%n"
						+ "  pg_trgm word_similarity >= 0.3: recall@5 %.3f, precision@5 %.3f%n%s",
				labelled.size(), corpus.length, bigramRecall, bigramPrecision, trigramRecall, trigramPrecision, lines);
		System.out.println(report);
		Files.createDirectories(Path.of("target"));
		Files.writeString(Path.of("target", "memory-search-quality.txt"), report, StandardCharsets.UTF_8);
		assertThat(bigramRecall).isGreaterThanOrEqualTo(0.95);
		assertThat(bigramPrecision).isGreaterThanOrEqualTo(0.8);
		assertThat(bigramRecall).isGreaterThan(trigramRecall);
	}

}
