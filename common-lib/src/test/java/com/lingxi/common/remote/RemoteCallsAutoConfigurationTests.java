package com.lingxi.common.remote;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import feign.FeignException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.test.StepVerifier;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cloud.openfeign.EnableFeignClients;
import org.springframework.cloud.openfeign.FeignAutoConfiguration;
import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.identity.RequestContext;
import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.InvalidCredentialException;
import com.lingxi.common.trust.TrustAutoConfiguration;
import com.lingxi.common.trust.TrustHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A real Feign client against a real local HTTP server, called through
 * {@link RemoteCalls}.
 */
class RemoteCallsAutoConfigurationTests {

	private DisposableServer server;

	private final List<HttpServerRequest> requests = new CopyOnWriteArrayList<>();

	private final AtomicInteger failuresLeft = new AtomicInteger();

	private volatile int failureStatus = 503;

	private volatile Duration delay = Duration.ZERO;

	@BeforeEach
	void startServer() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/things/{id}", (request, response) -> {
				this.requests.add(request);
				if (this.failuresLeft.getAndDecrement() > 0) {
					return response.status(this.failureStatus).sendString(Mono.just("{\"detail\":\"nope\"}"));
				}
				return Mono.delay(this.delay)
					.then(response.header("Content-Type", "application/json")
						.sendString(Mono.just("{\"id\":\"" + request.param("id") + "\"}"))
						.then());
			}))
			.bindNow();
	}

	@AfterEach
	void stopServer() {
		this.server.disposeNow();
	}

	private ApplicationContextRunner runner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, FeignAutoConfiguration.class,
					TrustAutoConfiguration.class, RemoteCallsAutoConfiguration.class))
			.withUserConfiguration(Clients.class)
			.withPropertyValues("spring.application.name=config-service",
					"lingxi.trust.service-key=" + TestTrust.privateKey("config-service"),
					"things.url=http://127.0.0.1:" + this.server.port(), "lingxi.remote.defaults.backoff=10ms",
					"lingxi.remote.defaults.timeout=500ms", "lingxi.remote.defaults.sliding-window-size=4");
	}

	@Test
	void provesTheServicesIdentityCarriesTheRequestIdButNeverTheUser() {
		UUID user = UUID.randomUUID();
		RequestContext context = new RequestContext("req-7", "10.1.1.1", Optional.of(new CurrentUser(user, "pro")));
		runner().run((app) -> {
			RemoteCalls remote = app.getBean(RemoteCalls.class);
			ThingClient client = app.getBean(ThingClient.class);
			StepVerifier
				.create(remote.call("things", () -> client.get("a1"))
					.contextWrite((ctx) -> ctx.put(RequestContext.KEY, context)))
				.expectNext(new Thing("a1"))
				.verifyComplete();
			HttpServerRequest request = this.requests.get(0);
			assertThat(request.requestHeaders().get("X-Request-Id")).isEqualTo("req-7");
			assertThat(request.requestHeaders().get("X-User-Id")).isNull();
			assertThat(request.requestHeaders().get("X-User-Plan")).isNull();
			String token = request.requestHeaders().get(TrustHeaders.SERVICE);
			assertThat(TestTrust.verifyServiceToken(token, "things")).isEqualTo("config-service");
			assertThatExceptionOfType(InvalidCredentialException.class)
				.isThrownBy(() -> TestTrust.verifyServiceToken(token, "billing-service"));
		});
	}

	@Test
	void aServiceWithFeignClientsButNoKeyDoesNotStart() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, FeignAutoConfiguration.class,
					TrustAutoConfiguration.class, RemoteCallsAutoConfiguration.class))
			.withPropertyValues("spring.application.name=config-service")
			.run((app) -> assertThat(app).getFailure().rootCause().hasMessageContaining("lingxi.trust.service-key"));
	}

	@Test
	void retriesServerErrorsAndSucceeds() {
		this.failuresLeft.set(2);
		runner().run((app) -> {
			RemoteCalls remote = app.getBean(RemoteCalls.class);
			ThingClient client = app.getBean(ThingClient.class);
			StepVerifier.create(remote.call("things", () -> client.get("b2")))
				.expectNext(new Thing("b2"))
				.verifyComplete();
			assertThat(this.requests).hasSize(3);
		});
	}

	@Test
	void clientErrorsAreNotRetriedAndDoNotOpenTheCircuit() {
		this.failureStatus = 404;
		this.failuresLeft.set(100);
		runner().run((app) -> {
			RemoteCalls remote = app.getBean(RemoteCalls.class);
			ThingClient client = app.getBean(ThingClient.class);
			for (int i = 0; i < 6; i++) {
				StepVerifier.create(remote.call("things", () -> client.get("c3")))
					.expectError(FeignException.NotFound.class)
					.verify();
			}
			assertThat(this.requests).hasSize(6);
			assertThat(remote.circuitBreaker("things").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		});
	}

	@Test
	void repeatedFailuresOpenTheCircuitAndItThenRefusesWithoutCalling() {
		this.failuresLeft.set(1000);
		runner().withPropertyValues("lingxi.remote.defaults.max-attempts=1").run((app) -> {
			RemoteCalls remote = app.getBean(RemoteCalls.class);
			ThingClient client = app.getBean(ThingClient.class);
			for (int i = 0; i < 4; i++) {
				StepVerifier.create(remote.call("things", () -> client.get("d4")))
					.expectError(FeignException.ServiceUnavailable.class)
					.verify();
			}
			int calls = this.requests.size();
			StepVerifier.create(remote.call("things", () -> client.get("d4")))
				.expectError(CallNotPermittedException.class)
				.verify();
			assertThat(this.requests).hasSize(calls);
			StepVerifier.create(remote.call("things", () -> client.get("d4"), (ex) -> Mono.just(new Thing("cached"))))
				.expectNext(new Thing("cached"))
				.verifyComplete();
		});
	}

	@Test
	void slowCallsAreCutByTheTimeLimiter() {
		this.delay = Duration.ofSeconds(3);
		runner().withPropertyValues("lingxi.remote.defaults.max-attempts=1").run((app) -> {
			RemoteCalls remote = app.getBean(RemoteCalls.class);
			ThingClient client = app.getBean(ThingClient.class);
			long started = System.nanoTime();
			StepVerifier.create(remote.call("things", () -> client.get("e5")))
				.expectError(java.util.concurrent.TimeoutException.class)
				.verify(Duration.ofSeconds(2));
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
		});
	}

	@Configuration(proxyBeanMethods = false)
	@EnableFeignClients(clients = ThingClient.class)
	static class Clients {

	}

	@FeignClient(name = "things", url = "${things.url}")
	interface ThingClient {

		@GetMapping("/things/{id}")
		Thing get(@PathVariable("id") String id);

	}

	record Thing(String id) {
	}

}
