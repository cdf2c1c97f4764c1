package com.lingxi.instance.chat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.common.test.ProblemBodies;
import com.lingxi.instance.gateway.ChatTimeouts;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Chats whose gateway misbehaves, through the platform's chat endpoints: a gateway that
 * never answers and one that falls silent mid-answer end the chat with a
 * {@code gateway-timeout} instead of hanging; a gateway that cannot be reached or fails
 * is a {@code gateway-failed} whose detail does not say where the gateway is or what
 * exception the platform met. The users' gateways are stand-ins (a local HTTP server)
 * registered as READY instances; no real gateway runs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT60S")
@IntegrationTest
@Import(ChatGatewayFailureTests.FastTimeouts.class)
class ChatGatewayFailureTests {

	static final ChatTimeouts TIMEOUTS = new ChatTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2),
			Duration.ofSeconds(3));

	static final JsonMapper json = JsonMapper.builder().build();

	/** A gateway that lists its agents but never answers a chat. */
	static final DisposableServer silent = gateway((request, response) -> request.receive().then().then(Mono.never()));

	/** A gateway that starts answering and then falls silent. */
	static final DisposableServer stalling = gateway((request, response) -> request.receive()
		.then()
		.thenMany(response.header("Content-Type", "text/event-stream")
			.sendString(Flux
				.just("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n",
						"data: {\"choices\":[{\"delta\":{\"content\":\"Let me think\"}}]}\n\n")
				.concatWith(Flux.never())))
		.then());

	/**
	 * A gateway that lists its agents and fails every chat, as OpenClaw does when its
	 * model is down.
	 */
	static final DisposableServer failing = gateway((request, response) -> request.receive()
		.then()
		.then(response.status(500)
			.header("Content-Type", "application/json")
			.sendString(Mono.just("{\"error\":{\"message\":\"Error: connect ECONNREFUSED 127.0.0.1:8086\"}}"))
			.then()));

	/** Where no gateway listens. */
	static final int closedPort = closedPort();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws Exception {
		registry.add("lingxi.instances.pool.target", () -> "0");
		registry.add("lingxi.instances.reconcile-interval", () -> "1h");
		String directory = Files.createTempDirectory("lingxi-instances-chat-failures").toString();
		registry.add("lingxi.instances.local.directory", () -> directory);
	}

	@AfterAll
	static void stop() {
		silent.disposeNow();
		stalling.disposeNow();
		failing.disposeNow();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	@Autowired
	InstanceSecrets secrets;

	interface Chat {

		Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response);

	}

	static DisposableServer gateway(Chat chat) {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes
				.get("/v1/models",
						(request, response) -> response.header("Content-Type", "application/json")
							.sendString(Mono.just("{\"object\":\"list\",\"data\":[{\"id\":\"openclaw/assistant\"}]}")))
				.post("/v1/chat/completions", chat::handle))
			.bindNow();
	}

	/** A user whose READY instance is the gateway at {@code endpoint}. */
	UUID userWithGateway(String endpoint) {
		UUID user = Ids.uuidV7();
		UUID instance = Ids.uuidV7();
		this.db.sql("""
				INSERT INTO instances (id, user_id, state, runtime, endpoint, gateway_token, plan)
				VALUES (:id, :user, 'READY', 'local', :endpoint, :token, 'free')
				""")
			.bind("id", instance)
			.bind("user", user)
			.bind("endpoint", endpoint)
			.bind("token", this.secrets.seal(instance, InstanceSecrets.newGatewayToken()))
			.fetch()
			.rowsUpdated()
			.block();
		return user;
	}

	static String url(DisposableServer server) {
		return "http://127.0.0.1:" + server.port();
	}

	List<ServerSentEvent<String>> chat(UUID user) {
		return this.http.post()
			.uri("/api/instance/chat")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(Map.of("agentId", "assistant", "message", "hello"))
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			.collectList()
			.block(Duration.ofSeconds(60));
	}

	@Test
	void aChatWithAGatewayThatNeverAnswersEndsWithAGatewayTimeout() {
		UUID user = userWithGateway(url(silent));
		long started = System.nanoTime();
		List<ServerSentEvent<String>> events = chat(user);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
		assertThat(events).last().satisfies((event) -> {
			assertThat(event.event()).isEqualTo("error");
			assertThat(json.readTree(event.data()).path("problemType").asString()).endsWith("/gateway-timeout");
			ProblemBodies.assertShowsNothingInternal("error event", event.data());
		});

		this.http.post()
			.uri("/api/instance/v1/chat/completions")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("model", "openclaw/assistant", "messages",
					List.of(Map.of("role", "user", "content", "hello"))))
			.exchange()
			.expectStatus()
			.isEqualTo(504)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody(JsonNode.class)
			.value((problem) -> assertThat(problem.path("type").asString()).endsWith("/gateway-timeout"));
	}

	@Test
	void aChatWhoseGatewayFallsSilentMidAnswerEndsWithWhatCameAndAGatewayTimeout() {
		UUID user = userWithGateway(url(stalling));
		List<ServerSentEvent<String>> events = chat(user);
		assertThat(events).extracting(ServerSentEvent::event).containsExactly("delta", "error");
		assertThat(json.readTree(events.get(0).data()).path("content").asString()).isEqualTo("Let me think");
		assertThat(json.readTree(events.get(1).data()).path("problemType").asString()).endsWith("/gateway-timeout");
	}

	@Test
	void aGatewayThatCannotBeReachedIsA502ThatDoesNotSayWhere() {
		UUID user = userWithGateway("http://127.0.0.1:" + closedPort);
		List<WebTestClient.RequestHeadersSpec<?>> requests = List.of(
				this.http.post()
					.uri("/api/instance/chat")
					.accept(MediaType.TEXT_EVENT_STREAM, MediaType.APPLICATION_PROBLEM_JSON)
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("agentId", "assistant", "message", "hello")),
				this.http.get().uri("/api/instance/v1/models"),
				this.http.post()
					.uri("/api/instance/v1/chat/completions")
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("model", "openclaw/assistant", "messages",
							List.of(Map.of("role", "user", "content", "hello")))));
		for (WebTestClient.RequestHeadersSpec<?> request : requests) {
			String body = request.headers(TestTrust.asUser("instance-service", user, "free", "req-gw"))
				.exchange()
				.expectStatus()
				.isEqualTo(502)
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(body).contains("/gateway-failed").contains("\"requestId\":\"req-gw\"");
			ProblemBodies.assertShowsNothingInternal(body, body);
			assertThat(body).doesNotContain(Integer.toString(closedPort));
		}
	}

	@Test
	void aGatewayThatFailsTheChatEndsTheStreamWithAPlainError() {
		UUID user = userWithGateway(url(failing));
		List<ServerSentEvent<String>> events = chat(user);
		assertThat(events).extracting(ServerSentEvent::event).containsExactly("error");
		assertThat(json.readTree(events.get(0).data()).path("problemType").asString()).endsWith("/gateway-failed");
		ProblemBodies.assertShowsNothingInternal("error event", events.get(0).data());
		assertThat(events.get(0).data()).doesNotContain(Integer.toString(failing.port()))
			.doesNotContain("ECONNREFUSED");
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The service's gateway client with the short limits of this test. */
	@TestConfiguration(proxyBeanMethods = false)
	static class FastTimeouts {

		@Bean
		@Primary
		GatewayClient fastGatewayClient(WebClient.Builder http, JsonMapper json) {
			return new GatewayClient(http, json, TIMEOUTS);
		}

	}

}
