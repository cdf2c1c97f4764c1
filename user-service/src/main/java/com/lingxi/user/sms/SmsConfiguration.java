package com.lingxi.user.sms;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.redis.LingxiRedis;

/** Chooses the SMS sender from {@code lingxi.sms.provider}. */
@Configuration(proxyBeanMethods = false)
class SmsConfiguration {

	@Bean
	SmsCodes smsCodes(LingxiRedis redis, SmsSender sender, SmsProperties properties) {
		return new SmsCodes(redis, sender, properties);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "lingxi.sms.provider", havingValue = "log", matchIfMissing = true)
	static class LogSender {

		@Bean
		SmsSender logSmsSender(LingxiRedis redis) {
			return new LogSmsSender(redis);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "lingxi.sms.provider", havingValue = "aliyun")
	static class AliyunSender {

		@Bean
		SmsSender aliyunSmsSender(SmsProperties properties, WebClient.Builder http) {
			return new AliyunSmsSender(properties.aliyun(), http);
		}

	}

}
