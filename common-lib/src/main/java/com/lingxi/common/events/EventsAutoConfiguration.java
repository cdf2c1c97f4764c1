package com.lingxi.common.events;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import org.flywaydb.core.Flyway;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationInitializer;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcTransactionManagerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.redis.RedisAutoConfiguration;

/**
 * Durable events for a service with a database and Redis: the outbox writer, its relay,
 * the consumer container for every {@link EventHandler} bean, and dead-letter access.
 */
@AutoConfiguration(after = { R2dbcAutoConfiguration.class, R2dbcTransactionManagerAutoConfiguration.class,
		RedisAutoConfiguration.class, FlywayAutoConfiguration.class, JacksonAutoConfiguration.class })
@ConditionalOnClass({ DatabaseClient.class, RedisClient.class })
@ConditionalOnBean({ DatabaseClient.class, LingxiRedis.class, ReactiveTransactionManager.class })
@ConditionalOnProperty(prefix = EventsProperties.PREFIX, name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(EventsProperties.class)
public final class EventsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	EventStreams eventStreams(LingxiRedis redis) {
		return new EventStreams(redis);
	}

	@Bean
	@ConditionalOnMissingBean
	EventPublisher eventPublisher(DatabaseClient db, JsonMapper json) {
		return new EventPublisher(db, json);
	}

	@Bean
	ConsumerGroups eventConsumerGroups(LingxiRedis redis, EventStreams streams, ObjectProvider<MeterRegistry> meters) {
		return new ConsumerGroups(redis, streams, meters.getIfAvailable(SimpleMeterRegistry::new));
	}

	@Bean
	@ConditionalOnMissingBean
	DeadLetters deadLetters(LingxiRedis redis, EventStreams streams) {
		return new DeadLetters(redis, streams);
	}

	@Bean
	@ConditionalOnProperty(prefix = EventsProperties.PREFIX, name = "relay.enabled", matchIfMissing = true)
	OutboxRelay outboxRelay(DatabaseClient db, ReactiveTransactionManager transactions, LingxiRedis redis,
			EventStreams streams, EventsProperties properties, ConnectionFactory connectionFactory,
			ObjectProvider<MeterRegistry> meters, ConsumerGroups groups) {
		return new OutboxRelay(db, TransactionalOperator.create(transactions), redis, streams, properties.relay(),
				connectionFactory, meters.getIfAvailable(SimpleMeterRegistry::new), groups);
	}

	@Bean
	EventConsumers eventConsumers(ObjectProvider<EventHandler<?>> handlers, DatabaseClient db,
			ReactiveTransactionManager transactions, LingxiRedis redis, EventStreams streams, JsonMapper json,
			EventsProperties properties, Environment environment, ObjectProvider<MeterRegistry> meters,
			ConsumerGroups groups) {
		TransactionalOperator tx = TransactionalOperator.create(transactions);
		MeterRegistry registry = meters.getIfAvailable(SimpleMeterRegistry::new);
		String application = environment.getProperty("spring.application.name", "application");
		String name = consumerName(properties.consumer());
		List<StreamConsumer<?>> consumers = handlers.orderedStream()
			.<StreamConsumer<?>>map((handler) -> consumer(handler, application, name, redis, streams, db, tx, json,
					properties, registry, groups))
			.toList();
		return new EventConsumers(consumers, db, properties.consumer().dedupRetention());
	}

	private static <T> StreamConsumer<T> consumer(EventHandler<T> handler, String application, String name,
			LingxiRedis redis, EventStreams streams, DatabaseClient db, TransactionalOperator tx, JsonMapper json,
			EventsProperties properties, MeterRegistry meters, ConsumerGroups groups) {
		String group = (handler.group() != null) ? handler.group() : application;
		return new StreamConsumer<>(handler, group, name, redis, streams, db, tx, json, properties.consumer(), meters,
				groups);
	}

	private static String consumerName(EventsProperties.Consumer consumer) {
		if (consumer.name() != null && !consumer.name().isBlank()) {
			return consumer.name();
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "consumer";
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Flyway.class)
	@ConditionalOnBean(Flyway.class)
	static class SchemaConfiguration {

		@Bean
		EventsSchemaMigration eventsSchemaMigration(Flyway flyway,
				ObjectProvider<FlywayMigrationInitializer> serviceMigrations) {
			// Resolving the initializer makes the service's own migrations run first.
			serviceMigrations.ifAvailable((initializer) -> {
			});
			return new EventsSchemaMigration(flyway);
		}

	}

}
