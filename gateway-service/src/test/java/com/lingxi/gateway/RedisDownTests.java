package com.lingxi.gateway;

import java.net.ServerSocket;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Redis unreachable the gateway fails open: requests pass without rate limits or the
 * signed-out check, and each one is counted for alerting.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class RedisDownTests {

	static final TestBackend backend = new TestBackend();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + backend.port());
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("spring.data.redis.port", RedisDownTests::closedPort);
		registry.add("lingxi.redis.command-timeout", () -> "300ms");
		registry.add("management.server.port", () -> "0");
		registry.add("lingxi.gateway.rate-limit.anonymous.burst", () -> "1");
	}

	@AfterAll
	static void stop() {
		backend.stop();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	MeterRegistry meters;

	@Test
	void requestsStillPassAndTheOutageIsCounted() {
		String token = "Bearer " + backend.token(UUID.randomUUID(), "free");
		for (int i = 0; i < 3; i++) {
			this.http.get().uri("/api/user/profile").header("Authorization", token).exchange().expectStatus().isOk();
			this.http.get().uri("/api/dev/sms/x").exchange().expectStatus().isOk();
		}
		assertThat(this.meters.get("lingxi.gateway.redis.unavailable").counter().count()).isEqualTo(6);
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
