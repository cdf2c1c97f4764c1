package com.lingxi.user.account;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

@Configuration(proxyBeanMethods = false)
class UsersConfiguration {

	@Bean
	Users users(DatabaseClient db) {
		return new Users(db);
	}

}
