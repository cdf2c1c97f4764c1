package com.lingxi.billing.proxy;

import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
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
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model proxy has a listener of its own, the one address users' gateways may reach:
 * it serves {@code /v1} and nothing else, and the main port no longer serves {@code /v1}.
 */
@BillingServiceTest
class ProxyListenerTests {

	static final FakeUpstream fake = new FakeUpstream();

	@DynamicPropertySource
	static void upstream(DynamicPropertyRegistry registry) {
		registry.add("lingxi.billing.proxy.upstreams.primary.base-url", () -> fake.baseUrl("primary"));
		registry.add("lingxi.billing.proxy.upstreams.primary.api-key", () -> "sk-primary");
		registry.add("lingxi.billing.proxy.upstreams.primary.models.standard", () -> "fake-standard");
		registry.add("lingxi.billing.plans.free.requests-per-minute", () -> "1000");
	}

	@AfterAll
	static void stop() {
		fake.close();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	ModelProxyServer server;

	@Autowired
	DatabaseClient db;

	@Autowired
	MeterRegistry meters;

	WebTestClient proxy;

	TestKeys keys;

	@BeforeEach
	void setUp() {
		this.proxy = ModelProxyListener.client(this.server.port());
		this.keys = new TestKeys(this.http);
		fake.reset();
	}

	static final String ZERO = "00000000-0000-0000-0000-000000000000";

	static final String CHAT = "{\"model\":\"standard\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

	@Test
	void theProxyListenerServesTheModelApi() {
		Key key = this.keys.forNewUser();
		this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(CHAT)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.exists("X-Request-Id")
			.expectBody()
			.jsonPath("$.choices[0].message.content")
			.isEqualTo("Here is the answer you asked for.");
		this.proxy.get()
			.uri("/v1/models")
			.header("Authorization", key.bearer())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.data[0].id")
			.isEqualTo("standard");
		this.proxy.get()
			.uri("/v1/models/standard")
			.header("Authorization", key.bearer())
			.exchange()
			.expectStatus()
			.isOk();
		// Its requests are measured under a name of their own.
		assertThat(this.meters.find(ProxyConfiguration.REQUESTS_METRIC).tag("uri", "/v1/chat/completions").timers())
			.isNotEmpty();
		assertThat(this.meters.find(ProxyConfiguration.REQUESTS_METRIC).tag("uri", "/v1/models").timers()).isNotEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "GET /internal/keys/00000000-0000-0000-0000-000000000000", "POST /internal/keys",
			"GET /internal/users/00000000-0000-0000-0000-000000000000/plan",
			"POST /internal/users/00000000-0000-0000-0000-000000000000/plan", "GET /api/billing/plans",
			"GET /api/billing/quota", "GET /api/billing/usage", "GET /api/billing/subscription", "GET /actuator/health",
			"GET /actuator/prometheus", "GET /actuator/env", "GET /actuator", "GET /", "POST /v1/responses", "GET /v1",
			"POST /v2/chat/completions" })
	void nothingButTheModelApiIsReachableOnTheProxyListener(String request) {
		String[] parts = request.split(" ");
		UUID user = UUID.randomUUID();
		UUID instance = UUID.randomUUID();
		this.proxy.method(HttpMethod.valueOf(parts[0]))
			.uri(parts[1].replace(ZERO, user.toString()))
			// Not even with the identity headers the gateway would send.
			.header("X-User-Id", user.toString())
			.header("X-User-Plan", "enterprise")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"instanceId\":\"" + instance + "\",\"plan\":\"enterprise\"}")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("unknown_url")
			.jsonPath("$.error.type")
			.isEqualTo("invalid_request_error");
		// Nothing happened behind the 404.
		UsageRows rows = new UsageRows(this.db);
		assertThat(rows.count("SELECT count(*) FROM instance_keys WHERE instance_id = '" + instance + "'")).isZero();
		assertThat(rows.count("SELECT count(*) FROM subscriptions WHERE user_id = '" + user + "'")).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "POST /v1/chat/completions", "GET /v1/models", "GET /v1/models/standard" })
	void theMainPortNoLongerServesTheModelApi(String request) {
		Key key = this.keys.forNewUser();
		String[] parts = request.split(" ");
		WebTestClient.RequestBodySpec spec = this.http.method(HttpMethod.valueOf(parts[0]))
			.uri(parts[1])
			.header("Authorization", key.bearer());
		(parts[0].equals("POST") ? spec.contentType(MediaType.APPLICATION_JSON).bodyValue(CHAT) : spec).exchange()
			.expectStatus()
			.isNotFound();
		assertThat(fake.calls("primary")).isZero();
	}

	@Test
	void theMainPortStillServesTheInternalAndPublicApi() {
		this.http.get().uri("/api/billing/plans").exchange().expectStatus().isOk();
		Key key = this.keys.unbound();
		this.http.get()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isOk();
	}

	/**
	 * Graceful shutdown: the listener stops accepting at once, a stream in flight runs to
	 * its end and is recorded. (The test starts the listener again afterwards.)
	 */
	@Test
	void aStreamInFlightAtShutdownRunsToItsEndWhileNewConnectionsAreRefused() throws Exception {
		Key key = this.keys.forNewUser();
		int port = this.server.port();
		CountDownLatch started = new CountDownLatch(1);
		CompletableFuture<String> answer = WebClient.create("http://127.0.0.1:" + port)
			.post()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(
					"{\"model\":\"standard\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"#slow\"}]}")
			.retrieve()
			.bodyToFlux(DataBuffer.class)
			.doOnNext((buffer) -> started.countDown())
			.map((buffer) -> {
				String text = buffer.toString(StandardCharsets.UTF_8);
				DataBufferUtils.release(buffer);
				return text;
			})
			.collectList()
			.map((parts) -> String.join("", parts))
			.toFuture();
		assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<Void> stopping = CompletableFuture.runAsync(this.server::stop);
		try {
			Thread.sleep(300);
			assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
			String text = answer.get(20, TimeUnit.SECONDS);
			assertThat(text).contains("\"content\":\" file\"").endsWith("data: [DONE]\n\n");
			stopping.get(20, TimeUnit.SECONDS);
		}
		finally {
			stopping.get(30, TimeUnit.SECONDS);
			this.server.start();
		}
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.db.sql("SELECT status FROM usage_logs WHERE user_id = :user")
				.bind("user", key.userId())
				.fetch()
				.all()
				.map((row) -> row.get("status"))
				.collectList()
				.block()).containsExactly("ok"));
		// And it serves again once started.
		ModelProxyListener.client(this.server.port())
			.get()
			.uri("/v1/models")
			.header("Authorization", key.bearer())
			.exchange()
			.expectStatus()
			.isOk();
	}

}
