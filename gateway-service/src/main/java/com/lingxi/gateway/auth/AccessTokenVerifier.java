package com.lingxi.gateway.auth;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;

import com.lingxi.gateway.GatewayProperties;
import com.lingxi.gateway.admission.LocalBuckets;

/**
 * Verifies access tokens: ES256 only (so {@code alg: none} and HMAC tricks fail), a known
 * {@code kid}, a valid signature, the right issuer and audience, and
 * {@code exp}/{@code nbf} within the allowed clock skew. Says why a token is refused, for
 * the 401 detail.
 */
public final class AccessTokenVerifier {

	private static final JOSEObjectType ACCESS_TOKEN = new JOSEObjectType("at+jwt");

	private final JwksCache keys;

	private final GatewayProperties.Jwt properties;

	/**
	 * Tokens already verified, until they expire. A client sends the same token for its
	 * whole life, and an ES256 verification costs far more CPU than everything else the
	 * gateway does for a request; the cache is keyed by the exact token, so nothing
	 * unverified can hit it.
	 */
	private final Cache<String, Caller> verified;

	/**
	 * Signature checks each client address may ask for, per second: a token already
	 * verified costs nothing, but every new (or forged) one costs an ES256 verification.
	 */
	private final LocalBuckets budgets = new LocalBuckets();

	public AccessTokenVerifier(JwksCache keys, GatewayProperties.Jwt properties) {
		this.keys = keys;
		this.properties = properties;
		this.verified = Caffeine.newBuilder()
			.maximumSize(properties.verifiedTokenCacheSize())
			.expireAfter(Expiry.<String, Caller>creating((token, caller) -> Duration.between(Instant.now(),
					caller.expiresAt().plus(properties.clockSkew()))))
			.build();
	}

	/** The caller a token proves, or a {@link InvalidTokenException} saying why not. */
	public Mono<Caller> verify(String token) {
		return verify(token, null);
	}

	/**
	 * As {@link #verify(String)}, first spending one of {@code clientIp}'s signature
	 * checks when the token is not known yet ({@link TooManyVerificationsException} when
	 * there is none left).
	 */
	public Mono<Caller> verify(String token, String clientIp) {
		Caller known = this.verified.getIfPresent(token);
		if (known != null) {
			return Mono.just(known);
		}
		if (clientIp != null && this.properties.verificationsPerSecond() > 0 && !this.budgets.take(clientIp,
				this.properties.verificationsPerSecond(), this.properties.verificationBurst())) {
			return Mono.error(new TooManyVerificationsException());
		}
		return verifyUncached(token).doOnNext((caller) -> this.verified.put(token, caller));
	}

	private Mono<Caller> verifyUncached(String token) {
		SignedJWT jwt;
		try {
			jwt = SignedJWT.parse(token);
		}
		catch (ParseException | IllegalArgumentException ex) {
			return Mono.error(new InvalidTokenException("The access token is not a signed JWT."));
		}
		JWSHeader header = jwt.getHeader();
		if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
			return Mono.error(new InvalidTokenException("The access token is not signed with ES256."));
		}
		if (header.getType() != null && !ACCESS_TOKEN.equals(header.getType())) {
			return Mono.error(new InvalidTokenException("The token is not an access token."));
		}
		if (header.getKeyID() == null) {
			return Mono.error(new InvalidTokenException("The access token names no signing key."));
		}
		return this.keys.key(header.getKeyID())
			.switchIfEmpty(Mono.error(() -> new InvalidTokenException("The access token's signing key is unknown.")))
			.flatMap((key) -> {
				try {
					if (!jwt.verify(new ECDSAVerifier(key))) {
						return Mono.error(new InvalidTokenException("The access token's signature is not valid."));
					}
					return Mono.just(caller(jwt.getJWTClaimsSet()));
				}
				catch (JOSEException | ParseException ex) {
					return Mono.error(new InvalidTokenException("The access token could not be verified."));
				}
			});
	}

	private Caller caller(JWTClaimsSet claims) {
		Instant now = Instant.now();
		if (!this.properties.issuer().equals(claims.getIssuer())) {
			throw new InvalidTokenException("The access token was not issued by Lingxi Cloud.");
		}
		if (claims.getAudience() == null || !claims.getAudience().contains(this.properties.audience())) {
			throw new InvalidTokenException("The access token is not meant for this API.");
		}
		Date expires = claims.getExpirationTime();
		if (expires == null || expires.toInstant().plus(this.properties.clockSkew()).isBefore(now)) {
			throw new InvalidTokenException("The access token has expired.");
		}
		Date notBefore = claims.getNotBeforeTime();
		if (notBefore != null && notBefore.toInstant().minus(this.properties.clockSkew()).isAfter(now)) {
			throw new InvalidTokenException("The access token is not valid yet.");
		}
		if (claims.getJWTID() == null) {
			throw new InvalidTokenException("The access token has no id.");
		}
		try {
			Object plan = claims.getClaim("plan");
			return new Caller(UUID.fromString(claims.getSubject()), (plan instanceof String p) ? p : "free",
					claims.getJWTID(), expires.toInstant());
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			throw new InvalidTokenException("The access token's subject is not a user.");
		}
	}

	/**
	 * A verified caller.
	 *
	 * @param userId the user
	 * @param plan their plan when the token was issued
	 * @param jti the token's id
	 * @param expiresAt when the token expires
	 */
	public record Caller(UUID userId, String plan, String jti, Instant expiresAt) {
	}

	/** A client address asked for more signature checks than it may. */
	public static final class TooManyVerificationsException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		TooManyVerificationsException() {
			super("Too many new access tokens from this address.", null, false, false);
		}

	}

	/** Why a token was refused. */
	public static final class InvalidTokenException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		public InvalidTokenException(String message) {
			super(message, null, false, false);
		}

	}

}
