package com.lingxi.common.observability;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Adds {@code lingxi-defaults.properties} (platform-wide defaults: actuator exposure,
 * local service addresses, Nacos off, structured logs) as the property source of lowest
 * precedence, so each service's own {@code application.yml}, profiles and environment
 * override it.
 */
public final class LingxiDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String RESOURCE = "lingxi-defaults.properties";

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		try {
			for (PropertySource<?> source : new PropertiesPropertySourceLoader().load("lingxiDefaults",
					new ClassPathResource(RESOURCE))) {
				environment.getPropertySources().addLast(source);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + RESOURCE, ex);
		}
	}

}
