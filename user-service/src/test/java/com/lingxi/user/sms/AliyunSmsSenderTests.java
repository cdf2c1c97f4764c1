package com.lingxi.user.sms;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Aliyun sender against a local server that checks each request's signature with its
 * own implementation of Alibaba Cloud's RPC signing (java.net.URLEncoder based, as their
 * docs do it).
 */
@UserServiceTest
class AliyunSmsSenderTests {

	private static final String SECRET = "test-secret-Ab/+=";

	private static final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

	private static volatile String answer = "OK";

	private static final DisposableServer aliyun = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request, response) -> {
			Map<String, String> params = parse(request.uri().substring(request.uri().indexOf('?') + 1));
			received.add(params);
			boolean valid = signatureOf(params).equals(params.get("Signature"));
			String body = valid ? "{\"Code\":\"" + answer + "\",\"Message\":\"" + answer + "\",\"RequestId\":\"r-1\"}"
					: "{\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"Specified signature is not matched\"}";
			return response.status(valid ? 200 : 400)
				.header("Content-Type", "application/json")
				.sendString(Mono.just(body))
				.then();
		})
		.bindNow();

	@DynamicPropertySource
	static void aliyun(DynamicPropertyRegistry registry) {
		registry.add("lingxi.sms.provider", () -> "aliyun");
		registry.add("lingxi.sms.aliyun.endpoint", () -> "http://127.0.0.1:" + aliyun.port());
		registry.add("lingxi.sms.aliyun.access-key-id", () -> "LTAI-test-id");
		registry.add("lingxi.sms.aliyun.access-key-secret", () -> SECRET);
		registry.add("lingxi.sms.aliyun.sign-name", () -> "灵犀云");
		registry.add("lingxi.sms.aliyun.template-code", () -> "SMS_123456");
	}

	@AfterAll
	static void stop() {
		aliyun.disposeNow();
	}

	@Autowired
	WebTestClient http;

	private WebTestClient.ResponseSpec requestCode(String phone) {
		return this.http.post()
			.uri("/api/auth/sms-code")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone))
			.exchange();
	}

	@Test
	void sendsACorrectlySignedSendSmsRequest() {
		answer = "OK";
		received.clear();
		String phone = Accounts.newPhone();
		requestCode(phone).expectStatus().isAccepted();

		assertThat(received).hasSize(1);
		Map<String, String> params = received.get(0);
		assertThat(signatureOf(params)).isEqualTo(params.get("Signature"));
		assertThat(params).containsEntry("Action", "SendSms")
			.containsEntry("Version", "2017-05-25")
			.containsEntry("PhoneNumbers", phone.substring(3))
			.containsEntry("SignName", "灵犀云")
			.containsEntry("TemplateCode", "SMS_123456")
			.containsEntry("AccessKeyId", "LTAI-test-id");
		assertThat(params.get("TemplateParam")).matches("\\{\"code\":\"\\d{6}\"}");
		assertThat(Duration.between(Instant.parse(params.get("Timestamp")), Instant.now()).abs())
			.isLessThan(Duration.ofMinutes(1));
		// There is no dev inbox with a real provider.
		this.http.get().uri("/api/dev/sms/{phone}", phone).exchange().expectStatus().isNotFound();
	}

	@Test
	void providerRefusalIs503AndTheNumberCanRetryAtOnce() {
		received.clear();
		answer = "isv.BUSINESS_LIMIT_CONTROL";
		String phone = Accounts.newPhone();
		requestCode(phone).expectStatus()
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/sms-unavailable");
		answer = "OK";
		requestCode(phone).expectStatus().isAccepted();
		assertThat(received).hasSize(2);
		assertThat(received.get(0).get("SignatureNonce")).isNotEqualTo(received.get(1).get("SignatureNonce"));
	}

	private static Map<String, String> parse(String query) {
		Map<String, String> params = new TreeMap<>();
		for (String pair : query.split("&")) {
			int eq = pair.indexOf('=');
			params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
					URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
		}
		return params;
	}

	private static String signatureOf(Map<String, String> params) {
		String canonical = new TreeMap<>(params).entrySet()
			.stream()
			.filter((e) -> !e.getKey().equals("Signature"))
			.map((e) -> encode(e.getKey()) + "=" + encode(e.getValue()))
			.collect(Collectors.joining("&"));
		String stringToSign = "GET&" + encode("/") + "&" + encode(canonical);
		try {
			Mac mac = Mac.getInstance("HmacSHA1");
			mac.init(new SecretKeySpec((SECRET + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
			return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8)
			.replace("+", "%20")
			.replace("*", "%2A")
			.replace("%7E", "~");
	}

}
