package com.lingxi.common.redis;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the platform uses Redis (the server itself is {@code spring.data.redis.*}).
 *
 * @param namespace prefix of every key, stream and channel the platform writes
 * @param commandTimeout how long one command may take before it fails
 * @param blockingCommandTimeout how long a blocking read may take; longer than any block
 * an event consumer asks for ({@code lingxi.events.consumer.block})
 */
@ConfigurationProperties(prefix = LingxiRedisProperties.PREFIX)
public record LingxiRedisProperties(@DefaultValue("lingxi") String namespace,
		@DefaultValue("2s") Duration commandTimeout, @DefaultValue("60s") Duration blockingCommandTimeout) {

	public static final String PREFIX = "lingxi.redis";

}
