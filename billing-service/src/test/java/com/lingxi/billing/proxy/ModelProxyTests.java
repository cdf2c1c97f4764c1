package com.lingxi.billing.proxy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.billing.BillingServiceTest;
import com.lingxi.billing.FakeUpstream;
import com.lingxi.billing.ModelProxyListener;
import com.lingxi.billing.TestKeys;
import com.lingxi.billing.TestKeys.Key;
import com.lingxi.billing.UsageRows;
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model proxy against local fake providers that stream real OpenAI-format chunks:
 * faithful relaying, exact and estimated usage, failover, and every refusal in OpenAI's
 * error format.
 */
@BillingServiceTest
class ModelProxyTests {

	static final FakeUpstream fake = new FakeUpstream();

	/** A port nothing listens on. */
	static final int deadPort;

	static {
		DisposableServer server = HttpServer.create().host("127.0.0.1").port(0).bindNow();
		deadPort = server.port();
		server.disposeNow();
	}

	@DynamicPropertySource
	static void upstreams(DynamicPropertyRegistry registry) {
		String prefix = "lingxi.billing.proxy.upstreams.";
		registry.add(prefix + "primary.base-url", () -> fake.baseUrl("primary"));
		registry.add(prefix + "primary.api-key", () -> "sk-primary");
		registry.add(prefix + "primary.priority", () -> "10");
		registry.add(prefix + "primary.models.standard", () -> "fake-standard");
		registry.add(prefix + "primary.models.pro", () -> "fake-pro");
		registry.add(prefix + "primary.idle-timeout", () -> "1s");
		registry.add(prefix + "primary.breaker.minimum-calls", () -> "1000");
		registry.add(prefix + "backup.base-url", () -> fake.baseUrl("backup"));
		registry.add(prefix + "backup.api-key", () -> "sk-backup");
		registry.add(prefix + "backup.priority", () -> "20");
		registry.add(prefix + "backup.models.standard", () -> "backup-standard");
		registry.add(prefix + "backup.breaker.minimum-calls", () -> "1000");
		// Serves only the team plan's standard alias, and is down.
		registry.add(prefix + "dead.base-url", () -> "http://127.0.0.1:" + deadPort + "/v1");
		registry.add(prefix + "dead.api-key", () -> "sk-dead");
		registry.add(prefix + "dead.priority", () -> "1");
		registry.add(prefix + "dead.plan-models.team.standard", () -> "dead-model");
		registry.add(prefix + "dead.breaker.minimum-calls", () -> "1000");
		// Serves pro first and fails: its circuit opens after two failures.
		registry.add(prefix + "flaky.base-url", () -> fake.baseUrl("flaky"));
		registry.add(prefix + "flaky.api-key", () -> "sk-flaky");
		registry.add(prefix + "flaky.priority", () -> "2");
		registry.add(prefix + "flaky.models.pro", () -> "flaky-pro");
		registry.add(prefix + "flaky.breaker.minimum-calls", () -> "2");
		registry.add(prefix + "flaky.breaker.sliding-window-size", () -> "2");
		registry.add(prefix + "flaky.breaker.open-duration", () -> "10m");
		registry.add("lingxi.billing.proxy.max-request-size", () -> "64KB");
		registry.add("lingxi.billing.plans.free.requests-per-minute", () -> "1000");
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
	JsonMapper json;

	TestKeys keys;

	UsageRows rows;

	@BeforeEach
	void setUp() {
		this.proxy = ModelProxyListener.client(this.proxyPort);
		this.keys = new TestKeys(this.http);
		this.rows = new UsageRows(this.db);
		fake.reset();
	}

	static String chat(String model, boolean stream, boolean includeUsage, String text) {
		return "{\"model\":\"" + model + "\",\"stream\":" + stream
				+ (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
				+ ",\"messages\":[{\"role\":\"system\",\"content\":\"You are the coder agent.\"},"
				+ "{\"role\":\"user\",\"content\":\"" + text + "\"}],"
				+ "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"read\",\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}}}],"
				+ "\"reasoning_effort\":\"high\",\"x_vendor\":{\"keep\":true},\"lingxi_agent\":\"coder\"}";
	}

	WebTestClient.ResponseSpec post(Key key, String body) {
		WebTestClient.RequestBodySpec request = this.proxy.post()
			.uri("/v1/chat/completions")
			.contentType(MediaType.APPLICATION_JSON);
		if (key != null) {
			request = request.header("Authorization", key.bearer());
		}
		return request.bodyValue(body).exchange();
	}

	static String joined(List<String> events) {
		return String.join("", events);
	}

	@Test
	void relaysTheStreamByteForByteAndRecordsTheExactUsage() {
		Key key = this.keys.forNewUser();
		EntityExchangeResult<byte[]> result = post(key, chat("standard", true, true, "read README")).expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
			.expectBody(byte[].class)
			.returnResult();
		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8))
			.isEqualTo(joined(FakeUpstream.events(true)));

		FakeUpstream.Received sent = fake.last();
		assertThat(sent.upstream()).isEqualTo("primary");
		assertThat(sent.authorization()).isEqualTo("Bearer sk-primary");
		JsonNode forwarded = this.json.readTree(sent.body());
		assertThat(forwarded.path("model").asString()).isEqualTo("fake-standard");
		assertThat(forwarded.has("lingxi_agent")).isFalse();
		assertThat(forwarded.path("reasoning_effort").asString()).isEqualTo("high");
		assertThat(forwarded.path("x_vendor").path("keep").asBoolean()).isTrue();
		assertThat(forwarded.path("tools").get(0).path("function").path("name").asString()).isEqualTo("read");

		String requestId = result.getResponseHeaders().getFirst("X-Request-Id");
		Map<String, Object> row = this.rows.await(requestId);
		assertThat(row).containsEntry("user_id", key.userId())
			.containsEntry("instance_id", key.instanceId())
			.containsEntry("agent_id", "coder")
			.containsEntry("message_count", 2)
			.containsEntry("input_tokens", FakeUpstream.PROMPT_TOKENS)
			.containsEntry("output_tokens", FakeUpstream.COMPLETION_TOKENS)
			.containsEntry("cached_tokens", FakeUpstream.CACHED_TOKENS)
			.containsEntry("model", "standard")
			.containsEntry("upstream", "primary")
			.containsEntry("upstream_model", "fake-standard")
			.containsEntry("usage_source", "upstream")
			.containsEntry("status", "ok")
			.containsEntry("http_status", 200);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.rows.events("usage.recorded")
				.stream()
				.anyMatch((event) -> requestId.equals(event.get("request_id"))));
		JsonNode event = this.json.readTree((String) this.rows.events("usage.recorded")
			.stream()
			.filter((e) -> requestId.equals(e.get("request_id")))
			.findFirst()
			.orElseThrow()
			.get("payload"));
		assertThat(event.path("inputTokens").asLong()).isEqualTo(FakeUpstream.PROMPT_TOKENS);
		assertThat(event.path("outputTokens").asLong()).isEqualTo(FakeUpstream.COMPLETION_TOKENS);
		assertThat(event.path("agentId").asString()).isEqualTo("coder");
		assertThat(event.path("instanceId").asString()).isEqualTo(key.instanceId().toString());
	}

	@Test
	void twoCallsWithTheSameRequestIdAreBothBilledAndBothInTheUsage() {
		Key key = this.keys.forNewUser();
		List<String> callIds = new ArrayList<>();
		for (boolean stream : new boolean[] { true, false, true }) {
			EntityExchangeResult<byte[]> result = this.proxy.post()
				.uri("/v1/chat/completions")
				.header("Authorization", key.bearer())
				.header("X-Request-Id", "replayed-request-1")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(chat("standard", stream, true, "hi"))
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.valueEquals("X-Request-Id", "replayed-request-1")
				.expectBody(byte[].class)
				.returnResult();
			callIds.add(result.getResponseHeaders().getFirst("X-Lingxi-Call-Id"));
		}
		assertThat(callIds).doesNotContainNull().doesNotHaveDuplicates();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.rows.of("replayed-request-1").size() == 3);
		List<Map<String, Object>> recorded = this.rows.of("replayed-request-1");
		assertThat(recorded).extracting((row) -> row.get("id").toString()).containsExactlyInAnyOrderElementsOf(callIds);
		assertThat(recorded).allSatisfy((row) -> assertThat(row).containsEntry("user_id", key.userId()));
		long billed = 2 * (FakeUpstream.PROMPT_TOKENS + FakeUpstream.COMPLETION_TOKENS) + 321 + 9;
		// Charged three times to the allowance, and three calls in the usage API.
		assertThat(this.http.get()
			.uri("/api/billing/quota")
			.headers(TestTrust.asUser("billing-service", key.userId(), "free"))
			.exchange()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.path("used")
			.asLong()).isEqualTo(billed);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			JsonNode total = this.http.get()
				.uri("/api/billing/usage?groupBy=model")
				.headers(TestTrust.asUser("billing-service", key.userId(), "free"))
				.exchange()
				.expectBody(JsonNode.class)
				.returnResult()
				.getResponseBody()
				.path("total");
			assertThat(total.path("requests").asLong()).isEqualTo(3);
			assertThat(total.path("totalTokens").asLong()).isEqualTo(billed);
		});
	}

	@Test
	void holdsEveryCallToItsAliasOutputLimit() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "pro");
		String huge = chat("standard", true, true, "hi").replace("\"stream\":true",
				"\"stream\":true,\"max_tokens\":1000000");
		post(key, huge).expectStatus().isOk().expectBody(byte[].class).returnResult();
		assertThat(this.json.readTree(fake.last().body()).path("max_tokens").asLong()).isEqualTo(8192);

		String completion = chat("pro", false, false, "hi").replace("\"stream\":false",
				"\"stream\":false,\"max_completion_tokens\":99999");
		post(key, completion).expectStatus().isOk();
		JsonNode forwarded = this.json.readTree(fake.last().body());
		assertThat(forwarded.path("max_completion_tokens").asLong()).isEqualTo(16384);
		assertThat(forwarded.has("max_tokens")).isFalse();

		post(key, chat("standard", false, false, "hi")).expectStatus().isOk();
		assertThat(this.json.readTree(fake.last().body()).path("max_tokens").asLong()).isEqualTo(8192);

		String modest = chat("standard", false, false, "hi").replace("\"stream\":false",
				"\"stream\":false,\"max_tokens\":300");
		post(key, modest).expectStatus().isOk();
		assertThat(fake.last().body()).contains("\"max_tokens\":300");
	}

	@Test
	void refusesMoreThanOneChoiceAndSaysWhy() {
		Key key = this.keys.forNewUser();
		post(key, chat("standard", true, true, "hi").replace("\"stream\":true", "\"stream\":true,\"n\":4"))
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.param")
			.isEqualTo("n")
			.jsonPath("$.error.type")
			.isEqualTo("invalid_request_error")
			.jsonPath("$.error.message")
			.value((String message) -> assertThat(message).contains("'n' must be 1").contains("billed as one answer"));
		assertThat(fake.calls("primary")).isZero();
		post(key, chat("standard", false, false, "hi").replace("\"stream\":false", "\"stream\":false,\"n\":1"))
			.expectStatus()
			.isOk();
		assertThat(this.json.readTree(fake.last().body()).path("n").asInt()).isEqualTo(1);
		// The refused call's reservation was released.
		await().untilAsserted(() -> assertThat(this.http.get()
			.uri("/api/billing/quota")
			.headers(TestTrust.asUser("billing-service", key.userId(), "free"))
			.exchange()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.path("reserved")
			.asLong()).isZero());
	}

	@Test
	void asksForUsageItselfAndStripsThatChunkAgain() {
		Key key = this.keys.forNewUser();
		List<String> events = FakeUpstream.events(true);
		String usageChunk = events.get(events.size() - 2);
		EntityExchangeResult<byte[]> result = post(key, chat("lingxi/standard", true, false, "hi")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult();
		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8))
			.isEqualTo(joined(events.stream().filter((event) -> !event.equals(usageChunk)).toList()));
		assertThat(this.json.readTree(fake.last().body()).path("stream_options").path("include_usage").asBoolean())
			.isTrue();
		Map<String, Object> row = this.rows.await(result.getResponseHeaders().getFirst("X-Request-Id"));
		assertThat(row).containsEntry("input_tokens", FakeUpstream.PROMPT_TOKENS)
			.containsEntry("output_tokens", FakeUpstream.COMPLETION_TOKENS);
	}

	@Test
	void relaysAWholeAnswerWhenNotStreamed() {
		Key key = this.keys.forNewUser();
		EntityExchangeResult<byte[]> result = post(key, chat("standard", false, false, "hi")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult();
		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).isEqualTo(FakeUpstream.document(true));
		Map<String, Object> row = this.rows.await(result.getResponseHeaders().getFirst("X-Request-Id"));
		assertThat(row).containsEntry("input_tokens", 321L)
			.containsEntry("output_tokens", 9L)
			.containsEntry("stream", false);
	}

	@Test
	void billsWhatWasGeneratedWhenTheClientHangsUpMidStream() throws Exception {
		Key key = this.keys.forNewUser();
		String body = chat("standard", true, true, "#slow tell me a story");
		String requestId;
		try (Socket socket = new Socket("127.0.0.1", this.proxyPort)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + key.bearer()
					+ "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n")
				.getBytes(StandardCharsets.UTF_8));
			out.write(bytes);
			out.flush();
			InputStream in = socket.getInputStream();
			ByteArrayOutputStream received = new ByteArrayOutputStream();
			byte[] buffer = new byte[4096];
			while (count(received.toString(StandardCharsets.UTF_8), "data: ") < 4) {
				int read = in.read(buffer);
				assertThat(read).isPositive();
				received.write(buffer, 0, read);
			}
			String head = received.toString(StandardCharsets.UTF_8);
			requestId = head.replaceAll("(?s).*X-Request-Id: ([^\r\n]+).*", "$1");
		}
		Map<String, Object> row = this.rows.await(requestId);
		assertThat(row).containsEntry("status", "client_closed").containsEntry("usage_source", "estimate");
		assertThat((Long) row.get("input_tokens")).isGreaterThan(10L);
		assertThat((Long) row.get("output_tokens")).isPositive().isLessThan(FakeUpstream.COMPLETION_TOKENS);
		// Never billed twice: still one row once the upstream stream would have ended.
		Thread.sleep(2500);
		assertThat(this.rows.of(requestId)).hasSize(1);
	}

	@Test
	void anUpstreamThatStallsMidStreamEndsTheStreamWithAnErrorAndIsBilledForWhatCame() {
		Key key = this.keys.forNewUser();
		EntityExchangeResult<byte[]> result = post(key, chat("standard", true, true, "#hang")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult();
		String text = new String(result.getResponseBody(), StandardCharsets.UTF_8);
		assertThat(text).startsWith(joined(FakeUpstream.events(true).subList(0, 4)))
			.contains("\"code\":\"upstream_error\"")
			.doesNotContain("[DONE]");
		Map<String, Object> row = this.rows.await(result.getResponseHeaders().getFirst("X-Request-Id"));
		assertThat(row).containsEntry("status", "upstream_error").containsEntry("usage_source", "estimate");
		assertThat((Long) row.get("output_tokens")).isPositive();
	}

	@Test
	void failsOverToTheNextUpstreamOn5xxAndOnConnectionErrors() {
		Key key = this.keys.forNewUser();
		fake.mode("primary", FakeUpstream.Mode.FAIL_500);
		EntityExchangeResult<byte[]> result = post(key, chat("standard", true, true, "hi")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult();
		assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8))
			.isEqualTo(joined(FakeUpstream.events(true)));
		assertThat(fake.calls("primary")).isEqualTo(1);
		assertThat(fake.calls("backup")).isEqualTo(1);
		assertThat(this.rows.await(result.getResponseHeaders().getFirst("X-Request-Id")))
			.containsEntry("upstream", "backup")
			.containsEntry("upstream_model", "backup-standard");

		fake.mode("backup", FakeUpstream.Mode.FAIL_429);
		post(key, chat("standard", true, true, "hi")).expectStatus()
			.isEqualTo(HttpStatus.BAD_GATEWAY)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("upstream_unavailable");
		fake.reset();

		Key team = this.keys.forNewUser();
		this.keys.plan(team.userId(), "team");
		EntityExchangeResult<byte[]> viaDead = post(team, chat("standard", true, true, "hi")).expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult();
		assertThat(this.rows.await(viaDead.getResponseHeaders().getFirst("X-Request-Id"))).containsEntry("upstream",
				"primary");
	}

	@Test
	void anOpenCircuitSkipsAFailingUpstream() {
		Key key = this.keys.forNewUser();
		this.keys.plan(key.userId(), "pro");
		fake.mode("flaky", FakeUpstream.Mode.FAIL_500);
		for (int i = 0; i < 4; i++) {
			post(key, chat("pro", true, true, "hi")).expectStatus().isOk().expectBody(byte[].class).returnResult();
		}
		assertThat(fake.calls("flaky")).isEqualTo(2);
		assertThat(fake.calls("primary")).isEqualTo(4);
	}

	@Test
	void passesAnUpstreamsOwnClientErrorThroughWithoutTryingAnother() {
		Key key = this.keys.forNewUser();
		post(key, chat("standard", true, true, "#reject")).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("context_length_exceeded")
			.jsonPath("$.error.type")
			.isEqualTo("invalid_request_error");
		assertThat(fake.calls("backup")).isZero();
	}

	@Test
	void refusesMissingUnknownAndRevokedKeysWith401() {
		post(null, chat("standard", true, true, "hi")).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("missing_api_key");
		post(new Key(null, "lx-not-a-real-key", null, null), chat("standard", true, true, "hi")).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalid_api_key")
			.jsonPath("$.error.type")
			.isEqualTo("invalid_request_error");

		Key key = this.keys.forNewUser();
		post(key, chat("standard", false, false, "hi")).expectStatus().isOk();
		this.http.delete()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNoContent();
		post(key, chat("standard", false, false, "hi")).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("invalid_api_key");
		assertThat(fake.calls("primary")).isEqualTo(1);
	}

	@Test
	void refusesMalformedHugeAndUnknownRequestsInOpenAiFormat() {
		Key key = this.keys.forNewUser();
		post(key, "{not json").expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.error.type")
			.isEqualTo("invalid_request_error");
		post(key, "{\"model\":\"standard\"}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.error.param")
			.isEqualTo("messages");
		post(key,
				"{\"model\":\"standard\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000)
						+ "\"}]}")
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("request_too_large");
		post(key, chat("gpt-9", true, true, "hi")).expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("model_not_found");
		// The free plan has no 'pro'.
		post(key, chat("pro", true, true, "hi")).expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("model_not_found");
		this.proxy.post()
			.uri("/v1/embeddings")
			.header("Authorization", key.bearer())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.code")
			.isEqualTo("unknown_url");
		this.proxy.get()
			.uri("/v1/chat/completions")
			.header("Authorization", key.bearer())
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.error.message")
			.isEqualTo("Unknown request URL: GET /v1/chat/completions.");
		assertThat(fake.calls("primary")).isZero();
	}

	@Test
	void aKeyNotYetBoundToAUserGetsALocalUnbilledWarmUpAnswer() {
		Key key = this.keys.unbound();
		String streamed = new String(post(key, chat("standard", true, true, "warm up")).expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("X-Lingxi-Warmup", "true")
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody(), StandardCharsets.UTF_8);
		assertThat(streamed).startsWith("data: {")
			.contains("[Lingxi warm-up]")
			.contains("\"usage\":{\"prompt_tokens\":")
			.endsWith("data: [DONE]\n\n");
		post(key, chat("standard", false, false, "warm up")).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.object")
			.isEqualTo("chat.completion")
			.jsonPath("$.choices[0].message.content")
			.value((String content) -> assertThat(content).startsWith("[Lingxi warm-up]"))
			.jsonPath("$.usage.completion_tokens")
			.value((Integer tokens) -> assertThat(tokens).isPositive());
		assertThat(fake.received()).isEmpty();
		assertThat(this.rows.count("SELECT count(*) FROM usage_logs WHERE instance_id = '" + key.instanceId() + "'"))
			.isZero();
	}

	@Test
	void listsTheModelsTheKeysPlanAllows() {
		Key free = this.keys.forNewUser();
		this.proxy.get()
			.uri("/v1/models")
			.header("Authorization", free.bearer())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.object")
			.isEqualTo("list")
			.jsonPath("$.data[*].id")
			.isEqualTo(List.of("standard"));
		Key pro = this.keys.forNewUser();
		this.keys.plan(pro.userId(), "pro");
		this.proxy.get()
			.uri("/v1/models")
			.header("Authorization", pro.bearer())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.data[*].id")
			.isEqualTo(List.of("standard", "pro"));
		this.proxy.get()
			.uri("/v1/models/lingxi/pro")
			.header("Authorization", free.bearer())
			.exchange()
			.expectStatus()
			.isNotFound();
		this.proxy.get().uri("/v1/models").exchange().expectStatus().isUnauthorized();
	}

	private static int count(String text, String needle) {
		int count = 0;
		for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
			count++;
		}
		return count;
	}

}
