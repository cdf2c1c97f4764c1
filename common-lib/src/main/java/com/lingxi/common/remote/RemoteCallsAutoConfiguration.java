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

import com.lingxi.common.trust.ServiceTokens;
import com.lingxi.common.trust.TrustAutoConfiguration;
import com.lingxi.common.trust.TrustProperties;

/**
 * {@link RemoteCalls} and the service token on every call, for services that use Feign
 * clients.
 */
@AutoConfiguration(after = TrustAutoConfiguration.class)
@ConditionalOnClass({ Feign.class, CircuitBreakerOperator.class })
@EnableConfigurationProperties({ RemoteCallProperties.class, TrustProperties.class })
public final class RemoteCallsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RemoteCalls remoteCalls(RemoteCallProperties properties, ObjectProvider<CircuitBreakerRegistry> registry) {
		return new RemoteCalls(properties, registry.getIfAvailable(CircuitBreakerRegistry::ofDefaults));
	}

	@Bean
	ServiceIdentityInterceptor serviceIdentityInterceptor(ObjectProvider<ServiceTokens> tokens) {
		ServiceTokens own = tokens.getIfAvailable();
		if (own == null) {
			throw new IllegalStateException("lingxi.trust.service-key (LINGXI_TRUST_SERVICE_KEY) is not set, so this"
					+ " service cannot prove who it is to the services it calls. ./lingxi up generates it; on Kubernetes"
					+ " it comes from the service's trust Secret (docs/security.md).");
		}
		return new ServiceIdentityInterceptor(own);
	}

}
