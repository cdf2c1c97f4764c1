package com.lingxi.billing.keys;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

import com.lingxi.common.events.Notifications;

@Configuration(proxyBeanMethods = false)
class KeysConfiguration {

	@Bean
	InstanceKeys instanceKeys(DatabaseClient db) {
		return new InstanceKeys(db);
	}

	@Bean
	ProxyKeys proxyKeys(InstanceKeys keys, Notifications notifications, KeyProperties properties) {
		return new ProxyKeys(keys, notifications, properties);
	}

}
