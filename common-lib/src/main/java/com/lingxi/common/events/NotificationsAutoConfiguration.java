package com.lingxi.common.events;

import io.lettuce.core.RedisClient;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.context.annotation.Bean;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.redis.RedisAutoConfiguration;

/** Pub/sub {@link Notifications} for any service with Redis. */
@AutoConfiguration(after = { RedisAutoConfiguration.class, JacksonAutoConfiguration.class })
@ConditionalOnClass(RedisClient.class)
@ConditionalOnBean(LingxiRedis.class)
public final class NotificationsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	Notifications notifications(LingxiRedis redis, JsonMapper json) {
		return new Notifications(redis, json);
	}

}
