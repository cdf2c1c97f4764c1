package com.lingxi.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real user-service and gateway jars, started as processes on random ports against a
 * database of their own, walked through sign-up, login, profile, refresh and logout the
 * way a client would, plus the ways a client can get it wrong or try to cheat.
 */
class SignUpJourneyTests {

	private static final List<ServiceProcess> processes = new ArrayList<>();

	private static ApiClient api;

	private static WebTestClient gateway;

	@BeforeAll
	static void startPlatform() throws Exception {
		String database = TestInfrastructure.createDatabase("e2e");
		String namespace = TestInfrastructure.newRedisNamespace("e2e");
		int userPort = ServiceProcess.freePort();
		int gatewayPort = ServiceProcess.freePort();
		List<String> shared = ApiClient.sharedArguments(database, namespace, Map.of("user-service", userPort));
		List<String> user = new ArrayList<>(shared);
		user.addAll(List.of("--server.port=" + userPort,
				"--lingxi.crypto.keys.e2e=" + Base64.getEncoder().encodeToString(new byte[32]),
				"--lingxi.crypto.active-key=e2e", "--lingxi.sms.code-pepper=e2e-pepper-0123456789",
				// Short-lived access tokens, so that the journey can watch one expire.
				"--lingxi.auth.access-token-ttl=6s"));
		List<String> edge = new ArrayList<>(shared);
		edge.addAll(List.of("--server.port=" + gatewayPort, "--lingxi.gateway.jwt.clock-skew=0s",
				"--lingxi.gateway.max-body-size=64KB", "--lingxi.gateway.rate-limit.anonymous.requests-per-second=20",
				"--lingxi.gateway.rate-limit.anonymous.burst=60"));
		ServiceProcess users = ServiceProcess.start("user-service", user);
		processes.add(users);
		ServiceProcess edgeProcess = ServiceProcess.start("gateway-service", edge);
		processes.add(edgeProcess);
		users.awaitHealthy(Duration.ofSeconds(120));
		edgeProcess.awaitHealthy(Duration.ofSeconds(120));
		api = new ApiClient(gatewayPort);
		gateway = api.http();
	}

	@AfterAll
	static void stopPlatform() throws Exception {
		for (ServiceProcess process : processes) {
			process.close();
		}
	}

	private static String newPhone() {
		return ApiClient.newPhone();
	}

	private static WebTestClient.ResponseSpec post(String path, Object body) {
		return api.post(path, body);
	}

	private static WebTestClient.ResponseSpec get(String path, String token) {
		return api.get(path, token);
	}

	private static JsonNode json(WebTestClient.ResponseSpec response, HttpStatus status) {
		return ApiClient.json(response, status);
	}

	private static String code(String phone) {
		return api.code(phone);
	}

	private static JsonNode signUp(String phone) {
		return api.signUp(phone);
	}

	@Test
	void signUpLoginProfileRefreshLogout() {
		String phone = newPhone();
		JsonNode session = signUp(phone);
		String userId = session.path("user").path("id").asString();
		assertThat(session.path("user").path("phone").asString()).isEqualTo("+86" + phone);

		JsonNode login = json(post("/api/auth/login", Map.of("phone", phone, "password", "journey-pass-1")),
				HttpStatus.OK);
		String access = login.path("accessToken").asString();
		assertThat(json(get("/api/user/profile", access), HttpStatus.OK).path("id").asString()).isEqualTo(userId);

		gateway.put()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + access)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("nickname", "新名字"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.nickname")
			.isEqualTo("新名字");

		JsonNode refreshed = json(
				post("/api/auth/refresh", Map.of("refreshToken", login.path("refreshToken").asString())),
				HttpStatus.OK);
		String access2 = refreshed.path("accessToken").asString();
		get("/api/user/profile", access2).expectStatus().isOk();

		gateway.post()
			.uri("/api/auth/logout")
			.header("Authorization", "Bearer " + access2)
			.exchange()
			.expectStatus()
			.isNoContent();
		get("/api/user/profile", access2).expectStatus().isUnauthorized();
		post("/api/auth/refresh", Map.of("refreshToken", refreshed.path("refreshToken").asString())).expectStatus()
			.isUnauthorized();
		// The other session (the sign-up one) is untouched by this logout.
		post("/api/auth/refresh", Map.of("refreshToken", session.path("refreshToken").asString())).expectStatus()
			.isOk();
	}

	@Test
	void expiredTamperedAndUnsignedTokensAreRefused() throws Exception {
		JsonNode session = signUp(newPhone());
		String token = session.path("accessToken").asString();
		String[] parts = token.split("\\.");
		String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
		String elevated = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(claims.replace("\"free\"", "\"enterprise\"").getBytes(StandardCharsets.UTF_8));
		get("/api/user/profile", parts[0] + "." + elevated + "." + parts[2]).expectStatus().isUnauthorized();

		String none = new PlainJWT(new JWTClaimsSet.Builder().issuer("https://lingxi.cloud")
			.audience("lingxi-api")
			.subject(session.path("user").path("id").asString())
			.jwtID(UUID.randomUUID().toString())
			.expirationTime(java.util.Date.from(Instant.now().plusSeconds(600)))
			.build()).serialize();
		get("/api/user/profile", none).expectStatus().isUnauthorized();

		get("/api/user/profile", token).expectStatus().isOk();
		Thread.sleep(7000);
		get("/api/user/profile", token).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.detail")
			.isEqualTo("The access token has expired.");
	}

	@Test
	void spoofedIdentityHeadersAndOtherUsersDataAreOutOfReach() {
		JsonNode alice = signUp(newPhone());
		JsonNode bob = signUp(newPhone());
		String aliceId = alice.path("user").path("id").asString();
		JsonNode seen = json(gateway.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + bob.path("accessToken").asString())
			.header("X-User-Id", aliceId)
			.exchange(), HttpStatus.OK);
		assertThat(seen.path("id").asString()).isEqualTo(bob.path("user").path("id").asString());
		assertThat(seen.path("phone").asString()).isNotEqualTo(alice.path("user").path("phone").asString());

		gateway.get().uri("/api/user/profile").header("X-User-Id", aliceId).exchange().expectStatus().isUnauthorized();
		// Internal endpoints are never routed.
		get("/internal/users/" + aliceId, bob.path("accessToken").asString()).expectStatus().isNotFound();
	}

	@Test
	void fiveWrongCodesVoidTheCodeAndRequestingTooOftenIs429() {
		String phone = newPhone();
		post("/api/auth/sms-code", Map.of("phone", phone)).expectStatus().isAccepted();
		post("/api/auth/sms-code", Map.of("phone", phone)).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After");
		String code = code(phone);
		String wrong = code.equals("123456") ? "654321" : "123456";
		for (int i = 0; i < 5; i++) {
			post("/api/auth/register", Map.of("phone", phone, "code", wrong)).expectStatus().isBadRequest();
		}
		post("/api/auth/register", Map.of("phone", phone, "code", code)).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.attemptsLeft")
			.isEqualTo(0);
	}

	@Test
	void clientMistakesAreProblemsNotServerErrors() {
		String token = signUp(newPhone()).path("accessToken").asString();
		gateway.post()
			.uri("/api/auth/login")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\": \"138")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		gateway.put()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"nickname\":\"" + "x".repeat(70_000) + "\"}")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
		get("/api/no-such-thing", token).expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		// A service that is not deployed yet answers 503 with its name.
		get("/api/agents", token).expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.jsonPath("$.service")
			.isEqualTo("agent-service");
	}

}
