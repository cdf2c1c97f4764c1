package com.lingxi.user.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;
import com.lingxi.user.sms.PhoneNumbers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What user-service logs while people sign up and log in: phone numbers only masked,
 * verification codes never. The framework's request logging is turned up to DEBUG so that
 * lines we did not write (request paths with a phone number in them) are checked too.
 */
@UserServiceTest
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = "logging.level.org.springframework.web.server.adapter.HttpWebHandlerAdapter=DEBUG")
class LogPrivacyTests {

	@Autowired
	WebTestClient http;

	@Autowired
	LingxiRedis redis;

	private WebTestClient.ResponseSpec post(String path, Object body) {
		return this.http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
	}

	@Test
	void signUpLoginFailuresAndResendsLogNeitherPhoneNumbersNorCodes(CapturedOutput output) {
		Accounts accounts = new Accounts(this.http);
		String phone = Accounts.newPhone();
		List<String> codes = new ArrayList<>();

		// Sign up.
		accounts.requestCode(phone);
		codes.add(accounts.latestCode(phone));
		post("/api/auth/register", Map.of("phone", phone, "code", codes.get(0), "password", "s3cret-pass"))
			.expectStatus()
			.isCreated();

		// Resend too early, then after the cooldown; a wrong code, then log in with the
		// code.
		post("/api/auth/sms-code", Map.of("phone", phone)).expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		skipCooldown(phone);
		post("/api/auth/sms-code", Map.of("phone", phone.substring(3))).expectStatus().isAccepted();
		codes.add(accounts.latestCode(phone));
		post("/api/auth/login", Map.of("phone", phone, "code", wrong(codes.get(1)))).expectStatus().isBadRequest();
		post("/api/auth/login", Map.of("phone", phone, "code", codes.get(1))).expectStatus().isOk();

		// A wrong password, then the right one.
		post("/api/auth/login", Map.of("phone", phone, "password", "wrong-pass1")).expectStatus().isUnauthorized();
		post("/api/auth/login", Map.of("phone", phone, "password", "s3cret-pass")).expectStatus().isOk();

		assertThat(output).contains(PhoneNumbers.mask(phone));
		assertThat(output).doesNotContain(phone.substring(1)).doesNotContain(phone.substring(3));
		codes.forEach((code) -> assertThat(output).doesNotContain(code));
	}

	@Test
	void linesOthersWriteAreMaskedToo(CapturedOutput output) {
		LoggerFactory.getLogger("some.library")
			.warn("POST https://dysmsapi.aliyuncs.com/?PhoneNumbers=13912345678&TemplateParam=%7B%22code%22%3A%22482913%22%7D failed for +8613912345678");
		assertThat(output).contains("PhoneNumbers=139****5678")
			.contains("+86139****5678")
			.doesNotContain("13912345678")
			.doesNotContain("482913");
	}

	private void skipCooldown(String phone) {
		this.redis.commands().flatMap((r) -> r.del(this.redis.key("sms", "cooldown", phone))).block();
	}

	private static String wrong(String code) {
		return code.equals("000000") ? "111111" : "000000";
	}

}
