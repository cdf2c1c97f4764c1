package com.lingxi.user.sms;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;
import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.TrustHeaders;

import static org.assertj.core.api.Assertions.assertThat;

@UserServiceTest
@TestPropertySource(properties = { "lingxi.sms.daily-limit=3", "lingxi.sms.ip-hourly-limit=6" })
class SmsCodeLimitsTests {

	@Autowired
	WebTestClient http;

	@Autowired
	LingxiRedis redis;

	private WebTestClient.ResponseSpec requestCode(String phone, String clientIp) {
		return this.http.post()
			.uri("/api/auth/sms-code")
			.header(TrustHeaders.EDGE, TestTrust.anonymousAssertion("user-service", clientIp))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone))
			.exchange();
	}

	private void skipCooldown(String phone) {
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("sms", "cooldown", phone))).block();
	}

	@Test
	void oneCodePerMinutePerPhoneWithRetryAfter() {
		String phone = Accounts.newPhone();
		requestCode(phone, "10.0.0.1").expectStatus().isAccepted();
		String retryAfter = requestCode(phone, "10.0.0.1").expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/sms-rate-limited")
			.returnResult()
			.getResponseHeaders()
			.getFirst("Retry-After");
		assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);
	}

	@Test
	void dailyLimitPerPhone() {
		String phone = Accounts.newPhone();
		for (int i = 0; i < 3; i++) {
			skipCooldown(phone);
			requestCode(phone, "10.0.1." + i).expectStatus().isAccepted();
		}
		skipCooldown(phone);
		requestCode(phone, "10.0.1.9").expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After");
	}

	@Test
	void hourlyLimitPerClientAddressAcrossPhones() {
		for (int i = 0; i < 6; i++) {
			requestCode(Accounts.newPhone(), "10.9.9.9").expectStatus().isAccepted();
		}
		requestCode(Accounts.newPhone(), "10.9.9.9").expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		// The address is the one the gateway asserts: a header claiming another one
		// changes nothing.
		this.http.post()
			.uri("/api/auth/sms-code")
			.header(TrustHeaders.EDGE, TestTrust.anonymousAssertion("user-service", "10.9.9.9"))
			.header("X-Client-Ip", "10.9.9.77")
			.header("X-Forwarded-For", "10.9.9.78")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", Accounts.newPhone()))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		requestCode(Accounts.newPhone(), "10.9.9.10").expectStatus().isAccepted();
	}

	@Test
	void fiveWrongCodesVoidTheCode() {
		String phone = Accounts.newPhone();
		Accounts accounts = new Accounts(this.http);
		accounts.requestCode(phone);
		String code = accounts.latestCode(phone);
		String wrong = code.equals("000000") ? "111111" : "000000";
		for (int left = 4; left >= 1; left--) {
			register(phone, wrong).expectStatus()
				.isBadRequest()
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("https://lingxi.cloud/problems/sms-code-invalid")
				.jsonPath("$.attemptsLeft")
				.isEqualTo(left);
		}
		register(phone, wrong).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/sms-code-attempts-exceeded");
		// The right code no longer works either.
		register(phone, code).expectStatus().isBadRequest().expectBody().jsonPath("$.attemptsLeft").isEqualTo(0);
	}

	@Test
	void codesAreSingleUseAndStoredOnlyAsHashes() {
		String phone = Accounts.newPhone();
		Accounts accounts = new Accounts(this.http);
		accounts.requestCode(phone);
		String code = accounts.latestCode(phone);
		Map<String, String> stored = this.redis.commands()
			.flatMap((r) -> r.hgetall(this.redis.key("sms", "code", phone))
				.collectMap((kv) -> kv.getKey(), (kv) -> kv.getValue()))
			.block();
		assertThat(stored.values()).noneMatch((value) -> value.contains(code));
		register(phone, code).expectStatus().isCreated();
		this.http.post()
			.uri("/api/auth/login")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone, "code", code))
			.exchange()
			.expectStatus()
			.isBadRequest();
	}

	@Test
	void invalidPhoneIsAFieldError() {
		requestCode("12345", "10.0.0.2").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("phone");
		this.http.post()
			.uri("/api/auth/sms-code")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"phone\":")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/malformed-request");
	}

	private WebTestClient.ResponseSpec register(String phone, String code) {
		return this.http.post()
			.uri("/api/auth/register")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone, "code", code))
			.exchange();
	}

}
