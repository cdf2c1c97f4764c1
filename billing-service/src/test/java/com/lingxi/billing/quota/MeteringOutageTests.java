package com.lingxi.billing.quota;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
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
import com.lingxi.common.test.OwnRedis;
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quota ledger's Redis goes away (killed, or frozen) while users call: a plan that
 * refuses unmetered calls answers 503, a plan that admits them is served, every call that
 * was answered is recorded, and once Redis is back the allowance counts every one of them
 * exactly once. The Redis here is a server of this test's own, started on a free port and
 * killed by it (never the shared one).
 */
@BillingServiceTest
class MeteringOutageTests {

	static final long CALL_TOKENS = FakeUpstream.PROMPT_TOKENS + FakeUpstream.COMPLETION_TOKENS;

	static final FakeUpstream fake = new FakeUpstream();

	static final OwnRedis redis = OwnRedis.onFreePort().start();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("lingxi.billing.proxy.upstreams.primary.base-url", () -> fake.baseUrl("primary"));
		registry.add("lingxi.billing.proxy.upstreams.primary.api-key", () -> "sk-primary");
		registry.add("lingxi.billing.proxy.upstreams.primary.models.standard", () -> "fake-standard");
		registry.add("lingxi.billing.plans.free.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.lenient.monthly-tokens", () -> "100000000");
		registry.add("lingxi.billing.plans.lenient.requests-per-minute", () -> "1000");
		registry.add("lingxi.billing.plans.lenient.concurrent-calls", () -> "8");
		registry.add("lingxi.billing.plans.lenient.metering-outage", () -> "admit");
		registry.add("lingxi.billing.quota.settle-retry", () -> "300ms");
	}

	/** The platform's Redis is this test's own server. */
	@TestConfiguration(proxyBeanMethods = false)
	static class RedisOfItsOwn {

		@Bean
		LingxiRedis lingxiRedis() {
			RedisURI uri = RedisURI.builder()
				.withHost("127.0.0.1")
				.withPort(redis.port())
				.withTimeout(Duration.ofSeconds(2))
				.build();
			return new LingxiRedis(uri, "outage-" + UUID.randomUUID(), Duration.ofSeconds(2), Duration.ofSeconds(60));
		}

	}

	@AfterAll
	static void stop() {
		fake.close();
		redis.stop();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	@Autowired
	PendingCharges pending;

	@Value("${local.model-proxy.port}")
	int proxyPort;

	WebTestClient proxy;

	TestKeys keys;

	UsageRows rows;

	@BeforeEach
	void setUp() {
		redis.thaw();
		redis.start();
		this.proxy = ModelProxyListener.client(this.proxyPort);
		this.keys = new TestKeys(this.http);
		this.rows = new UsageRows(this.db);
	}

	static String chat(String marker) {
		return "{\"model\":\"standard\",\"stream\":true,\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
				+ "\"content\":\"" + marker + " " + "lorem ipsum ".repeat(3000) + "\"}]}";
	}

	WebTestClient.ResponseSpec call(Key key) {
		return this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(chat(""))
			.exchange();
	}

	int status(Key key) {
		return call(key).expectBody(byte[].class).returnResult().getStatus().value();
	}

	/** A streamed call that has started answering; completes with the whole answer. */
	CompletableFuture<String> streaming(Key key) throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<String> answer = WebClient.create("http://127.0.0.1:" + this.proxyPort)
			.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(chat("#slow"))
			.retrieve()
			.bodyToFlux(String.class)
			.doOnNext((event) -> started.countDown())
			.collectList()
			.map((events) -> String.join("\n", events))
			.toFuture();
		assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
		return answer;
	}

	long recordedCalls(UUID user) {
		return this.rows.count("SELECT count(*) FROM usage_logs WHERE user_id = '" + user + "'");
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

	/** Once Redis is back, the allowance counts exactly the recorded calls. */
	void awaitAllowanceMatchesRecords(UUID user, long calls) {
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			assertThat(recordedCalls(user)).isEqualTo(calls);
			JsonNode quota = quota(user);
			assertThat(quota.path("used").asLong()).isEqualTo(calls * CALL_TOKENS);
			assertThat(quota.path("reserved").asLong()).isZero();
		});
	}

	@Test
	void whenRedisDiesCallsAreRefusedWith503OrServedAsThePlanSaysAndNothingRecordedIsLost() throws Exception {
		Key strict = this.keys.forNewUser();
		Key lenient = this.keys.forNewUser();
		this.keys.plan(lenient.userId(), "lenient");
		call(strict).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(lenient).expectStatus().isOk().expectBody(byte[].class).returnResult();
		CompletableFuture<String> inFlight = streaming(strict);

		redis.stop();

		// The call in progress ends normally and is recorded.
		assertThat(inFlight.get(30, TimeUnit.SECONDS)).endsWith("[DONE]");
		call(strict).expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("metering_unavailable")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).startsWith("Metering is unavailable, try again shortly"));
		call(lenient).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(lenient).expectStatus().isOk().expectBody(byte[].class).returnResult();
		await().atMost(Duration.ofSeconds(10)).until(() -> recordedCalls(strict.userId()) == 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> recordedCalls(lenient.userId()) == 3);

		// A new, empty Redis on the same address: the allowance is rebuilt from
		// PostgreSQL.
		redis.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> status(strict) == 200);
		awaitAllowanceMatchesRecords(strict.userId(), 3);
		awaitAllowanceMatchesRecords(lenient.userId(), 3);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.pending.size() == 0);
	}

	@Test
	void whenRedisFreezesItKeepsItsDataAndWhatWasSettledMeanwhileIsChargedOnceItAnswers() throws Exception {
		Key strict = this.keys.forNewUser();
		Key lenient = this.keys.forNewUser();
		this.keys.plan(lenient.userId(), "lenient");
		call(strict).expectStatus().isOk().expectBody(byte[].class).returnResult();
		call(lenient).expectStatus().isOk().expectBody(byte[].class).returnResult();
		CompletableFuture<String> inFlight = streaming(strict);

		redis.freeze();
		try {
			assertThat(inFlight.get(30, TimeUnit.SECONDS)).endsWith("[DONE]");
			// Waits for the 2 s command timeout, then refuses.
			call(strict).expectStatus()
				.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
				.expectBody()
				.jsonPath("$.error.code")
				.isEqualTo("metering_unavailable");
			call(lenient).expectStatus().isOk().expectBody(byte[].class).returnResult();
		}
		finally {
			redis.thaw();
		}
		// Redis kept the months: the calls settled while it was frozen are charged to
		// them once, and the refused call's admission (run late by Redis) is released.
		awaitAllowanceMatchesRecords(strict.userId(), 2);
		awaitAllowanceMatchesRecords(lenient.userId(), 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.pending.size() == 0);
		assertThat(status(strict)).isEqualTo(200);
	}

}
