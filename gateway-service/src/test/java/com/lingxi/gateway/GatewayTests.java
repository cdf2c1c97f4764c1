package com.lingxi.gateway;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.PlainJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.InvalidCredentialException;
import com.lingxi.common.trust.TrustHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The gateway in front of a stand-in backend, with real Redis. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class GatewayTests {

	static final TestBackend backend = new TestBackend();

	static final int closedPort = closedPort();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestGateway.properties(registry, "gateway", backend, "user-service", "agent-service", "billing-service",
				"config-service");
		registry.add("spring.cloud.discovery.client.simple.instances.instance-service[0].uri",
				() -> "http://127.0.0.1:" + closedPort);
		registry.add("lingxi.gateway.max-body-size", () -> "4KB");
		registry.add("lingxi.gateway.jwt.verifications-per-second", () -> "0");
		registry.add("lingxi.gateway.rate-limit.anonymous.requests-per-second", () -> "1");
		registry.add("lingxi.gateway.rate-limit.anonymous.burst", () -> "3");
		registry.add("lingxi.gateway.rate-limit.plans.free.requests-per-second", () -> "1000");
		registry.add("lingxi.gateway.rate-limit.plans.free.burst", () -> "1000");
		registry.add("lingxi.gateway.route-timeouts.config-service", () -> "1s");
	}

	@AfterAll
	static void stop() {
		backend.stop();
	}

	@Autowired
	WebTestClient http;

	@org.springframework.boot.test.web.server.LocalServerPort
	int port;

	@Autowired
	LingxiRedis redis;

	private JsonNode echo(WebTestClient.RequestHeadersSpec<?> request) {
		return request.exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	private String clientIp() {
		return "10.0." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
	}

	/**
	 * What the gateway signed for the service a request reached, checked with that
	 * service's key.
	 */
	private static EdgeAssertion asserted(JsonNode seen, String service) {
		String token = seen.path("headers").path("x-lingxi-edge").asString();
		return new EdgeAssertions.Verifier(service,
				EdgeAssertions.decodeKey(TestTrust.edgeKey(service), "lingxi.trust.edge-key"), Duration.ofSeconds(30),
				Clock.systemUTC())
			.verify(token);
	}

	@Test
	void authenticatedRequestsReachTheServiceWithAnAssertionOfTheVerifiedUserOnly() {
		UUID user = UUID.randomUUID();
		JsonNode seen = echo(this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + backend.token(user, "pro"))
			.header("X-User-Id", UUID.randomUUID().toString())
			.header("X-User-Plan", "enterprise")
			.header("X-User-Admin", "true")
			.header("X-Client-Ip", "1.2.3.4")
			.header(TrustHeaders.EDGE, TestTrust.edgeAssertion("user-service", UUID.randomUUID(), "enterprise"))
			.header(TrustHeaders.SERVICE, TestTrust.serviceToken("instance-service", "user-service")));
		JsonNode headers = seen.path("headers");
		EdgeAssertion assertion = asserted(seen, "user-service");
		assertThat(assertion.userId()).isEqualTo(user);
		assertThat(assertion.plan()).isEqualTo("pro");
		assertThat(assertion.clientIp()).isEqualTo("127.0.0.1");
		assertThat(assertion.requestId()).isEqualTo(headers.path("x-request-id").asString()).isNotBlank();
		assertThat(headers.has("x-user-id")).isFalse();
		assertThat(headers.has("x-user-plan")).isFalse();
		assertThat(headers.has("x-user-admin")).isFalse();
		assertThat(headers.has("x-lingxi-service")).isFalse();
		// Meant for user-service: no other service would accept it.
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> asserted(seen, "agent-service"));
		EdgeAssertion forAgents = asserted(echo(
				this.http.get().uri("/api/agents").header("Authorization", "Bearer " + backend.token(user, "pro"))),
				"agent-service");
		assertThat(forAgents.userId()).isEqualTo(user);
	}

	@Test
	void spoofedIdentityWithoutATokenIsRefused() {
		this.http.get()
			.uri("/api/user/profile")
			.header("X-User-Id", UUID.randomUUID().toString())
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.exists("WWW-Authenticate");
		// On a public path the spoofed header is dropped, not forwarded.
		JsonNode seen = echo(this.http.post()
			.uri("/api/auth/login")
			.header("X-User-Id", UUID.randomUUID().toString())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}"));
		assertThat(seen.path("headers").has("x-user-id")).isFalse();
		EdgeAssertion anonymous = asserted(seen, "user-service");
		assertThat(anonymous.userId()).isNull();
		assertThat(anonymous.clientIp()).isEqualTo("127.0.0.1");
	}

	@Test
	void badTokensAreRefusedWithAReason() throws Exception {
		UUID user = UUID.randomUUID();
		String good = backend.token(user, "free");
		String[] parts = good.split("\\.");

		String expired = backend.token(user, "free", Instant.now().minus(Duration.ofMinutes(5)), TestBackend.ISSUER,
				"lingxi-api", backend.key);
		String forgedClaims = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
				.replace(user.toString(), UUID.randomUUID().toString())
				.getBytes(StandardCharsets.UTF_8));
		String tampered = parts[0] + "." + forgedClaims + "." + parts[2];
		String none = new PlainJWT(new JWTClaimsSet.Builder().subject(user.toString())
			.issuer(TestBackend.ISSUER)
			.audience("lingxi-api")
			.jwtID("x")
			.expirationTime(java.util.Date.from(Instant.now().plusSeconds(600)))
			.build()).serialize();
		SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("test-key-1").build(),
				SignedJWT.parse(good).getJWTClaimsSet());
		hmac.sign(new MACSigner(backend.key.toPublicJWK().toJSONString().repeat(2).getBytes(StandardCharsets.UTF_8)));
		ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("test-key-1").generate();
		String foreignSignature = backend.token(user, "free", Instant.now().plusSeconds(600), TestBackend.ISSUER,
				"lingxi-api", stranger);
		ECKey unknownKid = new ECKeyGenerator(Curve.P_256).keyID("nobody-knows-me").generate();
		String unknown = backend.token(user, "free", Instant.now().plusSeconds(600), TestBackend.ISSUER, "lingxi-api",
				unknownKid);
		String wrongIssuer = backend.token(user, "free", Instant.now().plusSeconds(600), "https://evil.example",
				"lingxi-api", backend.key);
		String wrongAudience = backend.token(user, "free", Instant.now().plusSeconds(600), TestBackend.ISSUER,
				"other-api", backend.key);

		Map<String, String> cases = Map.of("expired", expired, "tampered", tampered, "alg none", none, "hs256",
				hmac.serialize(), "foreign signature", foreignSignature, "unknown kid", unknown, "wrong issuer",
				wrongIssuer, "wrong audience", wrongAudience, "garbage", "abc.def");
		cases.forEach((name, token) -> this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + token)
			.exchange()
			.expectStatus()
			.value((status) -> assertThat(status).as(name).isEqualTo(401))
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unauthorized"));
	}

	@Test
	void signedOutTokensAreRefused() throws Exception {
		String token = backend.token(UUID.randomUUID(), "free");
		this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + token)
			.exchange()
			.expectStatus()
			.isOk();
		String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
		this.redis.commands().flatMap((r) -> r.psetex(DeniedTokens.key(this.redis, jti), 60_000, "logout")).block();
		this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + token)
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("The access token was signed out.");
	}

	@Test
	void anonymousCallersAreRateLimitedPerAddressWithRetryAfter() {
		String ip = clientIp();
		// The gateway trusts no proxy here, so each test client is 127.0.0.1: use a fresh
		// bucket.
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("ratelimit", "ip:127.0.0.1"))).block();
		for (int i = 0; i < 3; i++) {
			this.http.post()
				.uri("/api/auth/sms-code")
				.header("X-Forwarded-For", ip)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{}")
				.exchange()
				.expectStatus()
				.isOk()
				.expectHeader()
				.valueEquals("X-RateLimit-Limit", "3");
		}
		String retryAfter = this.http.post()
			.uri("/api/auth/sms-code")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/rate-limited")
			.returnResult()
			.getResponseHeaders()
			.getFirst("Retry-After");
		assertThat(Integer.parseInt(retryAfter)).isBetween(1, 2);
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("ratelimit", "ip:127.0.0.1"))).block();
	}

	@Test
	void aServiceThatIsDownIsA503ProblemNamingIt() {
		this.http.get()
			.uri("/api/instance/status")
			.header("Authorization", "Bearer " + backend.token(UUID.randomUUID(), "free"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.service")
			.isEqualTo("instance-service");
	}

	@Test
	void aServiceThatIsTooSlowIsA504() {
		this.http.get()
			.uri("/api/config/slow")
			.header("Authorization", "Bearer " + backend.token(UUID.randomUUID(), "free"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.GATEWAY_TIMEOUT)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/gateway-timeout");
	}

	@Test
	void unknownRoutesAndInternalEndpointsAre404() {
		String token = "Bearer " + backend.token(UUID.randomUUID(), "free");
		this.http.get()
			.uri("/api/nothing-here")
			.header("Authorization", token)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		this.http.get().uri("/internal/users/x").header("Authorization", token).exchange().expectStatus().isNotFound();
	}

	@Test
	void pathTricksNeverReachAServiceLetAloneItsInternalEndpoints() throws Exception {
		String token = "Bearer " + backend.token(UUID.randomUUID(), "free");
		for (String path : new String[] { "/api/agents/../../internal/users/x/team",
				"/api/agents/%2e%2e/%2e%2e/internal/users/x/team", "/api/agents/..%2f..%2finternal/users/x/team",
				"//internal/users/x/team", "/api/agents/..;/..;/internal/users/x/team", "/api/agents%5c..%5cinternal",
				"/internal/users/x/team", "/actuator/health", "/api/agents/%2561ctuator" }) {
			String answer = raw("GET " + path + " HTTP/1.1\r\nHost: lingxi\r\nAuthorization: " + token
					+ "\r\nConnection: close\r\n\r\n");
			assertThat(answer).as(path).matches("(?s)HTTP/1.1 (400|404) .*");
			assertThat(answer).as(path).doesNotContain("\"bodyBytes\"");
		}
	}

	private int port() {
		return this.port;
	}

	private String raw(String request) throws Exception {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port())) {
			socket.setSoTimeout(10000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
			socket.getOutputStream().flush();
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	@Test
	void oversizedBodiesAre413BeforeReachingAService() {
		String token = "Bearer " + backend.token(UUID.randomUUID(), "free");
		this.http.put()
			.uri("/api/user/profile")
			.header("Authorization", token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"nickname\":\"" + "x".repeat(5000) + "\"}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/payload-too-large");
	}

	@Test
	void responsesCarrySecurityHeadersAndTheRequestId() {
		this.http.get()
			.uri("/.well-known/jwks.json")
			.header("X-Request-Id", "client-chosen-1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("X-Request-Id", "client-chosen-1")
			.expectHeader()
			.valueEquals("X-Content-Type-Options", "nosniff")
			.expectHeader()
			.valueEquals("X-Frame-Options", "DENY");
	}

	@Test
	void corsPreflightFromTheConsoleOriginNeedsNoToken() {
		this.http.options()
			.uri("/api/user/profile")
			.header("Origin", "http://localhost:8080")
			.header("Access-Control-Request-Method", "PUT")
			.header("Access-Control-Request-Headers", "Authorization,Content-Type")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("Access-Control-Allow-Origin", "http://localhost:8080");
		this.http.options()
			.uri("/api/user/profile")
			.header("Origin", "https://evil.example")
			.header("Access-Control-Request-Method", "PUT")
			.exchange()
			.expectStatus()
			.isForbidden();
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
