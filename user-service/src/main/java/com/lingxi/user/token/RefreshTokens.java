package com.lingxi.user.token;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.user.UserProblems;
import com.lingxi.user.auth.AuthProperties;

/**
 * Opaque refresh tokens, stored as SHA-256 hashes. Every refresh rotates: the presented
 * token is spent and a new one of the same family (session) is issued. Presenting a spent
 * token means it was copied, so the whole family is revoked and everyone holding it must
 * sign in again.
 */
public final class RefreshTokens {

	private static final Logger log = LoggerFactory.getLogger(RefreshTokens.class);

	private static final String INSERT = """
			INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
			VALUES (:id, :userId, :familyId, :hash, :expiresAt)
			""";

	private static final String FIND = """
			SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens
			WHERE token_hash = :hash FOR UPDATE
			""";

	private static final String SPEND = "UPDATE refresh_tokens SET used_at = now() WHERE id = :id AND used_at IS NULL";

	private static final String REVOKE_FAMILY = """
			UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = :reason
			WHERE family_id = :familyId AND revoked_at IS NULL
			""";

	private final DatabaseClient db;

	private final TransactionalOperator tx;

	private final AuthProperties properties;

	public RefreshTokens(DatabaseClient db, TransactionalOperator tx, AuthProperties properties) {
		this.db = db;
		this.tx = tx;
		this.properties = properties;
	}

	/** Issues a token in a family (a new family for a new session). */
	public Mono<Issued> issue(UUID userId, UUID familyId) {
		String token = "lxr_" + Ids.secureToken(32);
		Instant expires = Instant.now().plus(this.properties.refreshTokenTtl());
		return this.db.sql(INSERT)
			.bind("id", Ids.uuidV7())
			.bind("userId", userId)
			.bind("familyId", familyId)
			.bind("hash", hash(token))
			.bind("expiresAt", expires.atOffset(ZoneOffset.UTC))
			.fetch()
			.rowsUpdated()
			.thenReturn(new Issued(token, familyId, expires));
	}

	/**
	 * Spends {@code token} and issues its successor, in one transaction.
	 * @return the user and the successor; a 401 problem if the token is unknown, expired,
	 * revoked or already spent (the last revokes its family)
	 */
	public Mono<Rotated> rotate(String token) {
		Mono<Rotated> rotation = this.db.sql(FIND)
			.bind("hash", hash(token))
			.map((row, meta) -> new Row(row.get("id", UUID.class), row.get("user_id", UUID.class),
					row.get("family_id", UUID.class), row.get("expires_at", OffsetDateTime.class),
					row.get("used_at", OffsetDateTime.class), row.get("revoked_at", OffsetDateTime.class)))
			.one()
			.switchIfEmpty(Mono.error(() -> invalid("The refresh token is not valid.")))
			.flatMap(this::spend);
		return this.tx.transactional(rotation).onErrorResume(Reused.class, (reused) -> {
			log.warn("Refresh token of session {} was used twice: revoking the session", reused.familyId);
			return revokeFamily(reused.familyId, "reuse").then(Mono.error(ProblemException.of(HttpStatus.UNAUTHORIZED,
					UserProblems.REFRESH_TOKEN_REUSED, "Refresh token reused",
					"This refresh token was already used, so the session has been ended everywhere. Sign in again.")));
		});
	}

	/**
	 * Ends the session a token belongs to, if it is {@code userId}'s; emits whether it
	 * was.
	 */
	public Mono<Boolean> revokeByToken(String token, UUID userId) {
		return this.db.sql("""
				UPDATE refresh_tokens SET revoked_at = now(), revoked_reason = 'logout'
				WHERE revoked_at IS NULL AND family_id = (
				  SELECT family_id FROM refresh_tokens WHERE token_hash = :hash AND user_id = :userId)
				""").bind("hash", hash(token)).bind("userId", userId).fetch().rowsUpdated().map((rows) -> rows > 0);
	}

	/** Ends a session: no token of the family refreshes any more. */
	public Mono<Void> revokeFamily(UUID familyId, String reason) {
		return this.db.sql(REVOKE_FAMILY)
			.bind("familyId", familyId)
			.bind("reason", reason)
			.fetch()
			.rowsUpdated()
			.then();
	}

	private Mono<Rotated> spend(Row row) {
		if (row.revokedAt() != null) {
			return Mono.error(invalid("This session has ended. Sign in again."));
		}
		if (row.expiresAt().toInstant().isBefore(Instant.now())) {
			return Mono.error(invalid("The refresh token has expired. Sign in again."));
		}
		if (row.usedAt() != null) {
			return Mono.error(new Reused(row.familyId()));
		}
		return this.db.sql(SPEND)
			.bind("id", row.id())
			.fetch()
			.rowsUpdated()
			.flatMap((spent) -> (spent == 0) ? Mono.error(new Reused(row.familyId()))
					: issue(row.userId(), row.familyId()))
			.map((successor) -> new Rotated(row.userId(), successor));
	}

	private static ProblemException invalid(String detail) {
		return ProblemException.of(HttpStatus.UNAUTHORIZED, UserProblems.REFRESH_TOKEN_INVALID, "Invalid refresh token",
				detail);
	}

	static String hash(String token) {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			return HexFormat.of().formatHex(digest.digest(token.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A refresh token.
	 *
	 * @param token the opaque token (shown once)
	 * @param familyId its session
	 * @param expiresAt expiry
	 */
	public record Issued(String token, UUID familyId, Instant expiresAt) {
	}

	/**
	 * A completed rotation.
	 *
	 * @param userId owner
	 * @param successor the new token
	 */
	public record Rotated(UUID userId, Issued successor) {
	}

	private record Row(UUID id, UUID userId, UUID familyId, OffsetDateTime expiresAt, OffsetDateTime usedAt,
			OffsetDateTime revokedAt) {
	}

	private static final class Reused extends RuntimeException {

		private static final long serialVersionUID = 1L;

		private final transient UUID familyId;

		Reused(UUID familyId) {
			super("refresh token reused", null, false, false);
			this.familyId = familyId;
		}

	}

}
