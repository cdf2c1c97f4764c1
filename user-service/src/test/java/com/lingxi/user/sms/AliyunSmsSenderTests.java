package com.lingxi.user.sms;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Aliyun sender against a local stand-in for Alibaba Cloud's API that checks each
 * request's V3 signature with its own implementation of the algorithm
 * (java.net.URLEncoder based, as Alibaba's documentation suggests for Java), itself
 * checked against Alibaba's published example.
 */
@UserServiceTest
@ExtendWith(OutputCaptureExtension.class)
class AliyunSmsSenderTests {

	private static final String SECRET = "test-secret-Ab/+=";

	private static final List<Received> received = new CopyOnWriteArrayList<>();

	private static volatile String answer = "OK";

	private static final DisposableServer aliyun = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.handle((request,
				response) -> request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap((body) -> {
					Received call = Received.of(request, body);
					received.add(call);
					String problem = call.problem(SECRET);
					String json = (problem == null)
							? "{\"Code\":\"" + answer + "\",\"Message\":\"" + answer
									+ "\",\"RequestId\":\"r-1\",\"BizId\":\"b-1\"}"
							: "{\"Code\":\"SignatureDoesNotMatch\",\"Message\":\"" + problem
									+ "\",\"RequestId\":\"r-2\"}";
					return response.status((problem == null) ? 200 : 400)
						.header("Content-Type", "application/json;charset=utf-8")
						.sendString(Mono.just(json))
						.then();
				}))
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
	void theStandInsVerifierAgreesWithAlibabasPublishedExample() {
		// "Request syntax and signature method V3", "Fixed parameter values" (Alibaba
		// Cloud
		// SDK documentation): these inputs are signed 06563a9e....
		Map<String, String> headers = Map.of("host", "ecs.cn-shanghai.aliyuncs.com", "x-acs-action", "RunInstances",
				"x-acs-version", "2014-05-26", "x-acs-date", "2023-10-26T10:22:32Z", "x-acs-signature-nonce",
				"3156853299f313e23d1673dc12e1703d", "x-acs-content-sha256",
				"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		String signature = Received.expectedSignature("POST",
				"ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
				List.copyOf(new TreeMap<>(headers).keySet()), headers::get, "YourAccessKeySecret");
		assertThat(signature).isEqualTo("06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
	}

	@Test
	void sendsACorrectlySignedV3SendSmsRequest() {
		answer = "OK";
		received.clear();
		String phone = Accounts.newPhone();
		requestCode(phone).expectStatus().isAccepted();

		assertThat(received).hasSize(1);
		Received call = received.get(0);
		assertThat(call.problem(SECRET)).isNull();
		assertThat(call.method()).isEqualTo("POST");
		assertThat(call.path()).isEqualTo("/");
		assertThat(call.headers()).containsEntry("x-acs-action", "SendSms")
			.containsEntry("x-acs-version", "2017-05-25")
			.containsEntry("host", "127.0.0.1:" + aliyun.port());
		assertThat(call.headers().get("authorization"))
			.startsWith("ACS3-HMAC-SHA256 Credential=LTAI-test-id,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
					+ "x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=");
		assertThat(call.headers().get("x-acs-signature-nonce")).matches("[0-9a-f]{32}");
		assertThat(Duration.between(Instant.parse(call.headers().get("x-acs-date")), Instant.now()).abs())
			.isLessThan(Duration.ofMinutes(1));
		assertThat(call.parameters()).containsEntry("PhoneNumbers", phone.substring(3))
			.containsEntry("SignName", "灵犀云")
			.containsEntry("TemplateCode", "SMS_123456")
			.doesNotContainKeys("Signature", "SignatureMethod", "AccessKeyId");
		assertThat(call.parameters().get("TemplateParam")).matches("\\{\"code\":\"\\d{6}\"}");
		// There is no dev inbox with a real provider.
		this.http.get().uri("/api/dev/sms/{phone}", phone).exchange().expectStatus().isNotFound();
	}

	@Test
	void providerRefusalIs503LogsNeitherNumberNorCodeAndTheNumberCanRetryAtOnce(CapturedOutput output) {
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
		assertThat(received.get(0).headers().get("x-acs-signature-nonce"))
			.isNotEqualTo(received.get(1).headers().get("x-acs-signature-nonce"));

		String code = received.get(0).parameters().get("TemplateParam").replaceAll("\\D", "");
		assertThat(output).contains("isv.BUSINESS_LIMIT_CONTROL").contains("r-1");
		assertThat(output).doesNotContain(phone.substring(3)).doesNotContain(code);
	}

	/**
	 * A request the stand-in received.
	 *
	 * @param method HTTP method
	 * @param path path
	 * @param rawQuery the query string as sent
	 * @param headers headers, names in lower case
	 * @param body the body
	 */
	record Received(String method, String path, String rawQuery, Map<String, String> headers, byte[] body) {

		static Received of(HttpServerRequest request, byte[] body) {
			String uri = request.uri();
			int question = uri.indexOf('?');
			Map<String, String> headers = new TreeMap<>();
			request.requestHeaders().forEach((header) -> headers.put(header.getKey().toLowerCase(), header.getValue()));
			return new Received(request.method().name(), (question < 0) ? uri : uri.substring(0, question),
					(question < 0) ? "" : uri.substring(question + 1), headers, body);
		}

		Map<String, String> parameters() {
			Map<String, String> parameters = new TreeMap<>();
			for (String pair : this.rawQuery.split("&")) {
				int eq = pair.indexOf('=');
				parameters.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
						URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
			}
			return parameters;
		}

		/** Why Alibaba Cloud would refuse the request, or null if it would not. */
		String problem(String secret) {
			String authorization = this.headers.getOrDefault("authorization", "");
			Map<String, String> fields = Arrays.stream(authorization.replaceFirst("^ACS3-HMAC-SHA256 ", "").split(","))
				.map((field) -> field.split("=", 2))
				.filter((field) -> field.length == 2)
				.collect(Collectors.toMap((field) -> field[0], (field) -> field[1]));
			if (!authorization.startsWith("ACS3-HMAC-SHA256 ")
					|| !fields.keySet().containsAll(List.of("Credential", "SignedHeaders", "Signature"))) {
				return "Authorization is not ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...";
			}
			List<String> signed = List.of(fields.get("SignedHeaders").split(";"));
			for (String required : List.of("host", "x-acs-action", "x-acs-content-sha256", "x-acs-date",
					"x-acs-signature-nonce", "x-acs-version")) {
				if (!signed.contains(required) || !this.headers.containsKey(required)) {
					return required + " is missing or not signed";
				}
			}
			if (!sha256Hex(this.body).equals(this.headers.get("x-acs-content-sha256"))) {
				return "x-acs-content-sha256 is not the hash of the body";
			}
			if (Duration.between(Instant.parse(this.headers.get("x-acs-date")), Instant.now())
				.abs()
				.compareTo(Duration.ofMinutes(15)) > 0) {
				return "x-acs-date is more than 15 minutes away";
			}
			String expected = expectedSignature(this.method, this.rawQuery, signed, this.headers::get, secret);
			return expected.equals(fields.get("Signature")) ? null : "Specified signature does not match";
		}

		static String expectedSignature(String method, String rawQuery, List<String> signedHeaders,
				UnaryOperator<String> header, String secret) {
			String canonicalQuery = rawQuery.isEmpty() ? ""
					: Arrays.stream(rawQuery.split("&"))
						.map((pair) -> pair.split("=", 2))
						.map((pair) -> encode(URLDecoder.decode(pair[0], StandardCharsets.UTF_8)) + "="
								+ encode(URLDecoder.decode(pair[1], StandardCharsets.UTF_8)))
						.sorted()
						.collect(Collectors.joining("&"));
			StringBuilder canonical = new StringBuilder(method).append('\n')
				.append("/\n")
				.append(canonicalQuery)
				.append('\n');
			signedHeaders
				.forEach((name) -> canonical.append(name).append(':').append(header.apply(name).trim()).append('\n'));
			canonical.append('\n')
				.append(String.join(";", signedHeaders))
				.append('\n')
				.append(header.apply("x-acs-content-sha256"));
			String stringToSign = "ACS3-HMAC-SHA256\n"
					+ sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
				return HexFormat.of().formatHex(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
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

		private static String sha256Hex(byte[] bytes) {
			try {
				return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
