package com.lingxi.common.observability;

import java.net.InetAddress;
import java.net.UnknownHostException;

import io.micrometer.context.ContextRegistry;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Common metric tags ({@code application}, {@code instance}) and the request id in every
 * log line of a reactive request.
 */
@AutoConfiguration
@EnableConfigurationProperties(ObservabilityProperties.class)
public final class ObservabilityAutoConfiguration {

	// Reactor copies registered context values into thread locals at every hop when
	// spring.reactor.context-propagation=auto (the platform default); the gateway turns
	// that
	// off for throughput and logs request ids explicitly instead.
	static {
		ContextRegistry.getInstance().registerThreadLocalAccessor(new RequestContextAccessor());
	}

	@Bean
	MeterRegistryCustomizer<MeterRegistry> lingxiCommonTags(Environment environment,
			ObservabilityProperties properties) {
		String application = environment.getProperty("spring.application.name", "application");
		String instance = (properties.instance() != null && !properties.instance().isBlank()) ? properties.instance()
				: hostName() + ":" + environment.getProperty("server.port", "8080");
		return (registry) -> registry.config().commonTags("application", application, "instance", instance);
	}

	private static String hostName() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "localhost";
		}
	}

}
