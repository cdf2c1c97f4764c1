package com.lingxi.billing.usage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.util.unit.DataSize;

import com.lingxi.billing.BillingServiceTest;
import com.lingxi.billing.ModelProxyListener;
import com.lingxi.billing.TestKeys;
import com.lingxi.billing.TestKeys.Key;
import com.lingxi.billing.UsageRows;
import com.lingxi.billing.quota.BillingCalendar;
import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Usage as users read it (from the rollups, only their own), the demo upstream that
 * answers when no provider is configured, and the journal that keeps settled calls across
 * a crash.
 */
@BillingServiceTest
class UsageTests {

	@Autowired
	WebTestClient http;

	/** The model proxy's listener (users' gateways call it). */
	WebTestClient proxy;

	@Value("${local.model-proxy.port}")
	int proxyPort;

	@Autowired
	DatabaseClient db;

	@Autowired
	JsonMapper json;

	@Autowired
	TransactionalOperator tx;

	@Autowired
	EventPublisher events;

	@Autowired
	QuotaLedger ledger;

	@Autowired
	PendingCharges pending;

	TestKeys keys;

	UsageRows rows;

	@BeforeEach
	void setUp() {
		this.proxy = ModelProxyListener.client(this.proxyPort);
		this.keys = new TestKeys(this.http);
		this.rows = new UsageRows(this.db);
	}

	String call(Key key, String agent, boolean stream) {
		return this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"model\":\"standard\",\"stream\":" + stream + ",\"lingxi_agent\":\"" + agent
					+ "\",\"messages\":[{\"role\":\"user\",\"content\":\"What can you do?\"}]}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Request-Id");
	}

	JsonNode usage(UUID user, String query) {
		return this.http.get()
			.uri("/api/billing/usage" + query)
			.headers(TestTrust.asUser("billing-service", user, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	@Test
	void withoutAProviderTheDemoUpstreamAnswersLabelledAndCounted() {
		Key key = this.keys.forNewUser();
		String streamed = this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"model\":\"lingxi/standard\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
					+ "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(streamed).contains("[Lingxi demo model]")
			.contains("LINGXI_DEEPSEEK_API_KEY")
			.contains("\"model\":\"lingxi-demo\"")
			.contains("\"usage\":{\"prompt_tokens\":")
			.endsWith("data: [DONE]\n\n");
		String requestId = call(key, "coder", false);
		assertThat(this.rows.await(requestId)).containsEntry("upstream", "demo")
			.containsEntry("usage_source", "upstream")
			.satisfies((row) -> assertThat((Long) row.get("output_tokens")).isGreaterThan(50));
	}

	@Test
	void usersSeeTheirOwnUsageGroupedByDayAgentAndModelAndNobodyElses() {
		Key alice = this.keys.forNewUser();
		Key bob = this.keys.forNewUser();
		List<String> calls = List.of(call(alice, "coder", true), call(alice, "coder", false), call(alice, "ops", true));
		calls.forEach(this.rows::await);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> usage(alice.userId(), "").path("total").path("requests").asLong() == 3);
		long total = this.rows
			.count("SELECT sum(input_tokens + output_tokens) FROM usage_logs WHERE user_id = '" + alice.userId() + "'");

		JsonNode byAgent = usage(alice.userId(), "?groupBy=agent");
		assertThat(byAgent.path("items")).hasSize(2);
		assertThat(byAgent.path("items").get(0).path("key").asString()).isEqualTo("coder");
		assertThat(byAgent.path("items").get(0).path("requests").asLong()).isEqualTo(2);
		assertThat(byAgent.path("items").get(1).path("key").asString()).isEqualTo("ops");
		assertThat(byAgent.path("total").path("totalTokens").asLong()).isEqualTo(total);

		JsonNode byModel = usage(alice.userId(), "?groupBy=model");
		assertThat(byModel.path("items")).hasSize(1);
		assertThat(byModel.path("items").get(0).path("key").asString()).isEqualTo("standard");

		JsonNode byDay = usage(alice.userId(), "?groupBy=day&from=2020-01-01&to=2020-12-31");
		assertThat(byDay.path("items")).isEmpty();
		LocalDate today = LocalDate.now(java.time.ZoneId.of("Asia/Shanghai"));
		JsonNode todays = usage(alice.userId(), "?from=" + today + "&to=" + today);
		assertThat(todays.path("items").get(0).path("key").asString()).isEqualTo(today.toString());
		assertThat(todays.path("items").get(0).path("totalTokens").asLong()).isEqualTo(total);

		JsonNode bobs = usage(bob.userId(), "?groupBy=agent");
		assertThat(bobs.path("items")).isEmpty();
		assertThat(bobs.path("total").path("requests").asLong()).isZero();
		this.http.get()
			.uri("/api/billing/quota")
			.headers(TestTrust.asUser("billing-service", bob.userId(), "free"))
			.exchange()
			.expectBody()
			.jsonPath("$.used")
			.isEqualTo(0);
		this.http.get().uri("/api/billing/usage").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void refusesNonsensicalUsageQueries() {
		UUID user = UUID.randomUUID();
		for (String query : List.of("?groupBy=hour", "?from=yesterday", "?from=2026-02-01&to=2026-01-01",
				"?from=2020-01-01&to=2026-01-01")) {
			this.http.get()
				.uri("/api/billing/usage" + query)
				.headers(TestTrust.asUser("billing-service", user, "free"))
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("https://lingxi.cloud/problems/invalid-usage-range");
		}
	}

	@Test
	void thePlanListIsPublicAndBuyingAPlanIsNotPossibleYet() {
		this.http.get()
			.uri("/api/billing/plans")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$[*].name")
			.isEqualTo(List.of("free", "pro", "team", "enterprise"))
			.jsonPath("$[0].isDefault")
			.isEqualTo(true)
			.jsonPath("$[3].exhaustedFallbackAlias")
			.isEqualTo("standard");
		this.http.post()
			.uri("/api/billing/checkout")
			.headers(TestTrust.asUser("billing-service", UUID.randomUUID(), "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"plan\":\"pro\",\"returnUrl\":\"https://lingxi.cloud/console\"}")
			.exchange()
			.expectStatus()
			.isEqualTo(503)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/payments-unavailable");
		this.http.get().uri("/api/billing/subscription").exchange().expectStatus().isUnauthorized();
	}

	@Test
	void settledCallsSurviveACrashAndAReplayNeverCountsThemTwice(@TempDir Path dir) throws Exception {
		UUID user = UUID.randomUUID();
		UsageProperties properties = new UsageProperties(dir, true, DataSize.ofMegabytes(8), 100, Duration.ofMillis(20),
				Duration.ofMillis(200));
		// More records than one batch holds, over three agents.
		List<UsageRecord> records = java.util.stream.IntStream.range(0, 250)
			.mapToObj((i) -> record(user, "agent-" + (i % 3), 100L, 10L))
			.toList();

		// A process journals three settled calls and dies before writing them anywhere
		// else.
		UsageJournal first = new UsageJournal(properties, this.json);
		first.start();
		reactor.core.publisher.Flux.fromIterable(records).flatMap(first::append).then().block(Duration.ofSeconds(10));
		first.stop();
		assertThat(this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + user + "'")).isZero();
		Path backup = Files.createTempDirectory("journal-copy");
		try (Stream<Path> files = Files.list(dir)) {
			for (Path file : files.filter((f) -> f.getFileName().toString().endsWith(".jsonl")).toList()) {
				Files.copy(file, backup.resolve(file.getFileName()));
			}
		}

		// Redis's view of the month was read (seeded) before the replay.
		assertThat(this.ledger.usedAndReserved(user, PERIOD).block()[0]).isZero();

		// The next start replays them into PostgreSQL, and charges them to Redis's view
		// of the allowance.
		restart(properties);
		assertThat(this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + user + "'")).isEqualTo(250);
		assertThat(this.rows.count("SELECT sum(quota_tokens) FROM usage_daily WHERE user_id = '" + user + "'"))
			.isEqualTo(250 * 110);
		assertThat(this.rows.count("SELECT count(*) FROM usage_daily WHERE user_id = '" + user + "'")).isEqualTo(3);
		assertThat(usageEvents(user)).isEqualTo(250);
		await().atMost(Duration.ofSeconds(15))
			.until(() -> this.ledger.usedAndReserved(user, PERIOD).block()[0] == 250 * 110);

		// A crash after the commit but before the files were deleted: replayed again,
		// counted once.
		try (Stream<Path> files = Files.list(backup)) {
			for (Path file : files.toList()) {
				Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
			}
		}
		restart(properties);
		assertThat(this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + user + "'")).isEqualTo(250);
		assertThat(this.rows.count("SELECT sum(quota_tokens) FROM usage_daily WHERE user_id = '" + user + "'"))
			.isEqualTo(250 * 110);
		assertThat(this.rows.count("SELECT sum(requests) FROM usage_daily WHERE user_id = '" + user + "'"))
			.isEqualTo(250);
		assertThat(usageEvents(user)).isEqualTo(250);
		await().atMost(Duration.ofSeconds(15)).until(() -> this.pending.size() == 0);
		assertThat(this.ledger.usedAndReserved(user, PERIOD).block()[0]).isEqualTo(250 * 110);
		try (Stream<Path> files = Files.list(dir)) {
			assertThat(files.filter((f) -> f.getFileName().toString().endsWith(".jsonl"))).isEmpty();
		}
	}

	private void restart(UsageProperties properties) {
		UsageJournal journal = new UsageJournal(properties, this.json);
		UsageWriter writer = new UsageWriter(journal, this.db, this.tx, this.events, this.json, this.pending,
				properties, new SimpleMeterRegistry());
		journal.start();
		writer.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> writer.backlog() == 0);
		writer.stop(Duration.ofSeconds(5));
		journal.stop();
	}

	private long usageEvents(UUID user) {
		return this.rows.events("usage.recorded")
			.stream()
			.filter((event) -> user.toString().equals(event.get("event_key")))
			.count();
	}

	static final String PERIOD = new BillingCalendar(java.time.ZoneId.of("Asia/Shanghai")).period(Instant.now());

	private static UsageRecord record(UUID user, String agent, long input, long output) {
		Instant now = Instant.now();
		return new UsageRecord(UUID.randomUUID(), "crash-" + UUID.randomUUID(), user, UUID.randomUUID(),
				UUID.randomUUID(), agent, 2, input, output, 0, "standard", "standard", "primary", "m", "upstream", true,
				true, "ok", 200, 5, 50, now, LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")), PERIOD, "free");
	}

}
