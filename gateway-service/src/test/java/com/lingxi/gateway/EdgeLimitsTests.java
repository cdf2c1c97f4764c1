package com.lingxi.gateway;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge's own limits, in front of a stand-in backend: behind a load balancer (trusted
 * as 127.0.0.1), clients are told apart by the balancer's {@code X-Forwarded-For}; each
 * address may make only so many signature checks of new tokens; bodies over the limit get
 * a 413 the client can read; and nobody bypasses the balancer.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
class EdgeLimitsTests {

	static final TestBackend backend = new TestBackend();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestGateway.properties(registry, "edge", backend, "user-service", "agent-service", "billing-service",
				"config-service", "instance-service");
		registry.add("lingxi.gateway.trusted-proxies", () -> "127.0.0.1/32, 10.200.0.0/16");
		registry.add("lingxi.gateway.behind-load-balancer", () -> "true");
		registry.add("lingxi.gateway.jwt.verifications-per-second", () -> "0.2");
		registry.add("lingxi.gateway.jwt.verification-burst", () -> "3");
		registry.add("lingxi.gateway.rate-limit.anonymous.requests-per-second", () -> "1000");
		registry.add("lingxi.gateway.rate-limit.anonymous.burst", () -> "1000");
	}

	@AfterAll
	static void stop() {
		backend.stop();
	}

	@Autowired
	WebTestClient http;

	@LocalServerPort
	int port;

	private WebTestClient.ResponseSpec profile(String token, String forwardedFor) {
		return this.http.get()
			.uri("/api/user/profile")
			.header("Authorization", "Bearer " + token)
			.header("X-Forwarded-For", forwardedFor)
			.exchange();
	}

	@Test
	void anAddressMayNotMakeTheGatewayCheckSignaturesWithoutEnd() {
		String valid = backend.token(UUID.randomUUID(), "free");
		profile(valid, "10.1.1.1").expectStatus().isOk();
		String[] parts = backend.token(UUID.randomUUID(), "free").split("\\.");
		String forged = parts[0] + "." + parts[1] + "." + parts[2].substring(0, parts[2].length() - 4) + "AAAA";
		// The burst is 3 checks; the valid token above spent one.
		profile(forged, "10.1.1.1").expectStatus().isUnauthorized();
		profile(forged + "x", "10.1.1.1").expectStatus().isUnauthorized();
		profile(forged + "y", "10.1.1.1").expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.exists("Retry-After")
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/rate-limited");
		// A token already verified costs nothing; another address has budget of its own.
		profile(valid, "10.1.1.1").expectStatus().isOk();
		profile(forged, "10.1.1.2").expectStatus().isUnauthorized();
		// The balancer's own hops are skipped: the client is the nearest untrusted
		// address.
		profile(forged + "z", "10.1.1.2, 10.200.3.4").expectStatus().isUnauthorized();
	}

	@Test
	void aBodyFarOverTheLimitGetsA413TheClientCanRead() throws Exception {
		byte[] fiveMegabytes = new byte[5 * 1024 * 1024];
		java.util.Arrays.fill(fiveMegabytes, (byte) 'x');
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		HttpResponse<String> response = client
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/auth/sms-code"))
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofByteArray(fiveMegabytes))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.body()).contains("https://lingxi.cloud/problems/payload-too-large");
	}

	@Test
	void aChunkedBodyOverTheLimitAlsoGetsA413() throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		byte[] chunk = new byte[64 * 1024];
		HttpResponse<String> response = client
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/api/auth/sms-code"))
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(30))
				.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
					private int left = 3 * 1024 * 1024;

					@Override
					public int read() {
						return (this.left-- > 0) ? 'x' : -1;
					}

					@Override
					public int read(byte[] b, int off, int len) {
						if (this.left <= 0) {
							return -1;
						}
						int n = Math.min(Math.min(len, chunk.length), this.left);
						java.util.Arrays.fill(b, off, off + n, (byte) 'x');
						this.left -= n;
						return n;
					}
				}))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.body()).contains("payload-too-large");
	}

	@Test
	void aPeerThatIsNotTheLoadBalancerIsRefused() throws Exception {
		try (Socket socket = new Socket()) {
			socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(10000);
			OutputStream out = socket.getOutputStream();
			out.write(
					("GET /api/skills HTTP/1.1\r\nHost: lingxi\r\nX-Forwarded-For: 10.1.1.9\r\nConnection: close\r\n\r\n")
						.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			ByteArrayOutputStream answer = new ByteArrayOutputStream();
			socket.getInputStream().transferTo(answer);
			String text = answer.toString(StandardCharsets.UTF_8);
			assertThat(text).startsWith("HTTP/1.1 403");
			assertThat(text).contains("Connect through the platform's load balancer.");
		}
	}

}
