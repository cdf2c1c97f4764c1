package com.lingxi.billing.plans;

import java.time.OffsetDateTime;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

import com.lingxi.common.id.Ids;

/** The {@code subscriptions} and {@code plan_changes} tables. */
public final class Subscriptions {

	private final DatabaseClient db;

	public Subscriptions(DatabaseClient db) {
		this.db = db;
	}

	public Mono<Subscription> current(UUID userId) {
		return this.db.sql("SELECT plan, since FROM subscriptions WHERE user_id = :userId")
			.bind("userId", userId)
			.map((row) -> new Subscription(userId, row.get("plan", String.class),
					row.get("since", OffsetDateTime.class).toInstant()))
			.one();
	}

	/** The current row, locked until the transaction ends. */
	Mono<Subscription> currentForUpdate(UUID userId) {
		return this.db.sql("SELECT plan, since FROM subscriptions WHERE user_id = :userId FOR UPDATE")
			.bind("userId", userId)
			.map((row) -> new Subscription(userId, row.get("plan", String.class),
					row.get("since", OffsetDateTime.class).toInstant()))
			.one();
	}

	/** Creates a subscription unless the user has one; emits whether it did. */
	Mono<Boolean> createIfAbsent(UUID userId, String plan) {
		return this.db.sql("INSERT INTO subscriptions (user_id, plan) VALUES (:userId, :plan) ON CONFLICT DO NOTHING")
			.bind("userId", userId)
			.bind("plan", plan)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	Mono<Void> upsert(UUID userId, String plan) {
		return this.db.sql("""
				INSERT INTO subscriptions (user_id, plan) VALUES (:userId, :plan)
				ON CONFLICT (user_id) DO UPDATE SET plan = EXCLUDED.plan, since = now()
				""").bind("userId", userId).bind("plan", plan).fetch().rowsUpdated().then();
	}

	Mono<Void> recordChange(UUID userId, String previousPlan, String plan, String reason) {
		DatabaseClient.GenericExecuteSpec spec = this.db.sql("""
				INSERT INTO plan_changes (id, user_id, previous_plan, plan, reason)
				VALUES (:id, :userId, :previousPlan, :plan, :reason)
				""").bind("id", Ids.uuidV7()).bind("userId", userId).bind("plan", plan).bind("reason", reason);
		spec = (previousPlan != null) ? spec.bind("previousPlan", previousPlan)
				: spec.bindNull("previousPlan", String.class);
		return spec.fetch().rowsUpdated().then();
	}

	public Flux<PlanChange> history(UUID userId, int limit) {
		return this.db.sql("""
				SELECT previous_plan, plan, reason, changed_at FROM plan_changes
				 WHERE user_id = :userId ORDER BY changed_at DESC, id DESC LIMIT :limit
				""")
			.bind("userId", userId)
			.bind("limit", limit)
			.map((row) -> new PlanChange(row.get("previous_plan", String.class), row.get("plan", String.class),
					row.get("reason", String.class), row.get("changed_at", OffsetDateTime.class).toInstant()))
			.all();
	}

}
