package com.lingxi.instance.model;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

/** The {@code instances} table and the assignment queue. */
public final class Instances {

	private static final String COLUMNS = """
			id, user_id, state, runtime, endpoint, gateway_token, model_key_id, model_key, applied_config_version,
			applied_config_sha, gateway_config_hash, plan, runtime_ref::text AS runtime_ref, warmed, restarts,
			last_activity_at, error, config_error, state_changed_at, created_at
			""";

	private final DatabaseClient db;

	private final JsonMapper json;

	public Instances(DatabaseClient db, JsonMapper json) {
		this.db = db;
		this.json = json;
	}

	public Mono<Void> insert(UUID id, UUID userId, InstanceState state, String runtime, String sealedToken,
			String plan) {
		GenericExecuteSpec spec = this.db.sql("""
				INSERT INTO instances (id, user_id, state, runtime, gateway_token, plan)
				VALUES (:id, :user, :state, :runtime, :token, :plan)
				""").bind("id", id).bind("state", state.name()).bind("runtime", runtime).bind("token", sealedToken);
		spec = (userId != null) ? spec.bind("user", userId) : spec.bindNull("user", UUID.class);
		spec = (plan != null) ? spec.bind("plan", plan) : spec.bindNull("plan", String.class);
		return spec.fetch().rowsUpdated().then();
	}

	public Mono<Instance> byId(UUID id) {
		return one(this.db.sql("SELECT " + COLUMNS + " FROM instances WHERE id = :id").bind("id", id));
	}

	/** The user's instance that still exists (not deleted). */
	public Mono<Instance> byUser(UUID userId) {
		return one(this.db.sql("SELECT " + COLUMNS + " FROM instances WHERE user_id = :user").bind("user", userId));
	}

	public Flux<Instance> inStates(Collection<InstanceState> states) {
		return this.db.sql("SELECT " + COLUMNS + " FROM instances WHERE state = ANY(:states) ORDER BY created_at")
			.bind("states", states.stream().map(Enum::name).toArray(String[]::new))
			.map(this::map)
			.all();
	}

	public Mono<Long> count(Collection<InstanceState> states) {
		return this.db.sql("SELECT count(*) AS n FROM instances WHERE state = ANY(:states)")
			.bind("states", states.stream().map(Enum::name).toArray(String[]::new))
			.map((row, meta) -> row.get("n", Long.class))
			.one();
	}

	/**
	 * Atomically takes the oldest warm gateway for a user. Rows locked by a concurrent
	 * claim are skipped, and {@code user_id} is unique, so no gateway serves two users
	 * and no user gets two.
	 */
	public Mono<Instance> claimWarm(UUID userId, String plan) {
		return one(this.db.sql("""
				UPDATE instances SET user_id = :user, plan = :plan, state = 'ASSIGNING', state_changed_at = now(),
				  updated_at = now(), last_activity_at = now()
				WHERE id = (SELECT id FROM instances WHERE state = 'WARM' AND user_id IS NULL
				            ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
				RETURNING
				""" + COLUMNS).bind("user", userId).bind("plan", plan));
	}

	/**
	 * Moves an instance to {@code to} if it is in one of {@code from}; empty if it was
	 * not (someone else moved it first).
	 */
	public Mono<Instance> transition(UUID id, Collection<InstanceState> from, InstanceState to, String error) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE instances SET state = :to, error = :error, state_changed_at = now(), updated_at = now()
				WHERE id = :id AND state = ANY(:from) RETURNING
				""" + COLUMNS)
			.bind("id", id)
			.bind("to", to.name())
			.bind("from", from.stream().map(Enum::name).toArray(String[]::new));
		spec = (error != null) ? spec.bind("error", error) : spec.bindNull("error", String.class);
		return one(spec);
	}

	public Mono<Void> setRuntime(UUID id, String endpoint, ObjectNode runtimeRef) {
		return this.db.sql(
				"UPDATE instances SET endpoint = :endpoint, runtime_ref = CAST(:ref AS jsonb), updated_at = now() WHERE id = :id")
			.bind("id", id)
			.bind("endpoint", endpoint)
			.bind("ref", this.json.writeValueAsString(runtimeRef))
			.fetch()
			.rowsUpdated()
			.then();
	}

	/**
	 * Forgets what the runtime had (its objects or folder are gone): the next start
	 * creates them again and writes the whole configuration, as for a new gateway.
	 */
	public Mono<Void> forgetRuntime(UUID id) {
		return this.db.sql("""
				UPDATE instances SET endpoint = NULL, runtime_ref = '{}', applied_config_sha = NULL,
				  gateway_config_hash = NULL, updated_at = now() WHERE id = :id
				""").bind("id", id).fetch().rowsUpdated().then();
	}

	public Mono<Void> setModelKey(UUID id, UUID keyId, String sealedKey) {
		return this.db
			.sql("UPDATE instances SET model_key_id = :key, model_key = :sealed, updated_at = now() WHERE id = :id")
			.bind("id", id)
			.bind("key", keyId)
			.bind("sealed", sealedKey)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Mono<Void> setApplied(UUID id, long version, String sha, String gatewayHash) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE instances SET applied_config_version = :version, applied_config_sha = :sha,
				  gateway_config_hash = :hash, config_error = NULL, updated_at = now()
				WHERE id = :id
				""").bind("id", id).bind("version", version).bind("sha", sha);
		spec = (gatewayHash != null) ? spec.bind("hash", gatewayHash) : spec.bindNull("hash", String.class);
		return spec.fetch().rowsUpdated().then();
	}

	public Mono<Void> setGatewayHash(UUID id, String gatewayHash) {
		return this.db.sql("UPDATE instances SET gateway_config_hash = :hash WHERE id = :id")
			.bind("id", id)
			.bind("hash", gatewayHash)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Mono<Void> setConfigError(UUID id, String error) {
		return this.db.sql("UPDATE instances SET config_error = :error, updated_at = now() WHERE id = :id")
			.bind("id", id)
			.bind("error", error)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Mono<Void> setWarmed(UUID id) {
		return this.db.sql("UPDATE instances SET warmed = true WHERE id = :id")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Mono<Void> countRestart(UUID id) {
		return this.db.sql("UPDATE instances SET restarts = restarts + 1 WHERE id = :id")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/** Records activity (chats, agent work), for hibernation. */
	public Mono<Void> touch(UUID id) {
		return this.db.sql(
				"UPDATE instances SET last_activity_at = now() WHERE id = :id AND (last_activity_at IS NULL OR last_activity_at < now() - interval '5 seconds')")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/**
	 * After deletion: the row stays for history, the user is free to get a new instance.
	 */
	public Mono<Void> release(UUID id) {
		return this.db.sql(
				"UPDATE instances SET former_user_id = COALESCE(user_id, former_user_id), user_id = NULL, updated_at = now() WHERE id = :id")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/** Ready instances of users whose last activity is older than {@code idleSince}. */
	public Flux<Instance> idleSince(Instant idleSince, String plan) {
		return this.db.sql("SELECT " + COLUMNS
				+ " FROM instances WHERE state = 'READY' AND plan = :plan AND COALESCE(last_activity_at, state_changed_at) < :since")
			.bind("plan", plan)
			.bind("since", idleSince.atOffset(java.time.ZoneOffset.UTC))
			.map(this::map)
			.all();
	}

	// --- the queue of sign-ups waiting for capacity ---

	/** Queues the user; true if they were not queued before. */
	public Mono<Boolean> enqueue(UUID userId, String plan) {
		return this.db.sql("INSERT INTO assignment_queue (user_id, plan) VALUES (:user, :plan) ON CONFLICT DO NOTHING")
			.bind("user", userId)
			.bind("plan", plan)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	public Mono<Void> dequeue(UUID userId) {
		return this.db.sql("DELETE FROM assignment_queue WHERE user_id = :user")
			.bind("user", userId)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Flux<Queued> queue() {
		return this.db.sql("SELECT user_id, plan, queued_at FROM assignment_queue ORDER BY queued_at")
			.map((row, meta) -> new Queued(row.get("user_id", UUID.class), row.get("plan", String.class),
					row.get("queued_at", OffsetDateTime.class).toInstant()))
			.all();
	}

	/** 1-based position of a user in the queue, empty if not queued. */
	public Mono<Long> queuePosition(UUID userId) {
		return this.db.sql("""
				SELECT (SELECT count(*) FROM assignment_queue o WHERE o.queued_at <= q.queued_at) AS position
				FROM assignment_queue q WHERE q.user_id = :user
				""").bind("user", userId).map((row, meta) -> row.get("position", Long.class)).one();
	}

	private Mono<Instance> one(GenericExecuteSpec spec) {
		return spec.map(this::map).one();
	}

	private Instance map(Readable row) {
		String ref = row.get("runtime_ref", String.class);
		return new Instance(row.get("id", UUID.class), row.get("user_id", UUID.class),
				InstanceState.valueOf(row.get("state", String.class)), row.get("runtime", String.class),
				row.get("endpoint", String.class), row.get("gateway_token", String.class),
				row.get("model_key_id", UUID.class), row.get("model_key", String.class),
				row.get("applied_config_version", Long.class), row.get("applied_config_sha", String.class),
				row.get("gateway_config_hash", String.class), row.get("plan", String.class),
				(ref != null) ? (ObjectNode) this.json.readTree(ref) : this.json.createObjectNode(),
				Boolean.TRUE.equals(row.get("warmed", Boolean.class)), row.get("restarts", Integer.class),
				instant(row.get("last_activity_at", OffsetDateTime.class)), row.get("error", String.class),
				row.get("config_error", String.class), instant(row.get("state_changed_at", OffsetDateTime.class)),
				instant(row.get("created_at", OffsetDateTime.class)));
	}

	private static Instant instant(OffsetDateTime value) {
		return (value != null) ? value.toInstant() : null;
	}

	/**
	 * A queued sign-up.
	 *
	 * @param userId the user
	 * @param plan their plan
	 * @param queuedAt since when
	 */
	public record Queued(UUID userId, String plan, Instant queuedAt) {
	}

}
