package com.lingxi.agent.support;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.id.Ids;

@Configuration(proxyBeanMethods = false)
class DatabaseConfiguration {

	@Bean
	TransactionalOperator transactionalOperator(ReactiveTransactionManager transactions) {
		return TransactionalOperator.create(transactions);
	}

	/**
	 * Seeds the id generator while the application starts: its first use reads the
	 * operating system's entropy source, which must not happen on an event loop.
	 */
	@Bean
	static SmartInitializingSingleton seedIdGenerator() {
		return Ids::secureRandom;
	}

}
