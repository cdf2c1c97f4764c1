package com.lingxi.common.observability;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ClassPathResource;

import com.lingxi.common.id.Ids;

/**
 * Adds {@code lingxi-defaults.properties} (platform-wide defaults: actuator exposure,
 * local service addresses, Nacos off, structured logs) as Spring Boot's default
 * properties: the source of lowest precedence, so each service's own
 * {@code application.yml}, profiles and environment override it. It runs before config
 * files are read, so other early processors (Spring Cloud's import checks) already see
 * the defaults.
 */
public final class LingxiDefaultsEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	static final String RESOURCE = "lingxi-defaults.properties";

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		Properties properties = new Properties();
		try (InputStream in = new ClassPathResource(RESOURCE, getClass().getClassLoader()).getInputStream()) {
			properties.load(in);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read " + RESOURCE, ex);
		}
		Map<String, Object> defaults = new LinkedHashMap<>();
		properties.forEach((key, value) -> defaults.put((String) key, value));
		DefaultPropertiesPropertySource.addOrMerge(defaults, environment.getPropertySources());
		// The shared strong generator reads the entropy source once, when its class
		// loads:
		// here, on the main thread, rather than on whichever event loop first needs an
		// id.
		Ids.secureInt(1);
	}

}
