package com.lingxi.billing.quota;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.QuotaExhausted;

/**
 * Announces {@code quota.exhausted} once per user and billing period: a row in
 * {@code quota_notices} and the event commit together, so replicas racing to announce it
 * produce one event. A small cache spares the database the repeats.
 */
public final class QuotaNotices {

	private final DatabaseClient db;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final Cache<String, Boolean> announced = Caffeine.newBuilder()
		.maximumSize(100_000)
		.expireAfterWrite(Duration.ofDays(1))
		.executor(Runnable::run)
		.build();

	public QuotaNotices(DatabaseClient db, EventPublisher events, TransactionalOperator tx) {
		this.db = db;
		this.events = events;
		this.tx = tx;
	}

	/** The user's allowance for a period is used up: say so, if not said before. */
	public Mono<Void> exhausted(UUID userId, String plan, String period, long limitTokens) {
		String key = userId + "/" + period;
		if (this.announced.getIfPresent(key) != null) {
			return Mono.empty();
		}
		Mono<Void> announce = this.db
			.sql("INSERT INTO quota_notices (user_id, period) VALUES (:userId, :period) ON CONFLICT DO NOTHING")
			.bind("userId", userId)
			.bind("period", period)
			.fetch()
			.rowsUpdated()
			.flatMap((rows) -> (rows > 0) ? this.events
				.publish(QuotaExhausted.TOPIC, userId,
						new QuotaExhausted(userId, plan, period, limitTokens, Instant.now()))
				.then() : Mono.<Void>empty());
		return this.tx.transactional(announce).doOnSuccess((done) -> this.announced.put(key, Boolean.TRUE));
	}

}
