package com.lingxi.billing.quota;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.redis.LingxiRedis;

@Configuration(proxyBeanMethods = false)
class QuotaConfiguration {

	@Bean
	BillingCalendar billingCalendar(QuotaProperties properties) {
		return new BillingCalendar(properties.zone());
	}

	@Bean
	QuotaLedger quotaLedger(LingxiRedis redis, DatabaseClient db, BillingCalendar calendar,
			QuotaProperties properties) {
		return new QuotaLedger(redis, db, calendar, properties);
	}

	@Bean
	PendingCharges pendingCharges(QuotaLedger ledger, DatabaseClient db, QuotaProperties properties,
			MeterRegistry meters) {
		return new PendingCharges(ledger, db, properties.settleRetry(), properties.maxPendingSettlements(), meters);
	}

	@Bean
	QuotaNotices quotaNotices(DatabaseClient db, EventPublisher events, ReactiveTransactionManager transactions) {
		return new QuotaNotices(db, events, TransactionalOperator.create(transactions));
	}

}
