package com.lingxi.agent.memory;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;

@Configuration(proxyBeanMethods = false)
class MemoryConfiguration {

	@Bean
	Memories memories(DatabaseClient db, JsonMapper json, ReactiveTransactionManager transactions) {
		return new Memories(db, json, transactions);
	}

	@Bean
	MemoryService memoryService(Memories memories, EventPublisher events, TransactionalOperator tx,
			MemoryProperties properties, JsonMapper json) {
		return new MemoryService(memories, events, tx, properties, json);
	}

}
