package com.lingxi.common.identity;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.problem.ProblemAutoConfiguration;
import com.lingxi.common.test.ReactiveWebTestApp;

import static org.assertj.core.api.Assertions.assertThat;

class IdentityAutoConfigurationTests {

	private static final String USER = "7b0e1f5e-4a3c-4a63-9a4e-2f0d1b6a9c11";

	private final ReactiveWebApplicationContextRunner runner = ReactiveWebTestApp.runner()
		.withConfiguration(AutoConfigurations.of(ProblemAutoConfiguration.class, IdentityAutoConfiguration.class))
		.withPropertyValues("lingxi.identity.public-paths=/api/auth/**,GET /api/catalog/**")
		.withUserConfiguration(Endpoints.class);

	@Test
	void apiWithoutIdentityIs401Problem() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me")
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unauthorized"));
	}

	@Test
	void controllerReceivesTheGatewaysIdentity() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me")
			.header(IdentityHeaders.USER_ID, USER)
			.header(IdentityHeaders.USER_PLAN, "pro")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo(USER + "/pro"));
	}

	@Test
	void identityIsReadableFromTheReactorContextAfterAThreadHop() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me/later")
			.header(IdentityHeaders.USER_ID, USER)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo(USER));
	}

	@Test
	void malformedUserIdIs401NotA500() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me")
			.header(IdentityHeaders.USER_ID, "not-a-uuid")
			.exchange()
			.expectStatus()
			.isUnauthorized());
	}

	@Test
	void publicPathsAndMethodsAreOpen() {
		this.runner.run((context) -> {
			ReactiveWebTestApp.client(context).get().uri("/api/auth/ping").exchange().expectStatus().isOk();
			ReactiveWebTestApp.client(context).get().uri("/api/catalog/x").exchange().expectStatus().isOk();
			ReactiveWebTestApp.client(context).post().uri("/api/catalog/x").exchange().expectStatus().isUnauthorized();
		});
	}

	@Test
	void requestIdIsEchoedOrMade() {
		this.runner.run((context) -> {
			ReactiveWebTestApp.client(context)
				.get()
				.uri("/api/auth/ping")
				.header(IdentityHeaders.REQUEST_ID, "abc-1")
				.exchange()
				.expectHeader()
				.valueEquals(IdentityHeaders.REQUEST_ID, "abc-1");
			String made = ReactiveWebTestApp.client(context)
				.get()
				.uri("/api/auth/ping")
				.header(IdentityHeaders.REQUEST_ID, "bad id with spaces\nand newline")
				.exchange()
				.returnResult(String.class)
				.getResponseHeaders()
				.getFirst(IdentityHeaders.REQUEST_ID);
			assertThat(made).matches("[a-z0-9]{16}");
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class Endpoints {

		@Bean
		MeController meController() {
			return new MeController();
		}

	}

	@RestController
	static class MeController {

		@GetMapping("/api/me")
		Mono<String> me(CurrentUser user) {
			return Mono.just(user.id() + "/" + user.plan());
		}

		@GetMapping("/api/me/later")
		Mono<String> later() {
			return Mono.just(1)
				.publishOn(Schedulers.boundedElastic())
				.flatMap((tick) -> CurrentUser.current())
				.map((user) -> user.id().toString());
		}

		@GetMapping({ "/api/auth/ping", "/api/catalog/x" })
		Mono<String> ping() {
			return Mono.just("pong");
		}

		@org.springframework.web.bind.annotation.PostMapping("/api/catalog/x")
		Mono<String> write() {
			return Mono.just("written");
		}

	}

}
