package com.lingxi.instance.chat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.FakePlatform;
import com.lingxi.instance.LocalGatewayCleanup;
import com.lingxi.instance.LocalGateways;
import com.lingxi.instance.lifecycle.Lifecycle;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Chatting with an agent through the platform: the answer streams from the user's own
 * real OpenClaw gateway (whose model is a local test endpoint), conversations continue in
 * the same gateway session, API users get the OpenAI format, the console's WebSocket
 * opens with a single-use ticket, and a hibernated gateway wakes for a chat.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
@Import(LocalGatewayCleanup.class)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChatThroughGatewayTests {

	static final FakeModel model = new FakeModel();

	static final FakePlatform platform = new FakePlatform();

	static final UUID alice = Ids.uuidV7();

	static final UUID bob = Ids.uuidV7();

	static final String ANSWER = "Hello from the test model.";

	static final JsonMapper json = JsonMapper.builder().build();

	static UUID conversation;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws Exception {
		LocalGateways.register(registry, platform, model, "chat", 23000);
		registry.add("lingxi.instances.pool.target", () -> "1");
		registry.add("lingxi.instances.warm-up", () -> "false");
		registry.add("lingxi.instances.max-message-size", () -> "1KB");
	}

	@AfterAll
	static void stop() {
		model.stop();
		platform.stop();
	}

	@Autowired
	Instances instances;

	@Autowired
	Lifecycle lifecycle;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	@Autowired
	DatabaseClient db;

	@Autowired
	WebTestClient http;

	@LocalServerPort
	int port;

	@BeforeEach
	void patientClient() {
		this.http = this.http.mutate().responseTimeout(Duration.ofSeconds(180)).build();
	}

	private Instance alicesInstance() {
		return this.instances.byUser(alice).block();
	}

	@Test
	@Order(1)
	void aliceGetsAReadyInstance() {
		platform.configure(alice, 1, Bundles.bundle(List.of("assistant", "coder"), "v1"));
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, alice,
					new UserRegistered(alice, "free", "Alice", Instant.now())))
			.block();
		await().atMost(Duration.ofSeconds(180)).until(() -> {
			Instance mine = alicesInstance();
			return mine != null && mine.state() == InstanceState.READY;
		});
	}

	@Test
	@Order(2)
	void theAnswerStreamsFromTheUsersGateway() {
		model.requests.clear();
		List<ServerSentEvent<String>> events = chat(alice,
				Map.of("agentId", "coder", "message", "Write me a haiku about queues"));

		assertThat(events).extracting(ServerSentEvent::event).contains("delta").last().isEqualTo("done");
		String answer = String.join("",
				events.stream().filter((event) -> "delta".equals(event.event())).map(this::content).toList());
		assertThat(answer).isEqualTo(ANSWER);
		JsonNode done = json.readTree(events.get(events.size() - 1).data());
		conversation = UUID.fromString(done.path("conversationId").asString());
		assertThat(model.requests).anySatisfy((request) -> {
			assertThat(request.path("lingxi_agent").asString()).isEqualTo("coder");
			assertThat(request.toString()).contains("Write me a haiku about queues");
		});
		await().atMost(Duration.ofSeconds(5)).until(() -> alicesInstance().lastActivityAt() != null);
	}

	@Test
	@Order(3)
	void aConversationContinuesInTheSameGatewaySession() {
		model.requests.clear();
		List<ServerSentEvent<String>> events = chat(alice,
				Map.of("agentId", "coder", "conversationId", conversation.toString(), "message", "Another one"));
		assertThat(events).extracting(ServerSentEvent::event).last().isEqualTo("done");
		// The gateway keeps the session: the model sees the earlier exchange.
		assertThat(model.requests).anySatisfy((request) -> assertThat(request.path("messages").toString())
			.contains("Write me a haiku about queues", ANSWER, "Another one"));

		await().atMost(Duration.ofSeconds(5))
			.untilAsserted(() -> this.http.get()
				.uri("/api/instance/conversations/{id}", conversation)
				.headers(TestTrust.asUser("instance-service", alice, "free"))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.conversation.agentId")
				.isEqualTo("coder")
				.jsonPath("$.messages.length()")
				.isEqualTo(4)
				.jsonPath("$.messages[0].content")
				.isEqualTo("Write me a haiku about queues")
				.jsonPath("$.messages[3].role")
				.isEqualTo("assistant")
				.jsonPath("$.messages[3].content")
				.isEqualTo(ANSWER));
		this.http.get()
			.uri("/api/instance/conversations")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.conversations[0].id")
			.isEqualTo(conversation.toString())
			.jsonPath("$.conversations[0].title")
			.isEqualTo("Write me a haiku about queues");
	}

	@Test
	@Order(4)
	void badChatsAreProblems() {
		problem(alice, Map.of("agentId", "inventor", "message", "hi"), 404, "unknown-agent");
		problem(alice, Map.of("agentId", "coder", "message", "x".repeat(2000)), 413, "payload-too-large");
		problem(alice, Map.of("agentId", "coder", "message", "  "), 400, "validation");
		problem(alice, Map.of("agentId", "../etc", "message", "hi"), 400, "validation");
		problem(alice, Map.of("agentId", "assistant", "conversationId", conversation.toString(), "message", "hi"), 409,
				"conversation-agent-mismatch");
		problem(bob, Map.of("agentId", "assistant", "message", "hi"), 404, "no-instance");
	}

	@Test
	@Order(5)
	void aChatBeforeTheInstanceIsReadyIsAConflict() {
		UUID carol = Ids.uuidV7();
		this.db.sql("""
				INSERT INTO instances (id, user_id, state, runtime, gateway_token, restarts, error)
				VALUES (:id, :user, 'ERROR', 'local', 'x', 3, 'gateway exited with 78 (configuration error)')
				""").bind("id", Ids.uuidV7()).bind("user", carol).fetch().rowsUpdated().block();
		problem(carol, Map.of("agentId", "assistant", "message", "hi"), 409, "instance-not-ready");
	}

	@Test
	@Order(6)
	void anotherUserSeesNoneOfAlicesConversations() {
		this.http.get()
			.uri("/api/instance/conversations/{id}", conversation)
			.headers(TestTrust.asUser("instance-service", bob, "free"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.http.get()
			.uri("/api/instance/conversations")
			.headers(TestTrust.asUser("instance-service", bob, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.conversations.length()")
			.isEqualTo(0);
		problem(bob, Map.of("agentId", "coder", "conversationId", conversation.toString(), "message", "hi"), 404,
				"no-instance");
	}

	@Test
	@Order(7)
	void apiUsersGetTheOpenAiFormatWithoutSeeingTheGateway() {
		String body = this.http.post()
			.uri("/api/instance/v1/chat/completions")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", "openclaw/assistant", "messages",
					List.of(Map.of("role", "user", "content", "Say hello"))))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		JsonNode completion = json.readTree(body);
		assertThat(completion.path("choices").path(0).path("message").path("content").asString()).isEqualTo(ANSWER);
		Instance mine = alicesInstance();
		assertThat(body).doesNotContain(mine.endpoint()).doesNotContain(mine.ref("port"));

		List<String> chunks = this.http.post()
			.uri("/api/instance/v1/chat/completions")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", "coder", "stream", true, "messages",
					List.of(Map.of("role", "user", "content", "Say hello"))))
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
			.returnResult(String.class)
			.getResponseBody()
			.collectList()
			.block(Duration.ofSeconds(60));
		assertThat(chunks).last().isEqualTo("[DONE]");

		this.http.get()
			.uri("/api/instance/v1/models")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.data[*].id")
			.value((ids) -> assertThat((List<?>) ids).map(Object::toString)
				.contains("openclaw/assistant", "openclaw/coder"));

		this.http.post()
			.uri("/api/instance/v1/chat/completions")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", "gpt-4o", "messages", List.of(Map.of("role", "user", "content", "hi"))))
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectBody()
			.jsonPath("$.type")
			.value((type) -> assertThat(type.toString()).endsWith("unknown-agent"));
		this.http.post()
			.uri("/api/instance/v1/chat/completions")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", "openclaw/coder"))
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	@Order(8)
	void theConsoleChatsOverAWebSocketOpenedWithASingleUseTicket() {
		String ticket = this.http.post()
			.uri("/api/instance/ws-ticket")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.path("ticket")
			.asString();

		List<JsonNode> received = new CopyOnWriteArrayList<>();
		ReactorNettyWebSocketClient client = new ReactorNettyWebSocketClient();
		// The upgrade arrives through the gateway, as an anonymous request carrying the
		// ticket.
		HttpHeaders upgrade = new HttpHeaders();
		TestTrust.anonymous("instance-service").accept(upgrade);
		client
			.execute(URI.create("ws://127.0.0.1:" + this.port + "/api/instance/ws?ticket=" + ticket), upgrade,
					(session) -> session.send(Mono.just(session.textMessage(
							"{\"type\":\"chat\",\"ref\":\"q1\",\"agentId\":\"assistant\",\"message\":\"Hi there\"}")))
						.thenMany(session.receive()
							.map(WebSocketMessage::getPayloadAsText)
							.map(json::readTree)
							.doOnNext(received::add)
							.takeUntil((message) -> "q1".equals(message.path("ref").asString())
									&& List.of("done", "error").contains(message.path("type").asString())))
						.then())
			.block(Duration.ofSeconds(60));

		assertThat(received).first().satisfies((status) -> {
			assertThat(status.path("type").asString()).isEqualTo("status");
			assertThat(status.path("state").asString()).isEqualTo("READY");
		});
		assertThat(received).filteredOn((message) -> "delta".equals(message.path("type").asString()))
			.extracting((message) -> message.path("content").asString())
			.containsExactly("Hello", " from", " the", " test", " model.");
		assertThat(received).last().satisfies((done) -> assertThat(done.path("type").asString()).isEqualTo("done"));

		// The ticket was used up; no ticket at all is refused the same way.
		for (String query : List.of("?ticket=" + ticket, "")) {
			this.http.get()
				.uri("/api/instance/ws" + query)
				.header("Upgrade", "websocket")
				.header("Connection", "Upgrade")
				.header("Sec-WebSocket-Version", "13")
				.header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
		}
	}

	@Test
	@Order(9)
	void theControlUiLinkIsRefusedWithItsReason() {
		this.http.get()
			.uri("/api/instance/chat-url")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isEqualTo(501)
			.expectBody()
			.jsonPath("$.detail")
			.value((detail) -> assertThat(detail.toString()).contains("operator token"));
	}

	@Test
	@Order(10)
	void aHibernatedInstanceWakesForAChatAndShowsProgress() {
		Instance before = alicesInstance();
		this.lifecycle.hibernate(before, Duration.ofMinutes(30)).block();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> ProcessHandle.of(Long.parseLong(before.ref("pid"))).map((p) -> !p.isAlive()).orElse(true));
		assertThat(alicesInstance().state()).isEqualTo(InstanceState.HIBERNATED);

		List<ServerSentEvent<String>> events = chat(alice, Map.of("agentId", "coder", "message", "Are you awake?"));

		assertThat(events).extracting(ServerSentEvent::event)
			.startsWith("progress")
			.contains("delta")
			.last()
			.isEqualTo("done");
		Instance after = alicesInstance();
		assertThat(after.state()).isEqualTo(InstanceState.READY);
		assertThat(after.id()).as("woken, not replaced").isEqualTo(before.id());
		assertThat(after.ref("pid")).isNotEqualTo(before.ref("pid"));
	}

	private List<ServerSentEvent<String>> chat(UUID user, Map<String, Object> request) {
		Flux<ServerSentEvent<String>> events = this.http.post()
			.uri("/api/instance/chat")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.bodyValue(request)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody();
		return events.collectList().block(Duration.ofSeconds(180));
	}

	private String content(ServerSentEvent<String> delta) {
		return json.readTree(Objects.requireNonNull(delta.data())).path("content").asString();
	}

	private void problem(UUID user, Map<String, Object> request, int status, String type) {
		this.http.post()
			.uri("/api/instance/chat")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(request)
			.exchange()
			.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.value((value) -> assertThat(value.toString()).endsWith("/" + type));
	}

}
