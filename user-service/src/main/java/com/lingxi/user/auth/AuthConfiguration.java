package com.lingxi.user.auth;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.account.Users;
import com.lingxi.user.sms.SmsCodes;
import com.lingxi.user.token.AccessTokens;
import com.lingxi.user.token.RefreshTokens;
import com.lingxi.user.token.SigningKeys;
import com.lingxi.user.wechat.WeChatClient;
import com.lingxi.user.wechat.WeChatProperties;

@Configuration(proxyBeanMethods = false)
class AuthConfiguration {

	@Bean
	TransactionalOperator transactionalOperator(ReactiveTransactionManager transactions) {
		return TransactionalOperator.create(transactions);
	}

	@Bean
	SigningKeys signingKeys(DatabaseClient db, SecretCipher cipher, AuthProperties properties) {
		return new SigningKeys(db, cipher, properties);
	}

	@Bean
	AccessTokens accessTokens(SigningKeys keys, AuthProperties properties) {
		return new AccessTokens(keys, properties);
	}

	@Bean
	RefreshTokens refreshTokens(DatabaseClient db, TransactionalOperator tx, AuthProperties properties) {
		return new RefreshTokens(db, tx, properties);
	}

	@Bean
	Passwords passwords(AuthProperties properties) {
		return new Passwords(properties.bcryptStrength());
	}

	@Bean
	LoginThrottle loginThrottle(LingxiRedis redis, AuthProperties properties) {
		return new LoginThrottle(redis, properties.lockout());
	}

	@Bean
	WeChatClient weChatClient(WeChatProperties properties, WebClient.Builder http, JsonMapper json) {
		return new WeChatClient(properties, http, json);
	}

	@Bean
	AuthService authService(Users users, SmsCodes codes, Passwords passwords, LoginThrottle throttle,
			AccessTokens accessTokens, RefreshTokens refreshTokens, WeChatClient wechat, EventPublisher events,
			TransactionalOperator tx, LingxiRedis redis) {
		return new AuthService(users, codes, passwords, throttle, accessTokens, refreshTokens, wechat, events, tx,
				redis);
	}

}
