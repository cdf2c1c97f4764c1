package com.lingxi.billing.quota;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
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

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plans' limits as the model proxy enforces them: requests and tokens per minute (429),
 * the monthly allowance (402, announced once), the bound on overspending under
 * concurrency, and the cheaper fallback alias.
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
		registry.add("lingxi.billing.plans.free.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.pro.requests-per-minute", () -> "3");
		registry.add("lingxi.billing.plans.team.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.team.tokens-per-minute", () -> "20000");
		registry.add("lingxi.billing.plans.enterprise.monthly-tokens", () -> "20000");
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
			.header("X-User-Id", user.toString())
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

	@Test
	void concurrentStreamsOverspendAtMostOneCallAndTheExhaustionIsAnnouncedOnce() {
		Key key = this.keys.forNewUser();
		WebClient client = WebClient.create("http://127.0.0.1:" + this.proxyPort);
		String body = chat("standard", 36_000, "#slow");
		List<Integer> statuses = Flux.range(0, 20)
			.flatMap(
					(i) -> client.post()
						.uri("/v1/chat/completions")
						.header("Authorization", key.bearer())
						.contentType(MediaType.APPLICATION_JSON)
						.bodyValue(body)
						.exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode().value())),
					20)
			.collectList()
			.block();
		long burst = statuses.stream().filter((status) -> status == 200).count();
		assertThat(statuses).containsOnly(200, 402).contains(402);
		assertThat(burst).isGreaterThanOrEqualTo(2);
		await()
			.untilAsserted(() -> assertThat(quota(key.userId()).path("used").asLong()).isEqualTo(burst * CALL_TOKENS));
		assertThat(quota(key.userId()).path("reserved").asLong()).isZero();

		// Go on one call at a time until the allowance refuses.
		long served = burst;
		int status = 200;
		for (int i = 0; i < 6 && status == 200; i++) {
			status = call(key, chat("standard", 36_000, "")).expectBody(byte[].class)
				.returnResult()
				.getStatus()
				.value();
			served += (status == 200) ? 1 : 0;
		}
		assertThat(status).isEqualTo(402);
		JsonNode quota = quota(key.userId());
		long limit = 50_000;
		assertThat(quota.path("used").asLong()).isEqualTo(served * CALL_TOKENS)
			.isGreaterThanOrEqualTo(limit)
			.isLessThan(limit + CALL_TOKENS);
		assertThat(quota.path("reserved").asLong()).isZero();
		assertThat(quota.path("remaining").asLong()).isZero();
		assertThat(quota.path("exhausted").asBoolean()).isTrue();

		call(key, chat("standard", 100, "")).expectStatus()
			.isEqualTo(HttpStatus.PAYMENT_REQUIRED)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("insufficient_quota");
		await().until(() -> exhaustedEvents(key.userId()) >= 1);
		assertThat(exhaustedEvents(key.userId())).isEqualTo(1);
		long recorded = served;
		await().untilAsserted(() -> assertThat(
				this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + key.userId() + "'"))
			.isEqualTo(recorded));
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
