package com.lingxi.user.auth;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.events.EventStreams;
import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@UserServiceTest
class AuthFlowTests {

	@Autowired
	WebTestClient http;

	@Autowired
	DatabaseClient db;

	@Autowired
	LingxiRedis redis;

	@Autowired
	EventStreams streams;

	private Accounts accounts() {
		return new Accounts(this.http);
	}

	private WebTestClient.ResponseSpec post(String path, Object body) {
		return this.http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
	}

	@Test
	void registerIssuesTokensStoresAHashedPasswordAndAnnouncesTheUser() throws Exception {
		String phone = Accounts.newPhone();
		JsonNode session = accounts().register(phone, "s3cret-pass");

		assertThat(session.path("tokenType").asString()).isEqualTo("Bearer");
		assertThat(session.path("expiresIn").asLong()).isBetween(890L, 900L);
		assertThat(session.path("refreshExpiresIn").asLong()).isGreaterThan(Duration.ofDays(29).toSeconds());
		assertThat(session.path("user").path("phone").asString()).isEqualTo(phone);
		assertThat(session.path("user").path("plan").asString()).isEqualTo("free");
		assertThat(session.path("user").path("hasPassword").asBoolean()).isTrue();

		SignedJWT jwt = SignedJWT.parse(session.path("accessToken").asString());
		assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
		assertThat(jwt.getHeader().getKeyID()).isNotBlank();
		String userId = session.path("user").path("id").asString();
		assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo(userId);
		assertThat(jwt.getJWTClaimsSet().getStringClaim("plan")).isEqualTo("free");

		String stored = this.db.sql("SELECT password_hash FROM credentials WHERE user_id = :id")
			.bind("id", UUID.fromString(userId))
			.map((row, meta) -> row.get("password_hash", String.class))
			.one()
			.block();
		assertThat(stored).startsWith("$2b$").doesNotContain("s3cret-pass");

		String stream = this.streams.stream("user.registered");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.redis.commands()
				.flatMapMany((r) -> r.xrange(stream, io.lettuce.core.Range.create("-", "+")))
				.filter((entry) -> entry.getBody().get("payload").contains(userId))
				.hasElements()
				.block());
	}

	@Test
	void registeringAnExistingPhoneIsAConflict() {
		String phone = Accounts.newPhone();
		accounts().register(phone, "s3cret-pass");
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("sms", "cooldown", phone))).block();
		accounts().requestCode(phone);
		post("/api/auth/register", Map.of("phone", phone, "code", accounts().latestCode(phone))).expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/phone-taken");
	}

	@Test
	void loginWithPasswordOrCodeAndTheBadPaths() {
		String phone = Accounts.newPhone();
		accounts().register(phone, "s3cret-pass");
		String local = phone.substring(3);

		post("/api/auth/login", Map.of("phone", local, "password", "s3cret-pass")).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.user.phone")
			.isEqualTo(phone);
		post("/api/auth/login", Map.of("phone", phone, "password", "wrong-pass1")).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/invalid-credentials");
		post("/api/auth/login", Map.of("phone", phone)).expectStatus().isBadRequest();
		post("/api/auth/login", Map.of("phone", "12345", "password", "x")).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("phone");
		post("/api/auth/login", Map.of("phone", Accounts.newPhone(), "password", "s3cret-pass")).expectStatus()
			.isUnauthorized();

		this.redis.commands().flatMap((r) -> r.del(this.redis.key("sms", "cooldown", phone))).block();
		accounts().requestCode(phone);
		post("/api/auth/login", Map.of("phone", phone, "code", accounts().latestCode(phone))).expectStatus().isOk();
	}

	@Test
	void repeatedWrongPasswordsLockTheAccountWithRetryAfter() {
		String phone = Accounts.newPhone();
		accounts().register(phone, "s3cret-pass");
		for (int i = 1; i <= 4; i++) {
			post("/api/auth/login", Map.of("phone", phone, "password", "guess-" + i)).expectStatus()
				.isUnauthorized()
				.expectBody()
				.jsonPath("$.attemptsLeft")
				.isEqualTo(5 - i);
		}
		post("/api/auth/login", Map.of("phone", phone, "password", "guess-5")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/login-locked");
		// Even the right password waits now.
		post("/api/auth/login", Map.of("phone", phone, "password", "s3cret-pass")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
	}

	@Test
	void wrongPasswordsLockPasswordLoginButNotLoginWithACode() {
		String phone = Accounts.newPhone();
		accounts().register(phone, "s3cret-pass");
		for (int i = 1; i <= 5; i++) {
			post("/api/auth/login", Map.of("phone", phone, "password", "guess-" + i));
		}
		post("/api/auth/login", Map.of("phone", phone, "password", "s3cret-pass")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS);

		// The owner, who has the phone, signs in with a code as the lock message
		// suggests.
		skipCooldown(phone);
		accounts().requestCode(phone);
		post("/api/auth/login", Map.of("phone", phone, "code", accounts().latestCode(phone))).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.user.phone")
			.isEqualTo(phone);
		// Whoever was guessing the password still waits.
		post("/api/auth/login", Map.of("phone", phone, "password", "s3cret-pass")).expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
	}

	@Test
	void wrongCodesVoidTheCodeButDoNotLockPasswordLogin() {
		String phone = Accounts.newPhone();
		accounts().register(phone, "s3cret-pass");
		skipCooldown(phone);
		accounts().requestCode(phone);
		String code = accounts().latestCode(phone);
		String wrong = code.equals("000000") ? "111111" : "000000";
		for (int i = 1; i <= 4; i++) {
			post("/api/auth/login", Map.of("phone", phone, "code", wrong)).expectStatus()
				.isBadRequest()
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("https://lingxi.cloud/problems/sms-code-invalid");
		}
		post("/api/auth/login", Map.of("phone", phone, "code", wrong)).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/sms-code-attempts-exceeded");
		post("/api/auth/login", Map.of("phone", phone, "code", code)).expectStatus().isBadRequest();

		post("/api/auth/login", Map.of("phone", phone, "password", "s3cret-pass")).expectStatus().isOk();
	}

	@Test
	void passwordsAreLimitedInBytesAsBcryptReadsThemNotInCharacters() {
		String phone = Accounts.newPhone();
		accounts().requestCode(phone);
		String code = accounts().latestCode(phone);
		String tooLong = "密".repeat(30) + "1"; // 31 characters, 91 bytes in UTF-8
		post("/api/auth/register", Map.of("phone", phone, "code", code, "password", tooLong)).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/validation")
			.jsonPath("$.errors[0].field")
			.isEqualTo("password")
			.jsonPath("$.errors[0].message")
			.value(String.class, (message) -> assertThat(message).contains("72 bytes"));

		// 23 characters and a digit, 70 bytes: accepted, and all of it counts.
		String longest = "密".repeat(23) + "1";
		post("/api/auth/register", Map.of("phone", phone, "code", code, "password", longest)).expectStatus()
			.isCreated();
		post("/api/auth/login", Map.of("phone", phone, "password", longest)).expectStatus().isOk();
		post("/api/auth/login", Map.of("phone", phone, "password", "密".repeat(23) + "2")).expectStatus()
			.isUnauthorized();
		post("/api/auth/login", Map.of("phone", phone, "password", tooLong)).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("password");
	}

	private void skipCooldown(String phone) {
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("sms", "cooldown", phone))).block();
	}

	@Test
	void refreshRotatesAndReuseEndsTheSession() {
		JsonNode session = accounts().register(Accounts.newPhone(), "s3cret-pass");
		String first = session.path("refreshToken").asString();

		JsonNode rotated = post("/api/auth/refresh", Map.of("refreshToken", first)).expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		String second = rotated.path("refreshToken").asString();
		assertThat(second).isNotEqualTo(first);
		assertThat(rotated.path("accessToken").asString()).isNotEqualTo(session.path("accessToken").asString());

		// The spent token comes back: someone copied it. The whole session ends.
		post("/api/auth/refresh", Map.of("refreshToken", first)).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/refresh-token-reused");
		post("/api/auth/refresh", Map.of("refreshToken", second)).expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/refresh-token-invalid");
		post("/api/auth/refresh", Map.of("refreshToken", "lxr_made-up")).expectStatus().isUnauthorized();
	}

	@Test
	void logoutDeniesTheAccessTokenAndEndsTheSession() throws Exception {
		JsonNode session = accounts().register(Accounts.newPhone(), "s3cret-pass");
		String access = session.path("accessToken").asString();
		String userId = session.path("user").path("id").asString();
		String jti = SignedJWT.parse(access).getJWTClaimsSet().getJWTID();

		this.http.post()
			.uri("/api/auth/logout")
			.header("Authorization", "Bearer " + access)
			.headers(TestTrust.asUser("user-service", userId))
			.exchange()
			.expectStatus()
			.isNoContent();

		Long ttl = this.redis.commands().flatMap((r) -> r.pttl(DeniedTokens.key(this.redis, jti))).block();
		assertThat(ttl).isBetween(1L, Duration.ofMinutes(15).toMillis());
		post("/api/auth/refresh", Map.of("refreshToken", session.path("refreshToken").asString())).expectStatus()
			.isUnauthorized();
		// Logout needs a caller.
		this.http.post().uri("/api/auth/logout").exchange().expectStatus().isUnauthorized();
	}

}
