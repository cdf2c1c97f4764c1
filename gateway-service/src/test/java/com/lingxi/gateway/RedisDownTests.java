package com.lingxi.gateway;

import java.time.Duration;
import java.util.UUID;

import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.test.OwnRedis;
import com.lingxi.common.test.TestTrust;
import com.lingxi.gateway.admission.SignedOutTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Redis gone, the gateway neither stops nor opens up: requests pass, a token signed
 * out before the outage stays refused, the rate limits hold per replica, and each such
 * decision is counted for alerting.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class RedisDownTests {

	static final TestBackend backend = new TestBackend();

	static final OwnRedis redisServer = OwnRedis.onFreePort().start();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.discovery.client.simple.instances.user-service[0].uri",
				() -> "http://127.0.0.1:" + backend.port());
		registry.add("spring.data.redis.host", () -> "127.0.0.1");
		registry.add("spring.data.redis.port", redisServer::port);
		registry.add("lingxi.redis.command-timeout", () -> "300ms");
		registry.add("management.server.port", () -> "0");
		TestTrust.properties("gateway-service").forEach((name, value) -> registry.add(name, () -> value));
		registry.add("lingxi.gateway.signed-out-refresh", () -> "200ms");
		registry.add("lingxi.gateway.rate-limit.anonymous.requests-per-second", () -> "0.01");
		registry.add("lingxi.gateway.rate-limit.anonymous.burst", () -> "3");
	}

	@AfterAll
	static void stop() {
		backend.stop();
		redisServer.close();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	MeterRegistry meters;

	@Autowired
	LingxiRedis redis;

	@Autowired
	SignedOutTokens signedOut;

	@Test
	void signedOutTokensStayRefusedAndLimitsHoldWhileRedisIsDown() throws Exception {
		String kept = "Bearer " + backend.token(UUID.randomUUID(), "free");
		String token = backend.token(UUID.randomUUID(), "free");
		String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
		String signedOutToken = "Bearer " + token;
		DeniedTokens.deny(this.redis, jti, Duration.ofMinutes(10)).block();
		this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", signedOutToken)
			.exchange()
			.expectStatus()
			.isUnauthorized();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.signedOut.contains(jti));

		redisServer.stop();
		double before = unavailable();
		this.http.get().uri("/api/user/profile").header("Authorization", kept).exchange().expectStatus().isOk();
		this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", signedOutToken)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("The access token was signed out.");
		// Anonymous callers: a burst of 3, then 429, from this gateway's own bucket.
		for (int i = 0; i < 3; i++) {
			this.http.get().uri("/api/dev/sms/x").exchange().expectStatus().isOk();
		}
		this.http.get()
			.uri("/api/dev/sms/x")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After");
		assertThat(unavailable() - before).isEqualTo(6);

		redisServer.start();
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> this.http.get()
				.uri("/api/user/profile")
				.header("Authorization", kept)
				.exchange()
				.expectStatus()
				.isOk());
	}

	private double unavailable() {
		return this.meters.get("lingxi.gateway.redis.unavailable").counter().count();
	}

}
