package com.lingxi.user.account;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

/** The {@code users} and {@code credentials} tables. */
public final class Users {

	private static final String COLUMNS = """
			u.id, u.phone, u.wechat_id, u.nickname, u.avatar_url, u.plan, u.instance_id, u.instance_status,
			(c.user_id IS NOT NULL) AS has_password, u.created_at, u.updated_at
			""";

	private static final String FROM = " FROM users u LEFT JOIN credentials c ON c.user_id = u.id ";

	private final DatabaseClient db;

	public Users(DatabaseClient db) {
		this.db = db;
	}

	public Mono<UserAccount> byId(UUID id) {
		return one(this.db.sql("SELECT " + COLUMNS + FROM + "WHERE u.id = :id").bind("id", id));
	}

	public Mono<UserAccount> byPhone(String phone) {
		return one(this.db.sql("SELECT " + COLUMNS + FROM + "WHERE u.phone = :phone").bind("phone", phone));
	}

	public Mono<UserAccount> byWechatId(String wechatId) {
		return one(
				this.db.sql("SELECT " + COLUMNS + FROM + "WHERE u.wechat_id = :wechatId").bind("wechatId", wechatId));
	}

	/** The bcrypt hash of a user's password, if one is set. */
	public Mono<String> passwordHash(UUID userId) {
		return this.db.sql("SELECT password_hash FROM credentials WHERE user_id = :id")
			.bind("id", userId)
			.map((row, meta) -> row.get("password_hash", String.class))
			.one();
	}

	/**
	 * Inserts a user; a unique violation (phone or WeChat id taken) surfaces as
	 * {@link DataIntegrityViolationException}.
	 */
	public Mono<Void> insert(UUID id, String phone, String wechatId, String nickname, String avatarUrl) {
		GenericExecuteSpec spec = this.db.sql(
				"INSERT INTO users (id, phone, wechat_id, nickname, avatar_url) VALUES (:id, :phone, :wechatId, :nickname, :avatarUrl)")
			.bind("id", id);
		spec = bindNullable(spec, "phone", phone);
		spec = bindNullable(spec, "wechatId", wechatId);
		spec = bindNullable(spec, "nickname", nickname);
		spec = bindNullable(spec, "avatarUrl", avatarUrl);
		return spec.fetch().rowsUpdated().then();
	}

	public Mono<Void> setPassword(UUID userId, String hash) {
		return this.db.sql("""
				INSERT INTO credentials (user_id, password_hash) VALUES (:id, :hash)
				ON CONFLICT (user_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, updated_at = now()
				""").bind("id", userId).bind("hash", hash).fetch().rowsUpdated().then();
	}

	/** Links a WeChat id; false if the user already has another one. */
	public Mono<Boolean> linkWechat(UUID userId, String wechatId) {
		return this.db.sql(
				"UPDATE users SET wechat_id = :wechatId, updated_at = now() WHERE id = :id AND (wechat_id IS NULL OR wechat_id = :wechatId)")
			.bind("id", userId)
			.bind("wechatId", wechatId)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	/** Writes the profile fields; a null argument leaves that field as it is. */
	public Mono<UserAccount> updateProfile(UUID userId, String nickname, Optional<String> avatarUrl) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE users SET nickname = COALESCE(:nickname, nickname),
				  avatar_url = CASE WHEN :setAvatar THEN :avatarUrl ELSE avatar_url END,
				  updated_at = now()
				WHERE id = :id
				""").bind("id", userId).bind("setAvatar", avatarUrl != null);
		spec = bindNullable(spec, "nickname", nickname);
		spec = bindNullable(spec, "avatarUrl", (avatarUrl != null) ? avatarUrl.orElse(null) : null);
		return spec.fetch().rowsUpdated().then(byId(userId));
	}

	/** Mirrors billing-service's plan. */
	public Mono<Long> updatePlan(UUID userId, String plan) {
		return this.db.sql("UPDATE users SET plan = :plan, updated_at = now() WHERE id = :id")
			.bind("id", userId)
			.bind("plan", plan)
			.fetch()
			.rowsUpdated();
	}

	/**
	 * Mirrors instance-service's state, ignoring changes older than the one already
	 * recorded.
	 */
	public Mono<Long> updateInstance(UUID userId, UUID instanceId, String status, Instant changedAt) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE users SET instance_id = :instanceId, instance_status = :status,
				  instance_status_at = :changedAt, updated_at = now()
				WHERE id = :id AND (instance_status_at IS NULL OR instance_status_at <= :changedAt)
				""").bind("id", userId).bind("status", status).bind("changedAt", changedAt.atOffset(ZoneOffset.UTC));
		spec = bindNullable(spec, "instanceId", instanceId);
		return spec.fetch().rowsUpdated();
	}

	private Mono<UserAccount> one(GenericExecuteSpec spec) {
		return spec.map(Users::map).one();
	}

	private static UserAccount map(Readable row) {
		return new UserAccount(row.get("id", UUID.class), row.get("phone", String.class),
				row.get("wechat_id", String.class), row.get("nickname", String.class),
				row.get("avatar_url", String.class), row.get("plan", String.class), row.get("instance_id", UUID.class),
				row.get("instance_status", String.class), Boolean.TRUE.equals(row.get("has_password", Boolean.class)),
				row.get("created_at", OffsetDateTime.class).toInstant(),
				row.get("updated_at", OffsetDateTime.class).toInstant());
	}

	private static GenericExecuteSpec bindNullable(GenericExecuteSpec spec, String name, Object value) {
		if (value == null) {
			return spec.bindNull(name, (name.equals("instanceId")) ? UUID.class : String.class);
		}
		return spec.bind(name, value);
	}

}
