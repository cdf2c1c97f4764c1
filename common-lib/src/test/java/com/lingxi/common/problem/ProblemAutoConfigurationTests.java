package com.lingxi.common.problem;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import feign.FeignException;
import feign.Request;
import io.lettuce.core.RedisException;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerErrorException;

import com.lingxi.common.identity.IdentityAutoConfiguration;
import com.lingxi.common.test.ProblemBodies;
import com.lingxi.common.test.ReactiveWebTestApp;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = ReactiveWebTestApp.runner("test-service")
		.withConfiguration(AutoConfigurations.of(ProblemAutoConfiguration.class, IdentityAutoConfiguration.class))
		.withPropertyValues("spring.http.codecs.max-in-memory-size=1KB", "lingxi.identity.protected-paths=/none/**")
		.withUserConfiguration(Endpoints.class);

	@Test
	void invalidFieldsAreListedByName() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.post()
			.uri("/things")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"name\":\"\",\"code\":\"toolong\"}")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/validation")
			.jsonPath("$.status")
			.isEqualTo(400)
			.jsonPath("$.errors.length()")
			.isEqualTo(2)
			.jsonPath("$.errors[?(@.field == 'name')].message")
			.exists()
			.jsonPath("$.errors[?(@.field == 'code')].message")
			.exists()
			.jsonPath("$.requestId")
			.isNotEmpty());
	}

	@Test
	void malformedJsonIsABadRequestWithoutParserInternals() {
		this.runner.run((context) -> {
			String body = ReactiveWebTestApp.clientThroughTheGateway(context)
				.post()
				.uri("/things")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"name\": ")
				.exchange()
				.expectStatus()
				.isBadRequest()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(body).contains("malformed-request").doesNotContain("jackson").doesNotContain("Exception");
		});
	}

	@Test
	void unknownRouteIsA404Problem() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.get()
			.uri("/nowhere")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/not-found")
			.jsonPath("$.instance")
			.isEqualTo("/nowhere"));
	}

	@Test
	void unsupportedMediaTypeIs415() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.post()
			.uri("/things")
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("name=x")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unsupported-media-type"));
	}

	@Test
	void wrongMethodIs405WithAllow() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.delete()
			.uri("/things")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.METHOD_NOT_ALLOWED)
			.expectHeader()
			.exists("Allow"));
	}

	@Test
	void bodyOverTheLimitIs413() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.post()
			.uri("/things")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("name", "x".repeat(4096), "code", "ab"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/payload-too-large"));
	}

	@Test
	void domainProblemKeepsItsTypeHeadersAndMembers() {
		this.runner.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
			.get()
			.uri("/busy")
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
			.expectHeader()
			.valueEquals("Retry-After", "42")
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/slow-down")
			.jsonPath("$.title")
			.isEqualTo("Slow down")
			.jsonPath("$.retryAfterSeconds")
			.isEqualTo(42));
	}

	@Test
	void unexpectedErrorIsA500WithoutStackTraceButWithRequestId() {
		this.runner.run((context) -> {
			String body = ReactiveWebTestApp.clientThroughTheGateway(context)
				.get()
				.uri("/boom")
				.header("X-Request-Id", "req-123")
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR)
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(body).contains("\"requestId\":\"req-123\"")
				.contains("https://lingxi.cloud/problems/internal")
				.doesNotContain("secret detail")
				.doesNotContain("IllegalStateException")
				.doesNotContain("at com.");
		});
	}

	/**
	 * Every 5xx this module can be made to answer, from the failures services meet when
	 * they call each other: a user sees a stable type, a plain detail and the request id,
	 * never the address, port or exception behind it.
	 */
	@Test
	void serverErrorsNeverShowInternalAddressesOrExceptions() {
		DisposableServer failing = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.status(500)
				.sendString(Mono.just("java.lang.IllegalStateException: pool exhausted at 10.0.3.7:5432")))
			.bindNow();
		try {
			this.runner.withPropertyValues("test.failing-port=" + failing.port(), "test.closed-port=" + closedPort())
				.run((context) -> {
					Map<String, Integer> expected = Map.of("/upstream/status", 502, "/upstream/server-error", 500,
							"/upstream/refused", 503, "/upstream/answered-500", 500, "/upstream/feign", 500,
							"/upstream/leaky-problem", 502, "/upstream/redis-disconnected", 503,
							"/upstream/database-unreachable", 503);
					expected.forEach((path, status) -> {
						String body = ReactiveWebTestApp.clientThroughTheGateway(context)
							.get()
							.uri(path)
							.header("X-Request-Id", "req-leak")
							.exchange()
							.expectStatus()
							.isEqualTo(status)
							.expectHeader()
							.contentType(MediaType.APPLICATION_PROBLEM_JSON)
							.expectBody(String.class)
							.returnResult()
							.getResponseBody();
						assertThat(body).as(path)
							.contains("\"requestId\":\"req-leak\"")
							.contains("\"type\":\"https://lingxi.cloud/problems/")
							.contains("\"detail\":");
						ProblemBodies.assertShowsNothingInternal(path, body);
						assertThat(body).as(path).doesNotContain("pool exhausted");
					});
				});
		}
		finally {
			failing.disposeNow();
		}
	}

	private static int closedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Endpoints {

		@Bean
		ThingController thingController() {
			return new ThingController();
		}

		@Bean
		UpstreamController upstreamController(Environment environment) {
			return new UpstreamController(environment.getProperty("test.failing-port", Integer.class, 1),
					environment.getProperty("test.closed-port", Integer.class, 1));
		}

	}

	@RestController
	static class ThingController {

		@PostMapping(path = "/things", consumes = MediaType.APPLICATION_JSON_VALUE)
		Mono<Thing> create(@Valid @RequestBody Thing thing) {
			return Mono.just(thing);
		}

		@GetMapping("/things")
		Mono<String> list() {
			return Mono.just("[]");
		}

		@GetMapping("/busy")
		Mono<String> busy() {
			return Mono.error(ProblemException.tooManyRequests(ProblemTypes.of("slow-down"), "Slow down",
					"Too many things at once.", Duration.ofSeconds(42)));
		}

		@GetMapping("/boom")
		Mono<String> boom() {
			return Mono.error(new IllegalStateException("secret detail"));
		}

	}

	/** Calls to other services that fail, the way service code lets them fail. */
	@RestController
	static class UpstreamController {

		private final WebClient http = WebClient.create();

		private final int failingPort;

		private final int closedPort;

		UpstreamController(int failingPort, int closedPort) {
			this.failingPort = failingPort;
			this.closedPort = closedPort;
		}

		@GetMapping("/upstream/status")
		Mono<String> status() {
			return Mono.error(new ResponseStatusException(HttpStatus.BAD_GATEWAY,
					"GET http://10.0.3.7:8085/internal/users failed: java.net.ConnectException: Connection refused"));
		}

		@GetMapping("/upstream/server-error")
		Mono<String> serverError() {
			return Mono.error(new ServerErrorException(
					"Failed to call com.lingxi.config.sources.PlatformClients$AgentService at agent-service:8083",
					new IllegalStateException("pool exhausted")));
		}

		@GetMapping("/upstream/refused")
		Mono<String> refused() {
			return this.http.get()
				.uri("http://127.0.0.1:" + this.closedPort + "/x")
				.retrieve()
				.bodyToMono(String.class);
		}

		@GetMapping("/upstream/answered-500")
		Mono<String> answered500() {
			return this.http.get()
				.uri("http://127.0.0.1:" + this.failingPort + "/x")
				.retrieve()
				.bodyToMono(String.class);
		}

		@GetMapping("/upstream/feign")
		Mono<String> feign() {
			Request request = Request.create(Request.HttpMethod.GET, "http://agent-service:8083/internal/users/1/team",
					Map.of(), null, StandardCharsets.UTF_8, null);
			return Mono.error(FeignException.errorStatus("AgentService#team(UUID)",
					feign.Response.builder()
						.status(500)
						.reason("Internal Server Error")
						.request(request)
						.headers(Map.of())
						.body("java.lang.IllegalStateException: pool exhausted at 10.0.3.7:5432",
								StandardCharsets.UTF_8)
						.build()));
		}

		@GetMapping("/upstream/leaky-problem")
		Mono<String> leakyProblem() {
			return Mono.error(ProblemException.of(HttpStatus.BAD_GATEWAY, ProblemTypes.of("gateway-failed"),
					"Assistant unavailable",
					"Your assistant's gateway did not answer: Connection refused: /127.0.0.1:19000"));
		}

		/**
		 * What Spring's R2DBC transaction manager throws while PostgreSQL is unreachable.
		 */
		@GetMapping("/upstream/database-unreachable")
		Mono<String> databaseUnreachable() {
			return Mono.error(new org.springframework.transaction.CannotCreateTransactionException(
					"Could not open R2DBC Connection for transaction",
					new io.r2dbc.spi.R2dbcNonTransientResourceException("Connection validation failed")));
		}

		@GetMapping("/upstream/redis-disconnected")
		Mono<String> redisDisconnected() {
			return Mono.error(new RedisException("Currently not connected. Commands are rejected."));
		}

	}

	record Thing(@NotBlank String name, @Size(max = 3) String code) {
	}

}
