package com.lingxi.instance;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

import com.lingxi.instance.runtime.local.LocalRuntimeProperties;

/**
 * Kills the test's gateway processes when its context closes: after the launcher and
 * reconciler have stopped, so nothing starts them again. Use with
 * {@code @DirtiesContext}, so that the context closes when its test class ends rather
 * than when the JVM does.
 */
@TestConfiguration(proxyBeanMethods = false)
public class LocalGatewayCleanup {

	@Bean
	DisposableBean killTestGateways(LocalRuntimeProperties properties) {
		return () -> LocalGateways.killAll(properties.directory());
	}

}
