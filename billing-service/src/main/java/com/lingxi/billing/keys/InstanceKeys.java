package com.lingxi.billing.keys;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

/** The {@code instance_keys} table. A revoked key is, to every reader, gone. */
public final class InstanceKeys {

	private static final String COLUMNS = "id, instance_id, user_id, created_at, bound_at, rotated_at";

	private final DatabaseClient db;

	public InstanceKeys(DatabaseClient db) {
		this.db = db;
	}

	Mono<InstanceKey> insert(UUID id, UUID instanceId, String secretHash) {
		return this.db
			.sql("INSERT INTO instance_keys (id, instance_id, secret_hash) VALUES (:id, :instanceId, :hash) RETURNING "
					+ COLUMNS)
			.bind("id", id)
			.bind("instanceId", instanceId)
			.bind("hash", secretHash)
			.map(InstanceKeys::map)
			.one();
	}

	/** A live (not revoked) key. */
	public Mono<InstanceKey> byId(UUID id) {
		return this.db.sql("SELECT " + COLUMNS + " FROM instance_keys WHERE id = :id AND revoked_at IS NULL")
			.bind("id", id)
			.map(InstanceKeys::map)
			.one();
	}

	/**
	 * The live key whose current secret, or previous secret within its grace period, has
	 * this hash.
	 */
	Mono<InstanceKey> bySecretHash(String hash) {
		return this.db.sql("SELECT " + COLUMNS + """
				 FROM instance_keys
				WHERE revoked_at IS NULL
				  AND (secret_hash = :hash OR (previous_hash = :hash AND previous_valid_until > now()))
				""").bind("hash", hash).map(InstanceKeys::map).one();
	}

	/** Binds a live key to a user; empty if it is unknown or bound to someone else. */
	Mono<InstanceKey> bind(UUID id, UUID userId) {
		return this.db.sql("""
				UPDATE instance_keys SET user_id = :userId, bound_at = COALESCE(bound_at, now())
				 WHERE id = :id AND revoked_at IS NULL AND (user_id IS NULL OR user_id = :userId)
				RETURNING
				""" + COLUMNS).bind("id", id).bind("userId", userId).map(InstanceKeys::map).one();
	}

	/**
	 * Gives a live key a new secret; the old one stays valid until {@code graceUntil}.
	 */
	Mono<InstanceKey> rotate(UUID id, String newHash, Instant graceUntil) {
		return this.db.sql("""
				UPDATE instance_keys SET previous_hash = secret_hash, previous_valid_until = :graceUntil,
				       secret_hash = :hash, rotated_at = now()
				 WHERE id = :id AND revoked_at IS NULL
				RETURNING
				""" + COLUMNS)
			.bind("id", id)
			.bind("hash", newHash)
			.bind("graceUntil", graceUntil.atOffset(ZoneOffset.UTC))
			.map(InstanceKeys::map)
			.one();
	}

	/**
	 * Revokes a key. Emits true if it existed (revoked now or before), false if it never
	 * did.
	 */
	Mono<Boolean> revoke(UUID id) {
		return this.db.sql("""
				UPDATE instance_keys SET revoked_at = COALESCE(revoked_at, now()),
				       previous_hash = NULL, previous_valid_until = NULL
				 WHERE id = :id
				""").bind("id", id).fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	private static InstanceKey map(Readable row) {
		return new InstanceKey(row.get("id", UUID.class), row.get("instance_id", UUID.class),
				row.get("user_id", UUID.class), instant(row, "created_at"), instant(row, "bound_at"),
				instant(row, "rotated_at"));
	}

	private static Instant instant(Readable row, String column) {
		OffsetDateTime value = row.get(column, OffsetDateTime.class);
		return (value != null) ? value.toInstant() : null;
	}

}
