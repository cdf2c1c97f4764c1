package com.lingxi.common.trust;

import java.time.Clock;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.core.env.Environment;

/**
 * The service's own identity for calls it makes: {@link ServiceTokens} from
 * {@code lingxi.trust.service-key}. Checking callers is
 * {@link com.lingxi.common.identity.IdentityAutoConfiguration}'s job.
 */
@AutoConfiguration
@EnableConfigurationProperties(TrustProperties.class)
public final class TrustAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@Conditional(OnServiceKey.class)
	ServiceTokens serviceTokens(TrustProperties properties, Environment environment) {
		return new ServiceTokens(properties.serviceName(environment), ServiceKeys.privateKey(properties.serviceKey()),
				properties.serviceTokenTtl(), Clock.systemUTC())
			.warmUp();
	}

	@Bean
	@ConditionalOnMissingBean
	ManagementPorts managementPorts() {
		return new ManagementPorts();
	}

	/** Matches when this service has a key of its own (not blank). */
	static final class OnServiceKey implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String key = context.getEnvironment().getProperty(TrustProperties.PREFIX + ".service-key");
			return key != null && !key.isBlank();
		}

	}

}
