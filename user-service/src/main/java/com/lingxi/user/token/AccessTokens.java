package com.lingxi.user.token;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;

import com.lingxi.common.id.Ids;
import com.lingxi.user.auth.AuthProperties;

/**
 * Access tokens: short-lived ES256 JWTs ({@code typ: at+jwt}) carrying the user id
 * ({@code sub}), plan, session ({@code sid}, the refresh-token family) and a unique
 * {@code jti} that logout can deny.
 */
public final class AccessTokens {

	static final JOSEObjectType TYPE = new JOSEObjectType("at+jwt");

	private final SigningKeys keys;

	private final AuthProperties properties;

	public AccessTokens(SigningKeys keys, AuthProperties properties) {
		this.keys = keys;
		this.properties = properties;
	}

	/** Signs an access token. */
	public Mono<Issued> issue(UUID userId, String plan, UUID sessionId) {
		return this.keys.current().map((key) -> {
			Instant now = Instant.now();
			Instant expires = now.plus(this.properties.accessTokenTtl());
			String jti = Ids.uuidV7().toString();
			JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(this.properties.issuer())
				.audience(this.properties.audience())
				.subject(userId.toString())
				.claim("plan", plan)
				.claim("sid", sessionId.toString())
				.jwtID(jti)
				.issueTime(Date.from(now))
				.notBeforeTime(Date.from(now))
				.expirationTime(Date.from(expires))
				.build();
			SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.kid()).type(TYPE).build(),
					claims);
			try {
				ECDSASigner signer = new ECDSASigner(key.jwk());
				signer.getJCAContext().setSecureRandom(Ids.secureRandom());
				jwt.sign(signer);
			}
			catch (JOSEException ex) {
				throw new IllegalStateException("Cannot sign with key " + key.kid(), ex);
			}
			return new Issued(jwt.serialize(), jti, expires);
		});
	}

	/**
	 * Verifies a token this service issued (signature, issuer, expiry) and returns its
	 * claims; empty when it is not valid.
	 */
	public Mono<Verified> verify(String token) {
		SignedJWT jwt;
		try {
			jwt = SignedJWT.parse(token);
		}
		catch (ParseException ex) {
			return Mono.empty();
		}
		if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm()) || jwt.getHeader().getKeyID() == null) {
			return Mono.empty();
		}
		return this.keys.byId(jwt.getHeader().getKeyID()).flatMap((key) -> {
			try {
				if (!jwt.verify(new ECDSAVerifier(key.jwk().toECPublicKey()))) {
					return Mono.empty();
				}
				JWTClaimsSet claims = jwt.getJWTClaimsSet();
				if (!this.properties.issuer().equals(claims.getIssuer()) || claims.getExpirationTime() == null
						|| claims.getExpirationTime().toInstant().isBefore(Instant.now())) {
					return Mono.empty();
				}
				String sid = claims.getStringClaim("sid");
				return Mono.just(new Verified(UUID.fromString(claims.getSubject()), claims.getJWTID(),
						(sid != null) ? UUID.fromString(sid) : null, claims.getExpirationTime().toInstant()));
			}
			catch (JOSEException | ParseException | IllegalArgumentException ex) {
				return Mono.empty();
			}
		});
	}

	/**
	 * A signed token.
	 *
	 * @param token the compact JWT
	 * @param jti its id
	 * @param expiresAt expiry
	 */
	public record Issued(String token, String jti, Instant expiresAt) {
	}

	/**
	 * A verified token.
	 *
	 * @param userId subject
	 * @param jti token id
	 * @param sessionId refresh-token family
	 * @param expiresAt expiry
	 */
	public record Verified(UUID userId, String jti, UUID sessionId, Instant expiresAt) {
	}

}
