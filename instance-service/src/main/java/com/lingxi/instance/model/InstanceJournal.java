package com.lingxi.instance.model;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.Notifications;
import com.lingxi.common.events.topics.InstanceStateChanged;

/**
 * What happened to an instance: each step is an {@code instance_events} row (kept for
 * support and shown as progress), state changes are also {@code instance.state-changed}
 * events (durable, for user-service) and a pub/sub notification (instant, for a connected
 * console).
 */
public final class InstanceJournal {

	private static final Logger log = LoggerFactory.getLogger(InstanceJournal.class);

	/** Pub/sub channel of a user's instance status ({@code instance-status:<userId>}). */
	public static String channel(UUID userId) {
		return "instance-status:" + userId;
	}

	private final DatabaseClient db;

	private final EventPublisher events;

	private final Notifications notifications;

	public InstanceJournal(DatabaseClient db, EventPublisher events, Notifications notifications) {
		this.db = db;
		this.events = events;
		this.notifications = notifications;
	}

	/** Records a progress step. */
	public Mono<Void> step(Instance instance, String step, String detail) {
		return Mono
			.fromRunnable(() -> log.info("Instance {} ({}): {}{}", instance.id(), instance.state(), step,
					(detail != null) ? " - " + detail : ""))
			.then(insert(instance.id(), instance.userId(), instance.state(), step, detail)
				.then(notify(instance, step, detail)));
	}

	/**
	 * Records a state change: a step row, the durable event (in the caller's transaction
	 * when there is one) and a notification.
	 */
	public Mono<Void> stateChanged(Instance after, InstanceState before, String detail) {
		return insert(after.id(), after.userId(), after.state(), "state: " + after.state(), detail)
			.then(this.events.publish(InstanceStateChanged.TOPIC, after.id(),
					new InstanceStateChanged(after.id(), after.userId(), (before != null) ? before.name() : null,
							after.state().name(), detail, Instant.now())))
			.then(notify(after, "state: " + after.state(), detail));
	}

	/** The steps of an instance, oldest first. */
	public Flux<Step> steps(UUID instanceId, int limit) {
		return this.db.sql("""
				SELECT state, step, detail, created_at FROM (
				  SELECT * FROM instance_events WHERE instance_id = :id ORDER BY id DESC LIMIT :limit) recent
				ORDER BY id
				""")
			.bind("id", instanceId)
			.bind("limit", limit)
			.map((row, meta) -> new Step(row.get("state", String.class), row.get("step", String.class),
					row.get("detail", String.class), row.get("created_at", OffsetDateTime.class).toInstant()))
			.all();
	}

	private Mono<Void> insert(UUID instanceId, UUID userId, InstanceState state, String step, String detail) {
		GenericExecuteSpec spec = this.db.sql(
				"INSERT INTO instance_events (instance_id, user_id, state, step, detail) VALUES (:id, :user, :state, :step, :detail)")
			.bind("id", instanceId)
			.bind("state", state.name())
			.bind("step", step);
		spec = (userId != null) ? spec.bind("user", userId) : spec.bindNull("user", UUID.class);
		spec = (detail != null) ? spec.bind("detail", truncate(detail)) : spec.bindNull("detail", String.class);
		return spec.fetch().rowsUpdated().then();
	}

	private Mono<Void> notify(Instance instance, String step, String detail) {
		if (instance.userId() == null) {
			return Mono.empty();
		}
		Map<String, Object> message = (detail != null)
				? Map.of("instanceId", instance.id(), "state", instance.state().name(), "step", step, "detail", detail)
				: Map.of("instanceId", instance.id(), "state", instance.state().name(), "step", step);
		return this.notifications.publish(channel(instance.userId()), message)
			.then()
			.onErrorResume((ex) -> Mono.empty());
	}

	private static String truncate(String text) {
		return (text.length() > 2000) ? text.substring(0, 2000) : text;
	}

	/**
	 * A progress step.
	 *
	 * @param state instance state at the time
	 * @param step what happened
	 * @param detail more, may be null
	 * @param at when
	 */
	public record Step(String state, String step, String detail, Instant at) {
	}

}
