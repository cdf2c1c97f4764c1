package com.lingxi.billing.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.billing.BillingServiceTest;
import com.lingxi.billing.FakeUpstream;
import com.lingxi.billing.ModelProxyListener;
import com.lingxi.billing.TestKeys;
import com.lingxi.billing.TestKeys.Key;
import com.lingxi.billing.UsageRows;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plans' limits as the model proxy enforces them: concurrent calls, requests and tokens
 * per minute (429), the monthly allowance (402, announced once), the bound on
 * overspending under concurrency, and the cheaper fallback alias.
 */
@BillingServiceTest
class QuotaTests {

	/** Every call of the fake provider uses this many tokens. */
	static final long CALL_TOKENS = FakeUpstream.PROMPT_TOKENS + FakeUpstream.COMPLETION_TOKENS;

	static final FakeUpstream fake = new FakeUpstream();

	@DynamicPropertySource
	static void limits(DynamicPropertyRegistry registry) {
		registry.add("lingxi.billing.proxy.upstreams.primary.base-url", () -> fake.baseUrl("primary"));
		registry.add("lingxi.billing.proxy.upstreams.primary.api-key", () -> "sk-primary");
		registry.add("lingxi.billing.proxy.upstreams.primary.models.standard", () -> "fake-standard");
		registry.add("lingxi.billing.proxy.upstreams.primary.models.pro", () -> "fake-pro");
		registry.add("lingxi.billing.plans.free.monthly-tokens", () -> "50000");
		registry.add("lingxi.billing.plans.free.concurrent-calls", () -> "100");
		for (String plan : List.of("duo", "solo")) {
			registry.add("lingxi.billing.plans." + plan + ".monthly-tokens", () -> "100000000");
			registry.add("lingxi.billing.plans." + plan + ".requests-per-minute", () -> "1000");
		}
		registry.add("lingxi.billing.plans.duo.concurrent-calls", () -> "2");
		registry.add("lingxi.billing.plans.solo.concurrent-calls", () -> "1");
		registry.add("lingxi.billing.quota.call-lease", () -> "3s");
		registry.add("lingxi.billing.plans.free.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.pro.requests-per-minute", () -> "3");
		registry.add("lingxi.billing.plans.team.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.team.tokens-per-minute", () -> "20000");
		// Two calls of 36 kB asking for 'pro' reserve ~28,400 each: the second fits, a
		// third does not.
		registry.add("lingxi.billing.plans.enterprise.monthly-tokens", () -> "45000");
		registry.add("lingxi.billing.plans.enterprise.requests-per-minute", () -> "1000");
	}

	@AfterAll
	static void stop() {
		fake.close();
	}

	@Autowired
	WebTestClient http;

	/** The model proxy's listener (users' gateways call it). */
	WebTestClient proxy;

	@Value("${local.model-proxy.port}")
	int proxyPort;

	@Autowired
	DatabaseClient db;

	@Autowired
	LingxiRedis redis;

	TestKeys keys;

	UsageRows rows;

	@BeforeEach
	void setUp() {
		this.proxy = ModelProxyListener.client(this.proxyPort);
		this.keys = new TestKeys(this.http);
		this.rows = new UsageRows(this.db);
	}

	/**
	 * A request whose prompt is about {@code promptBytes} long, asking for at most 100
	 * tokens: its reservation (bytes / 3 + 100) covers the fake's usage.
	 */
	static String chat(String model, int promptBytes, String marker) {
		return "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
				+ "\"content\":\"" + marker + " " + "lorem ipsum ".repeat(promptBytes / 12) + "\"}]}";
	}

	WebTestClient.ResponseSpec call(Key key, String body) {
		return this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	JsonNode quota(UUID user) {
		return this.http.get()
			.uri("/api/billing/quota")
			.headers(TestTrust.asUser("billing-service", user, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	long exhaustedEvents(UUID user) {
		return this.rows.events("quota.exhausted")
			.stream()
			.filter((event) -> user.toString().equals(event.get("event_key")))
			.count();
	}

	@Test
	void requestsPerMinuteAreLimitedWith429AndRetryAfter() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "pro");
		for (int i = 0; i < 3; i++) {
			call(key, chat("standard", 100, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		}
		call(key, chat("standard", 100, "")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("rate_limit_exceeded")
			.jsonPath("$.error.type")
			.isEqualTo("requests");
	}

	@Test
	void tokensPerMinuteAreLimitedToo() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "team");
		call(key, chat("standard", 100, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(key, chat("standard", 100, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(key, chat("standard", 100, "")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectBody()
			.jsonPath("$.error.type")
			.isEqualTo("tokens");
	}

	/** 20 calls at once by one user, each answered after ~1.5 s. */
	List<ResponseEntity<String>> burst(Key key, String body) {
		WebClient client = WebClient.create("http://127.0.0.1:" + this.proxyPort);
		return Flux.range(0, 20)
			.flatMap((i) -> client.post()
				.uri("/v1/chat/completions")
				.header("Authorization", key.bearer())
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(body)
				.exchangeToMono((response) -> response.toEntity(String.class)), 20)
			.collectList()
			.block(Duration.ofSeconds(60));
	}

	long recordedTokens(UUID user) {
		return this.rows.count(
				"SELECT COALESCE(sum(input_tokens + output_tokens), 0) FROM usage_logs WHERE user_id = '" + user + "'");
	}

	@Test
	void parallelCallsAtTheEdgeOfTheAllowanceNeverOverspendItAndTheRefusedGet402() {
		Key key = this.keys.forNewUser();
		long limit = 50_000;
		// Each call reserves its prompt bound (36 kB / 3) and the alias's 8192 output
		// tokens, ~20,200 of the 50,000: at most two fit at once.
		String body = chat("standard", 36_000, "#slow");
		List<ResponseEntity<String>> first = burst(key, body);
		List<Integer> statuses = first.stream().map((response) -> response.getStatusCode().value()).toList();
		long served = statuses.stream().filter((status) -> status == 200).count();
		assertThat(statuses).containsOnly(200, 402);
		assertThat(served).isBetween(1L, 2L);
		assertThat(first).filteredOn((response) -> response.getStatusCode().value() == 402)
			.allSatisfy((refused) -> assertThat(refused.getBody()).contains("\"code\":\"insufficient_quota\"")
				.contains("\"type\":\"insufficient_quota\""));
		await()
			.untilAsserted(() -> assertThat(quota(key.userId()).path("used").asLong()).isEqualTo(served * CALL_TOKENS));
		assertThat(quota(key.userId()).path("reserved").asLong()).isZero();

		// Go on one call at a time until the allowance refuses.
		long total = served;
		int status = 200;
		for (int i = 0; i < 6 && status == 200; i++) {
			status = call(key, chat("standard", 36_000, "")).expectBody(byte[].class)
				.returnResult()
				.getStatus()
				.value();
			total += (status == 200) ? 1 : 0;
		}
		assertThat(status).isEqualTo(402);

		// Right at the edge now: 20 more at once, all refused.
		assertThat(burst(key, body)).extracting((response) -> response.getStatusCode().value()).containsOnly(402);

		long calls = total;
		await().untilAsserted(() -> assertThat(
				this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + key.userId() + "'"))
			.isEqualTo(calls));
		long recorded = recordedTokens(key.userId());
		assertThat(recorded).isEqualTo(calls * CALL_TOKENS).isLessThanOrEqualTo(limit);
		JsonNode quota = quota(key.userId());
		assertThat(quota.path("used").asLong()).isEqualTo(recorded);
		assertThat(quota.path("reserved").asLong()).isZero();

		// The allowance no longer covers a call of this size: used up, announced once.
		call(key, chat("standard", 36_000, "")).expectStatus()
			.isEqualTo(HttpStatus.PAYMENT_REQUIRED)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("insufficient_quota")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("of your monthly 50000 tokens are left"));
		await().until(() -> exhaustedEvents(key.userId()) >= 1);
		assertThat(exhaustedEvents(key.userId())).isEqualTo(1);
		// A smaller call still fits in what is left.
		call(key, chat("standard", 100, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
	}

	@Test
	void aUsersConcurrentCallsAreCappedWith429AndAFinishedCallFreesItsPlace() throws Exception {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "duo");
		WebClient client = WebClient.create("http://127.0.0.1:" + this.proxyPort);
		// Streams that stop after a few chunks and stay open.
		String hanging = chat("standard", 100, "#hang");
		CountDownLatch streaming = new CountDownLatch(2);
		List<reactor.core.Disposable> running = new java.util.ArrayList<>();
		for (int i = 0; i < 2; i++) {
			running.add(client.post()
				.uri("/v1/chat/completions")
				.header("Authorization", key.bearer())
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(hanging)
				.retrieve()
				.bodyToFlux(String.class)
				.index()
				.filter((chunk) -> chunk.getT1() == 0)
				.doOnNext((chunk) -> streaming.countDown())
				.subscribe());
		}
		assertThat(streaming.await(20, TimeUnit.SECONDS)).isTrue();
		call(key, chat("standard", 100, "")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.valueEquals("Retry-After", "2")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("concurrency_limit_exceeded")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("allows 2 in progress"));

		// One of them hangs up: its place is free at once.
		running.get(0).dispose();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> call(key, chat("standard", 100, "")).expectBody(byte[].class)
				.returnResult()
				.getStatus()
				.value() == 200);
		running.get(1).dispose();
	}

	@Test
	void theCallsOfAReplicaThatStoppedRenewingThemStopCountingAfterTheirLease() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "duo");
		// Two calls another replica admitted and then died with: deadlines 3 s ahead,
		// never
		// renewed.
		String inFlight = this.redis.key("billing", "inflight", key.userId().toString());
		this.redis.commands()
			.flatMap((redis) -> redis.time()
				.collectList()
				.flatMap((time) -> redis.zadd(inFlight, Long.parseLong(time.get(0)) * 1000 + 3000, "dead-1")
					.then(redis.zadd(inFlight, Long.parseLong(time.get(0)) * 1000 + 3000, "dead-2"))))
			.block();
		call(key, chat("standard", 100, "")).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> call(key, chat("standard", 100, "")).expectBody(byte[].class)
				.returnResult()
				.getStatus()
				.value() == 200);
	}

	@Test
	void aRunningCallKeepsItsPlaceBeyondOneLease() throws Exception {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "solo");
		CountDownLatch streaming = new CountDownLatch(1);
		reactor.core.Disposable running = WebClient.create("http://127.0.0.1:" + this.proxyPort)
			.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(chat("standard", 100, "#hang"))
			.retrieve()
			.bodyToFlux(String.class)
			.doOnNext((chunk) -> streaming.countDown())
			.subscribe();
		try {
			assertThat(streaming.await(20, TimeUnit.SECONDS)).isTrue();
			// The lease is 3 s in this test; the replica renews it every second.
			Thread.sleep(4500);
			call(key, chat("standard", 100, "")).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		}
		finally {
			running.dispose();
		}
	}

	@Test
	void aPlanWithAFallbackAliasKeepsServingOutsideTheAllowance() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "enterprise");
		call(key, chat("pro", 36_000, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(key, chat("pro", 36_000, "")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		String requestId = call(key, chat("pro", 36_000, "")).expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("X-Lingxi-Model-Fallback", "pro->standard")
			.expectBody(byte[].class)
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Request-Id");
		assertThat(this.rows.await(requestId)).containsEntry("model", "standard")
			.containsEntry("requested_model", "pro")
			.containsEntry("metered", false);
		assertThat(this.json(fake.last().body()).path("model").asString()).isEqualTo("fake-standard");
		assertThat(quota(key.userId()).path("used").asLong()).isEqualTo(2 * CALL_TOKENS);
	}

	@Test
	void theLedgerIsRebuiltFromTheRollupsWhenRedisLostIt() {
		Key key = this.keys.forNewUser();
		String requestId = call(key, chat("standard", 100, "")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult()
			.getResponseHeaders()
			.getFirst("X-Request-Id");
		this.rows.await(requestId);
		await().until(
				() -> this.rows.count("SELECT count(*) FROM usage_daily WHERE user_id = '" + key.userId() + "'") == 1);
		String period = new BillingCalendar(java.time.ZoneId.of("Asia/Shanghai")).period(Instant.now());
		this.redis.commands()
			.flatMap((redis) -> redis.del(this.redis.key("billing", "quota", key.userId().toString(), period)))
			.block();
		JsonNode quota = quota(key.userId());
		assertThat(quota.path("used").asLong()).isEqualTo(CALL_TOKENS);
		assertThat(quota.path("monthlyTokens").asLong()).isEqualTo(50_000);
		assertThat(quota.path("period").asString()).isEqualTo(period);
		assertThat(quota.path("resetsAt").asString()).endsWith("T16:00:00Z");
	}

	private JsonNode json(String text) {
		return tools.jackson.databind.json.JsonMapper.builder().build().readTree(text);
	}

}
