package com.lingxi.billing.plans;

import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.billing.upstream.ProxyProperties;
import com.lingxi.common.events.EventHandler;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.Notifications;
import com.lingxi.common.events.topics.UserRegistered;

@Configuration(proxyBeanMethods = false)
class PlansConfiguration {

	@Bean
	PlanCatalog planCatalog(PlanProperties properties, ProxyProperties proxy) {
		return new PlanCatalog(properties, (proxy.aliases() != null) ? proxy.aliases().keySet() : Set.of());
	}

	@Bean
	Subscriptions subscriptions(DatabaseClient db) {
		return new Subscriptions(db);
	}

	@Bean
	Plans plans(Subscriptions subscriptions, PlanCatalog catalog, EventPublisher events,
			ReactiveTransactionManager transactions, Notifications notifications) {
		return new Plans(subscriptions, catalog, events, TransactionalOperator.create(transactions), notifications);
	}

	/** A new user starts on the default plan (idempotent). */
	@Bean
	EventHandler<UserRegistered> subscribeNewUsers(Plans plans) {
		return EventHandler.of(UserRegistered.TOPIC, (event) -> plans.registered(event.payload().userId()));
	}

}
