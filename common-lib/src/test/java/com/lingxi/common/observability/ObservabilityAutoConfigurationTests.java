package com.lingxi.common.observability;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.reactor.autoconfigure.ReactorAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.IdentityAutoConfiguration;
import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.problem.ProblemAutoConfiguration;
import com.lingxi.common.test.ReactiveWebTestApp;

import static org.assertj.core.api.Assertions.assertThat;

class ObservabilityAutoConfigurationTests {

	@Test
	void everyMeterCarriesApplicationAndInstanceTags() {
		ReactiveWebTestApp.runner("test-service")
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, ObservabilityAutoConfiguration.class))
			.withPropertyValues("spring.application.name=user-service", "lingxi.observability.instance=pod-7")
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				registry.counter("lingxi.test").increment();
				assertThat(registry.get("lingxi.test")
					.tag("application", "user-service")
					.tag("instance", "pod-7")
					.counter()
					.count()).isEqualTo(1);
			});
	}

	@Test
	void requestIdIsInTheLoggingContextOnEveryThreadOfTheRequest() {
		ReactiveWebTestApp.runner("test-service")
			.withConfiguration(AutoConfigurations.of(ReactorAutoConfiguration.class, ProblemAutoConfiguration.class,
					IdentityAutoConfiguration.class, ObservabilityAutoConfiguration.class))
			.withPropertyValues("spring.reactor.context-propagation=auto")
			.withUserConfiguration(Endpoints.class)
			.run((context) -> ReactiveWebTestApp.clientThroughTheGateway(context)
				.get()
				.uri("/mdc")
				.header(IdentityHeaders.REQUEST_ID, "trace-me-1")
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.isEqualTo("trace-me-1"));
	}

	@Test
	void platformDefaultsAreTheWeakestPropertySource() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getSystemProperties().put("management.endpoint.health.show-details", "always");
		new LingxiDefaultsEnvironmentPostProcessor().postProcessEnvironment(environment, new SpringApplication());
		assertThat(environment.getProperty("management.endpoints.web.exposure.include")).contains("prometheus");
		assertThat(environment.getProperty("management.endpoint.health.show-details")).isEqualTo("always");
		assertThat(environment.getProperty("spring.cloud.discovery.client.simple.instances.user-service[0].uri"))
			.isEqualTo("http://127.0.0.1:8081");
		assertThat(environment.getProperty("spring.cloud.nacos.config.enabled")).isEqualTo("false");
	}

	@Configuration(proxyBeanMethods = false)
	static class Endpoints {

		@Bean
		MdcController mdcController() {
			return new MdcController();
		}

	}

	@RestController
	static class MdcController {

		@GetMapping("/mdc")
		Mono<String> mdc() {
			return Mono.delay(java.time.Duration.ofMillis(10))
				.publishOn(Schedulers.boundedElastic())
				.map((tick) -> String.valueOf(MDC.get("requestId")));
		}

	}

}
