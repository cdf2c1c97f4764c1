package com.lingxi.agent.team;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

import com.lingxi.common.id.Ids;

/**
 * The {@code teams} and {@code agent_configs} tables. Every statement is scoped by user.
 */
public final class Teams {

	private static final String COLUMNS = "id, user_id, agent_id, enabled, skills, custom_soul, created_at, updated_at";

	private final DatabaseClient db;

	public Teams(DatabaseClient db) {
		this.db = db;
	}

	/** Creates the team row; true if it did not exist. */
	public Mono<Boolean> createIfAbsent(UUID userId) {
		return this.db.sql("INSERT INTO teams (user_id) VALUES (:user) ON CONFLICT (user_id) DO NOTHING")
			.bind("user", userId)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	/**
	 * Moves the team's revision and locks its row until the transaction ends, so changes
	 * to one team are serialised. Empty if the user has no team.
	 */
	public Mono<Long> touch(UUID userId) {
		return this.db.sql(
				"UPDATE teams SET revision = revision + 1, updated_at = now() WHERE user_id = :user RETURNING revision")
			.bind("user", userId)
			.map((row, meta) -> row.get("revision", Long.class))
			.one();
	}

	/** When the team last changed; empty if the user has no team. */
	public Mono<Instant> updatedAt(UUID userId) {
		return this.db.sql("SELECT updated_at FROM teams WHERE user_id = :user")
			.bind("user", userId)
			.map((row, meta) -> row.get("updated_at", OffsetDateTime.class).toInstant())
			.one();
	}

	public Flux<AgentConfig> members(UUID userId) {
		return this.db
			.sql("SELECT " + COLUMNS + " FROM agent_configs WHERE user_id = :user ORDER BY created_at, agent_id")
			.bind("user", userId)
			.map(Teams::config)
			.all();
	}

	public Mono<AgentConfig> member(UUID userId, String agentId) {
		return this.db.sql("SELECT " + COLUMNS + " FROM agent_configs WHERE user_id = :user AND agent_id = :agent")
			.bind("user", userId)
			.bind("agent", agentId)
			.map(Teams::config)
			.one();
	}

	public Mono<Long> count(UUID userId) {
		return this.db.sql("SELECT count(*) AS n FROM agent_configs WHERE user_id = :user")
			.bind("user", userId)
			.map((row, meta) -> row.get("n", Long.class))
			.one();
	}

	/** Adds an agent; a duplicate surfaces as DataIntegrityViolationException. */
	public Mono<AgentConfig> insert(UUID userId, String agentId, List<String> skills, String customSoul) {
		GenericExecuteSpec spec = this.db
			.sql("INSERT INTO agent_configs (id, user_id, agent_id, skills, custom_soul)"
					+ " VALUES (:id, :user, :agent, :skills, :soul) RETURNING " + COLUMNS)
			.bind("id", Ids.uuidV7())
			.bind("user", userId)
			.bind("agent", agentId)
			.bind("skills", skills.toArray(String[]::new));
		spec = (customSoul != null) ? spec.bind("soul", customSoul) : spec.bindNull("soul", String.class);
		return spec.map(Teams::config).one();
	}

	/**
	 * Changes enabled and/or the custom soul. {@code enabled} null leaves it;
	 * {@code setSoul} false leaves the soul, true writes {@code soul} (null resets it).
	 */
	public Mono<AgentConfig> update(UUID userId, String agentId, Boolean enabled, boolean setSoul, String soul) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE agent_configs SET enabled = COALESCE(:enabled, enabled),
				  custom_soul = CASE WHEN :setSoul THEN :soul ELSE custom_soul END, updated_at = now()
				WHERE user_id = :user AND agent_id = :agent RETURNING
				""" + COLUMNS).bind("user", userId).bind("agent", agentId).bind("setSoul", setSoul);
		spec = (enabled != null) ? spec.bind("enabled", enabled) : spec.bindNull("enabled", Boolean.class);
		spec = (soul != null) ? spec.bind("soul", soul) : spec.bindNull("soul", String.class);
		return spec.map(Teams::config).one();
	}

	public Mono<AgentConfig> setSkills(UUID userId, String agentId, List<String> skills) {
		return this.db
			.sql("UPDATE agent_configs SET skills = :skills, updated_at = now()"
					+ " WHERE user_id = :user AND agent_id = :agent RETURNING " + COLUMNS)
			.bind("user", userId)
			.bind("agent", agentId)
			.bind("skills", skills.toArray(String[]::new))
			.map(Teams::config)
			.one();
	}

	public Mono<Boolean> delete(UUID userId, String agentId) {
		return this.db.sql("DELETE FROM agent_configs WHERE user_id = :user AND agent_id = :agent")
			.bind("user", userId)
			.bind("agent", agentId)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	private static AgentConfig config(Readable row) {
		String[] skills = row.get("skills", String[].class);
		return new AgentConfig(row.get("id", UUID.class), row.get("user_id", UUID.class),
				row.get("agent_id", String.class), Boolean.TRUE.equals(row.get("enabled", Boolean.class)),
				(skills != null) ? Arrays.asList(skills) : List.of(), row.get("custom_soul", String.class),
				row.get("created_at", OffsetDateTime.class).toInstant(),
				row.get("updated_at", OffsetDateTime.class).toInstant());
	}

}
