package com.lingxi.common.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;

/**
 * {@link LingxiRedis} on the server Spring Boot's {@code spring.data.redis.*} describes.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
@ConditionalOnClass({ RedisClient.class, DataRedisConnectionDetails.class })
@ConditionalOnBean(DataRedisConnectionDetails.class)
@EnableConfigurationProperties(LingxiRedisProperties.class)
public final class RedisAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LingxiRedis lingxiRedis(DataRedisConnectionDetails details, LingxiRedisProperties properties) {
		DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
		RedisURI.Builder uri = RedisURI.builder()
			.withHost(standalone.getHost())
			.withPort(standalone.getPort())
			.withDatabase(standalone.getDatabase())
			.withTimeout(properties.commandTimeout());
		if (details.getPassword() != null && !details.getPassword().isEmpty()) {
			if (details.getUsername() != null && !details.getUsername().isEmpty()) {
				uri.withAuthentication(details.getUsername(), details.getPassword().toCharArray());
			}
			else {
				uri.withPassword(details.getPassword().toCharArray());
			}
		}
		return new LingxiRedis(uri.build(), properties.namespace(), properties.commandTimeout(),
				properties.blockingCommandTimeout());
	}

}
