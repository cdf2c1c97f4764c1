package com.lingxi.common.problem;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.IdentityAutoConfiguration;
import com.lingxi.common.test.ReactiveWebTestApp;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = ReactiveWebTestApp.runner()
		.withConfiguration(AutoConfigurations.of(ProblemAutoConfiguration.class, IdentityAutoConfiguration.class))
		.withPropertyValues("spring.http.codecs.max-in-memory-size=1KB", "lingxi.identity.protected-paths=/none/**")
		.withUserConfiguration(Endpoints.class);

	@Test
	void invalidFieldsAreListedByName() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
			String body = ReactiveWebTestApp.client(context)
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
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
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
			String body = ReactiveWebTestApp.client(context)
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

	@Configuration(proxyBeanMethods = false)
	static class Endpoints {

		@Bean
		ThingController thingController() {
			return new ThingController();
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

	record Thing(@NotBlank String name, @Size(max = 3) String code) {
	}

}
