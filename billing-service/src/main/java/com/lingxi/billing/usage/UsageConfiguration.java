package com.lingxi.billing.usage;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.common.events.EventPublisher;

@Configuration(proxyBeanMethods = false)
class UsageConfiguration {

	@Bean
	Tokenizer tokenizer() {
		return new Tokenizer();
	}

	@Bean
	UsageJournal usageJournal(UsageProperties properties, JsonMapper json) {
		return new UsageJournal(properties, json);
	}

	@Bean
	UsageWriter usageWriter(UsageJournal journal, DatabaseClient db, ReactiveTransactionManager transactions,
			EventPublisher events, JsonMapper json, PendingCharges pending, UsageProperties properties,
			MeterRegistry meters) {
		return new UsageWriter(journal, db, TransactionalOperator.create(transactions), events, json, pending,
				properties, meters);
	}

	@Bean
	UsageQueries usageQueries(DatabaseClient db) {
		return new UsageQueries(db);
	}

	/**
	 * Starts the journal before the web server takes calls and stops it after the last
	 * call in flight finished (a lower phase than the server's graceful shutdown).
	 */
	@Bean
	SmartLifecycle usageRecording(UsageJournal journal, UsageWriter writer) {
		return new SmartLifecycle() {

			private volatile boolean running;

			@Override
			public void start() {
				journal.start();
				writer.start();
				this.running = true;
			}

			@Override
			public void stop() {
				writer.stop(Duration.ofSeconds(5));
				journal.stop();
				this.running = false;
			}

			@Override
			public boolean isRunning() {
				return this.running;
			}

			@Override
			public int getPhase() {
				return SmartLifecycle.DEFAULT_PHASE - 4096;
			}
		};
	}

}
