package com.lingxi.common.remote;

import feign.Feign;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** {@link RemoteCalls} and identity propagation for services that use Feign clients. */
@AutoConfiguration
@ConditionalOnClass({ Feign.class, CircuitBreakerOperator.class })
@EnableConfigurationProperties(RemoteCallProperties.class)
public final class RemoteCallsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RemoteCalls remoteCalls(RemoteCallProperties properties, ObjectProvider<CircuitBreakerRegistry> registry) {
		return new RemoteCalls(properties, registry.getIfAvailable(CircuitBreakerRegistry::ofDefaults));
	}

	@Bean
	IdentityPropagatingInterceptor identityPropagatingInterceptor() {
		return new IdentityPropagatingInterceptor();
	}

}
