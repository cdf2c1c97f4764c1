package com.lingxi.gateway;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import com.lingxi.common.test.ProblemBodies;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every server error the gateway itself answers — a service that is down, one that has no
 * instance at all, one too slow, a WebSocket upgrade nobody takes — shows a stable type,
 * a plain detail and the request id, and nothing of the addresses behind it. The fallback
 * endpoint is not a page of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class GatewayErrorBodyTests {

	static final TestBackend backend = new TestBackend();

	static final int closedPort = closedPort();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestGateway.properties(registry, "gateway-errors", backend, "user-service", "agent-service", "config-service");
		// instance-service is registered but down; billing-service has no instance at
		// all.
		registry.add("spring.cloud.discovery.client.simple.instances.instance-service[0].uri",
				() -> "http://127.0.0.1:" + closedPort);
		registry.add("lingxi.gateway.rate-limit.plans.free.requests-per-second", () -> "1000");
		registry.add("lingxi.gateway.rate-limit.plans.free.burst", () -> "1000");
		registry.add("lingxi.gateway.rate-limit.anonymous.requests-per-second", () -> "1000");
		registry.add("lingxi.gateway.rate-limit.anonymous.burst", () -> "1000");
		registry.add("lingxi.gateway.route-timeouts.config-service", () -> "1s");
	}

	@AfterAll
	static void stop() {
		backend.stop();
	}

	@Autowired
	WebTestClient http;

	@LocalServerPort
	int port;

	@Test
	void serverErrorsAnsweredByTheGatewayShowNothingInternal() {
		String token = "Bearer " + backend.token(UUID.randomUUID(), "free");
		List<WebTestClient.RequestHeadersSpec<?>> requests = List.of(
				this.http.get().uri("/api/instance/status").header("Authorization", token),
				this.http.get().uri("/api/billing/plans"),
				this.http.get().uri("/api/config/slow").header("Authorization", token));
		for (WebTestClient.RequestHeadersSpec<?> request : requests) {
			WebTestClient.ResponseSpec response = request.header("X-Request-Id", "req-edge").exchange();
			String body = response.expectStatus()
				.is5xxServerError()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(body).contains("\"requestId\":\"req-edge\"")
				.contains("\"type\":\"https://lingxi.cloud/problems/")
				.contains("\"detail\":");
			ProblemBodies.assertShowsNothingInternal(body, body);
		}
	}

	@Test
	void aWebSocketToAServiceThatIsDownClosesWithoutSayingWhere() {
		CloseStatus[] closed = new CloseStatus[1];
		new ReactorNettyWebSocketClient()
			.execute(URI.create("ws://127.0.0.1:" + this.port + "/api/instance/ws?ticket=x"),
					(session) -> session.receive()
						.then()
						.then(session.closeStatus().doOnNext((status) -> closed[0] = status).then()))
			.onErrorResume((ex) -> Mono.empty())
			.block(Duration.ofSeconds(30));
		assertThat(closed[0]).isNotNull();
		ProblemBodies.assertShowsNothingInternal("close reason", String.valueOf(closed[0].getReason()));
	}

	@Test
	void theFallbackEndpointCannotBeCalledDirectly() {
		// (An encoded slash is refused before routing, as every ambiguous path is: 400.)
		for (String path : List.of("/fallback/instance-service", "/fallback/http:%2F%2F10.0.3.7:8082")) {
			this.http.get()
				.uri(path)
				.exchange()
				.expectStatus()
				.value((status) -> assertThat(status).isIn(400, 404))
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.detail")
				.value((String detail) -> assertThat(detail).doesNotContain("10.0.3.7"));
		}
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
