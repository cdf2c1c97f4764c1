package com.lingxi.common.identity;

import java.time.Clock;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;

import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.ManagementPorts;
import com.lingxi.common.trust.ServiceKeys;
import com.lingxi.common.trust.ServiceTokenVerifier;
import com.lingxi.common.trust.TrustAutoConfiguration;
import com.lingxi.common.trust.TrustProperties;

/**
 * Caller identity from credentials the service verifies itself: the gateway's edge
 * assertions for API requests, other services' tokens for {@code /internal/**}. Off in
 * the gateway itself ({@code lingxi.identity.enabled=false}), which makes the assertions.
 * A service without its edge key does not start: it could not tell the gateway's requests
 * from forged ones.
 */
@AutoConfiguration(after = TrustAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnProperty(prefix = IdentityProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties({ IdentityProperties.class, TrustProperties.class })
public final class IdentityAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	IdentityWebFilter identityWebFilter(IdentityProperties identity, TrustProperties trust, Environment environment,
			ObjectProvider<RequestMappingHandlerMapping> mappings, ObjectProvider<ManagementPorts> managementPorts) {
		String self = trust.serviceName(environment);
		if (trust.edgeKey() == null || trust.edgeKey().isBlank()) {
			throw new IllegalStateException("lingxi.trust.edge-key (LINGXI_TRUST_EDGE_KEY) is not set, so " + self
					+ " cannot tell the gateway's requests from forged ones. ./lingxi up generates it; on Kubernetes it"
					+ " comes from the service's trust Secret (docs/security.md).");
		}
		EdgeAssertions.Verifier edge = new EdgeAssertions.Verifier(self,
				EdgeAssertions.decodeKeys(trust.edgeKey(), "lingxi.trust.edge-key"), trust.clockSkew(),
				Clock.systemUTC());
		ServiceTokenVerifier services = new ServiceTokenVerifier(self, ServiceKeys.peers(trust.peerKeys()),
				trust.clockSkew(), Clock.systemUTC());
		return new IdentityWebFilter(identity, PathRules.of(trust.exemptPaths()), edge, services,
				new InternalCallers(mappings), managementPorts.getIfAvailable(ManagementPorts::new));
	}

	@Bean
	WebFluxConfigurer currentUserArgumentResolverConfigurer() {
		return new WebFluxConfigurer() {
			@Override
			public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
				configurer.addCustomResolver(new CurrentUserArgumentResolver());
			}
		};
	}

}
