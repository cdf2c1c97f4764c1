package com.lingxi.common.test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.trust.TrustAutoConfiguration;

/**
 * A reactive web application context without a server, as Boot builds one, for runner
 * tests.
 */
public final class ReactiveWebTestApp {

	private ReactiveWebTestApp() {
	}

	/**
	 * A runner with Spring Boot's WebFlux, Jackson, codec and validation
	 * auto-configurations.
	 */
	public static ReactiveWebApplicationContextRunner runner() {
		return new ReactiveWebApplicationContextRunner().withConfiguration(AutoConfigurations.of(
				PropertyPlaceholderAutoConfiguration.class, JacksonAutoConfiguration.class,
				CodecsAutoConfiguration.class, ValidationAutoConfiguration.class, WebFluxAutoConfiguration.class,
				HttpHandlerAutoConfiguration.class, ErrorWebFluxAutoConfiguration.class));
	}

	/**
	 * A runner as {@link #runner()}, for a service named {@code service} with its
	 * credentials ({@link TestTrust}) and the trust auto-configuration.
	 */
	public static ReactiveWebApplicationContextRunner runner(String service) {
		return runner().withConfiguration(AutoConfigurations.of(TrustAutoConfiguration.class))
			.withPropertyValues("spring.application.name=" + service)
			.withPropertyValues(TestTrust.properties(service)
				.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + "=" + entry.getValue())
				.toArray(String[]::new));
	}

	/**
	 * A client for the context's HTTP handler whose requests arrive as the gateway
	 * forwards an anonymous caller's (see {@link AsIfThroughTheGateway}).
	 */
	public static WebTestClient clientThroughTheGateway(ApplicationContext context) {
		return WebTestClient.bindToApplicationContext(context)
			.configureClient()
			.filter(new AsIfThroughTheGateway(context.getEnvironment().getProperty("spring.application.name")))
			.build();
	}

	/** A client for the context's HTTP handler. */
	public static WebTestClient client(ApplicationContext context) {
		return WebTestClient.bindToApplicationContext(context).configureClient().build();
	}

}
