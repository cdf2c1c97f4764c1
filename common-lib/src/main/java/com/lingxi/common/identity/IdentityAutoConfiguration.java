package com.lingxi.common.identity;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;

/**
 * Caller identity from the gateway's headers. Off in the gateway itself
 * ({@code lingxi.identity.enabled=false}), which is where those headers are made.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnProperty(prefix = IdentityProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(IdentityProperties.class)
public final class IdentityAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	IdentityWebFilter identityWebFilter(IdentityProperties properties) {
		return new IdentityWebFilter(properties);
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
