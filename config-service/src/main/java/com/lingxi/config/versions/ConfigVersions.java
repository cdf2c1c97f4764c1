package com.lingxi.config.versions;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The {@code config_versions}, {@code config_current} and {@code config_rejections}
 * tables.
 */
public final class ConfigVersions {

	private static final String ROW = "v.user_id, v.version, v.sha256, v.cause, v.openclaw_version, v.created_at";

	private final DatabaseClient db;

	public ConfigVersions(DatabaseClient db) {
		this.db = db;
	}

	/** Serialises renders of one user until the end of the current transaction. */
	Mono<Void> lock(UUID userId) {
		return this.db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:user, 0))")
			.bind("user", userId.toString())
			.fetch()
			.rowsUpdated()
			.then();
	}

	Mono<Version> bySha(UUID userId, String sha256) {
		return this.db.sql("SELECT " + ROW + " FROM config_versions v WHERE v.user_id = :user AND v.sha256 = :sha")
			.bind("user", userId)
			.bind("sha", sha256)
			.map(ConfigVersions::version)
			.one();
	}

	Mono<Long> nextVersion(UUID userId) {
		return this.db.sql("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM config_versions WHERE user_id = :user")
			.bind("user", userId)
			.map((row, meta) -> row.get("next", Long.class))
			.one();
	}

	Mono<Void> insert(UUID userId, long version, String sha256, String bundleJson, String cause,
			String openclawVersion) {
		return this.db.sql("""
				INSERT INTO config_versions (user_id, version, sha256, bundle, cause, openclaw_version)
				VALUES (:user, :version, :sha, CAST(:bundle AS jsonb), :cause, :openclaw)
				""")
			.bind("user", userId)
			.bind("version", version)
			.bind("sha", sha256)
			.bind("bundle", bundleJson)
			.bind("cause", cause)
			.bind("openclaw", openclawVersion)
			.fetch()
			.rowsUpdated()
			.then();
	}

	Mono<Long> currentVersion(UUID userId) {
		return this.db.sql("SELECT version FROM config_current WHERE user_id = :user")
			.bind("user", userId)
			.map((row, meta) -> row.get("version", Long.class))
			.one();
	}

	Mono<Void> setCurrent(UUID userId, long version, String cause) {
		return this.db
			.sql("""
					INSERT INTO config_current (user_id, version, cause) VALUES (:user, :version, :cause)
					ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version, cause = EXCLUDED.cause, published_at = now()
					""")
			.bind("user", userId)
			.bind("version", version)
			.bind("cause", cause)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/** A stored version with its bundle (canonical JSON). */
	public Mono<StoredVersion> get(UUID userId, long version) {
		return this.db
			.sql("SELECT " + ROW + ", v.bundle::text AS bundle, (c.version = v.version) AS current"
					+ " FROM config_versions v LEFT JOIN config_current c ON c.user_id = v.user_id"
					+ " WHERE v.user_id = :user AND v.version = :version")
			.bind("user", userId)
			.bind("version", version)
			.map((row, meta) -> new StoredVersion(version(row), row.get("bundle", String.class),
					Boolean.TRUE.equals(row.get("current", Boolean.class))))
			.one();
	}

	/** The version the user's instance should run, with its bundle. */
	public Mono<StoredVersion> current(UUID userId) {
		return currentVersion(userId).flatMap((version) -> get(userId, version));
	}

	/** Versions newest first. */
	public Flux<VersionSummary> list(UUID userId, int limit, long offset) {
		return this.db
			.sql("SELECT " + ROW + ", (c.version = v.version) AS current FROM config_versions v"
					+ " LEFT JOIN config_current c ON c.user_id = v.user_id"
					+ " WHERE v.user_id = :user ORDER BY v.version DESC LIMIT :limit OFFSET :offset")
			.bind("user", userId)
			.bind("limit", limit)
			.bind("offset", offset)
			.map((row, meta) -> new VersionSummary(version(row),
					Boolean.TRUE.equals(row.get("current", Boolean.class))))
			.all();
	}

	Mono<Void> reject(UUID userId, String cause, String violationsJson) {
		return this.db
			.sql("INSERT INTO config_rejections (user_id, cause, violations) VALUES (:user, :cause, CAST(:v AS jsonb))")
			.bind("user", userId)
			.bind("cause", cause)
			.bind("v", violationsJson)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/** How many renders of a user were rejected (for tests and support). */
	public Mono<Long> rejections(UUID userId) {
		return this.db.sql("SELECT count(*) AS n FROM config_rejections WHERE user_id = :user")
			.bind("user", userId)
			.map((row, meta) -> row.get("n", Long.class))
			.one();
	}

	private static Version version(Readable row) {
		return new Version(row.get("user_id", UUID.class), row.get("version", Long.class),
				row.get("sha256", String.class), row.get("cause", String.class),
				row.get("openclaw_version", String.class), row.get("created_at", OffsetDateTime.class).toInstant());
	}

	/**
	 * A version's metadata.
	 *
	 * @param userId owner
	 * @param version number, from 1
	 * @param sha256 content hash of the canonical bundle
	 * @param cause what rendered it
	 * @param openclawVersion the OpenClaw version it was validated against
	 * @param createdAt when
	 */
	public record Version(UUID userId, long version, String sha256, String cause, String openclawVersion,
			Instant createdAt) {
	}

	/**
	 * A version in a list.
	 *
	 * @param version its metadata
	 * @param current whether the instance should run it now
	 */
	public record VersionSummary(Version version, boolean current) {
	}

	/**
	 * A version with its content.
	 *
	 * @param version metadata
	 * @param bundleJson the canonical bundle JSON
	 * @param current whether it is current
	 */
	public record StoredVersion(Version version, String bundleJson, boolean current) {
	}

}
