package com.lingxi.common.identity;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.problem.ProblemAutoConfiguration;
import com.lingxi.common.test.ReactiveWebTestApp;
import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.InternalApi;
import com.lingxi.common.trust.TrustAutoConfiguration;
import com.lingxi.common.trust.TrustHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service believes only what it can verify: the gateway's edge assertion for the API, a
 * service token for {@code /internal/**}, each for this service only; identity headers
 * are never read.
 */
class IdentityAutoConfigurationTests {

	private static final String SELF = "agent-service";

	private static final UUID USER = UUID.fromString("7b0e1f5e-4a3c-4a63-9a4e-2f0d1b6a9c11");

	private final ReactiveWebApplicationContextRunner runner = ReactiveWebTestApp.runner()
		.withConfiguration(AutoConfigurations.of(ProblemAutoConfiguration.class, TrustAutoConfiguration.class,
				IdentityAutoConfiguration.class))
		.withPropertyValues("spring.application.name=" + SELF,
				"lingxi.identity.public-paths=/api/auth/**,GET /api/catalog/**")
		.withPropertyValues(TestTrust.properties(SELF)
			.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new))
		.withUserConfiguration(Endpoints.class);

	@Test
	void aForgedUserIdHeaderIsIgnoredAndTheRequestRefused() {
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			http.get()
				.uri("/api/me")
				.header(IdentityHeaders.USER_ID, USER.toString())
				.header(IdentityHeaders.USER_PLAN, "pro")
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectBody()
				.jsonPath("$.type")
				.isEqualTo("https://lingxi.cloud/problems/unauthorized")
				.jsonPath("$.detail")
				.isEqualTo("This service answers only requests that come through the Lingxi gateway.");
			// Next to a genuine anonymous assertion, the header still does not make a
			// user.
			http.get()
				.uri("/api/me")
				.headers(TestTrust.anonymous(SELF))
				.header(IdentityHeaders.USER_ID, USER.toString())
				.exchange()
				.expectStatus()
				.isUnauthorized();
			http.get()
				.uri("/api/auth/ping")
				.header(IdentityHeaders.USER_ID, USER.toString())
				.exchange()
				.expectStatus()
				.isUnauthorized();
		});
	}

	@Test
	void theControllerReceivesTheUserTheGatewayAsserted() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me")
			.headers(TestTrust.asUser(SELF, USER, "pro"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo(USER + "/pro"));
	}

	@Test
	void theUserIsReadableFromTheReactorContextAfterAThreadHop() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/me/later")
			.headers(TestTrust.asUser(SELF, USER, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.isEqualTo(USER.toString()));
	}

	@Test
	void anAssertionForAnotherServiceTamperedExpiredOrSignedWithAnotherKeyIs401() {
		String forBilling = TestTrust.edgeAssertion("billing-service", USER, "pro");
		String valid = TestTrust.edgeAssertion(SELF, USER, "free");
		String[] parts = valid.split("\\.");
		String promoted = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2)
				+ ((parts[1].charAt(parts[1].length() - 2) == 'A') ? "B" : "A") + parts[1].charAt(parts[1].length() - 1)
				+ "." + parts[2];
		String expired = TestTrust.edgeAssertion(SELF, new EdgeAssertion("r1", "127.0.0.1", USER, "pro", "t1"),
				Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-5)));
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			for (String assertion : new String[] { forBilling, promoted, expired, "not.a.jws",
					parts[0] + "." + parts[1] + ".AAAA" }) {
				http.get()
					.uri("/api/me")
					.header(TrustHeaders.EDGE, assertion)
					.exchange()
					.expectStatus()
					.isUnauthorized()
					.expectBody()
					.jsonPath("$.type")
					.isEqualTo("https://lingxi.cloud/problems/unauthorized");
			}
		});
	}

	@Test
	void publicPathsServeAnonymousCallersThatCameThroughTheGateway() {
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			http.get().uri("/api/auth/ping").headers(TestTrust.anonymous(SELF)).exchange().expectStatus().isOk();
			http.get().uri("/api/catalog/x").headers(TestTrust.anonymous(SELF)).exchange().expectStatus().isOk();
			http.post()
				.uri("/api/catalog/x")
				.headers(TestTrust.anonymous(SELF))
				.exchange()
				.expectStatus()
				.isUnauthorized();
		});
	}

	@Test
	void theRequestIdIsTheOneTheGatewayAsserted() {
		String assertion = TestTrust.edgeAssertion(SELF, EdgeAssertion.anonymous("edge-req-1", "10.0.0.9"),
				Clock.systemUTC());
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/api/auth/ping")
			.header(TrustHeaders.EDGE, assertion)
			.header(IdentityHeaders.REQUEST_ID, "spoofed")
			.exchange()
			.expectHeader()
			.valueEquals(IdentityHeaders.REQUEST_ID, "edge-req-1"));
	}

	@Test
	void internalEndpointsAnswerOnlyTheServicesTheyName() {
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			http.get()
				.uri("/internal/users/1/team")
				.headers(TestTrust.asService("config-service", SELF))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.isEqualTo("config-service");
			http.get()
				.uri("/internal/users/1/team")
				.headers(TestTrust.asService("instance-service", SELF))
				.exchange()
				.expectStatus()
				.isForbidden()
				.expectBody()
				.jsonPath("$.detail")
				.isEqualTo("The service 'instance-service' may not call this endpoint.");
			http.post()
				.uri("/internal/sync")
				.headers(TestTrust.asService(InternalApi.OPERATOR, SELF))
				.exchange()
				.expectStatus()
				.isOk();
		});
	}

	@Test
	void internalEndpointsRefuseCallersWithoutAValidServiceToken() {
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			http.get().uri("/internal/users/1/team").exchange().expectStatus().isUnauthorized();
			http.get()
				.uri("/internal/users/1/team")
				.header(IdentityHeaders.USER_ID, USER.toString())
				.exchange()
				.expectStatus()
				.isUnauthorized();
			// The gateway's assertion for a user opens the API, not internal endpoints.
			http.get()
				.uri("/internal/users/1/team")
				.headers(TestTrust.asUser(SELF, USER, "enterprise"))
				.exchange()
				.expectStatus()
				.isUnauthorized();
			http.get()
				.uri("/internal/users/1/team")
				.header(TrustHeaders.SERVICE, TestTrust.strangerToken("config-service", SELF))
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectBody()
				.jsonPath("$.detail")
				.isEqualTo("The service token's signature is not valid.");
			http.get()
				.uri("/internal/users/1/team")
				.header(TrustHeaders.SERVICE, TestTrust.serviceToken("config-service", "billing-service"))
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectBody()
				.jsonPath("$.detail")
				.isEqualTo("The service token is meant for another service.");
		});
	}

	@Test
	void pathTricksThatCouldMakeAnInternalEndpointLookLikeTheApiAreRefused() {
		this.runner.run((context) -> {
			WebTestClient http = ReactiveWebTestApp.client(context);
			for (String path : new String[] { "/api/%2e%2e/internal/users/1/team", "/api/../internal/users/1/team",
					"/api/me/..%2f..%2finternal/users/1/team", "/api//internal/users/1/team",
					"/api;x=1/../internal/users/1/team", "/api/me%5c..%5c..%5cinternal/users/1/team" }) {
				http.get()
					.uri(java.net.URI.create(path))
					.headers(TestTrust.asUser(SELF, USER, "enterprise"))
					.exchange()
					.expectStatus()
					.isBadRequest()
					.expectBody()
					.jsonPath("$.detail")
					.isEqualTo("The request path is malformed.");
			}
		});
	}

	@Test
	void anInternalHandlerThatNamesNoCallersAnswersNobody() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/internal/forgotten")
			.headers(TestTrust.asService("config-service", SELF))
			.exchange()
			.expectStatus()
			.isForbidden());
	}

	@Test
	void exemptPathsNeedNoCredential() {
		this.runner.run((context) -> ReactiveWebTestApp.client(context)
			.get()
			.uri("/.well-known/jwks.json")
			.exchange()
			.expectStatus()
			.isOk());
	}

	@Test
	void aServiceWithoutItsEdgeKeyDoesNotStart() {
		ReactiveWebTestApp.runner()
			.withConfiguration(AutoConfigurations.of(ProblemAutoConfiguration.class, TrustAutoConfiguration.class,
					IdentityAutoConfiguration.class))
			.withPropertyValues("spring.application.name=" + SELF)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("lingxi.trust.edge-key"));
	}

	@Configuration(proxyBeanMethods = false)
	static class Endpoints {

		@Bean
		MeController meController() {
			return new MeController();
		}

		@Bean
		InternalController internalController() {
			return new InternalController();
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

		@GetMapping({ "/api/auth/ping", "/api/catalog/x", "/.well-known/jwks.json" })
		Mono<String> ping() {
			return Mono.just("pong");
		}

		@PostMapping("/api/catalog/x")
		Mono<String> write() {
			return Mono.just("written");
		}

	}

	@RestController
	static class InternalController {

		@InternalApi(callers = "config-service")
		@GetMapping("/internal/users/{id}/team")
		Mono<String> team(RequestContext context) {
			return Mono.just(context.service().orElse("?"));
		}

		@InternalApi(callers = InternalApi.OPERATOR)
		@PostMapping("/internal/sync")
		Mono<String> sync() {
			return Mono.just("synced");
		}

		@GetMapping("/internal/forgotten")
		Mono<String> forgotten() {
			return Mono.just("should not be reachable");
		}

	}

}
