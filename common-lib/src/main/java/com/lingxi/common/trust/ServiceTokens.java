package com.lingxi.common.trust;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.lingxi.common.id.Ids;

/**
 * Makes the service tokens this service proves itself with when it calls another one: an
 * EdDSA (Ed25519) compact JWS with {@code iss} = this service, {@code aud} = the callee,
 * {@code iat}, {@code exp} and a random {@code jti}. One token per audience is reused
 * until half of its lifetime has passed, so a call costs a map lookup, not a signature.
 */
public final class ServiceTokens {

	static final String TYPE = "lingxi-service+jwt";

	private static final String HEADER = Jws
		.encode(("{\"alg\":\"EdDSA\",\"typ\":\"" + TYPE + "\"}").getBytes(StandardCharsets.US_ASCII));

	private final String issuer;

	private final PrivateKey key;

	private final Duration ttl;

	private final Clock clock;

	private final Map<String, Minted> minted = new ConcurrentHashMap<>();

	public ServiceTokens(String issuer, PrivateKey key, Duration ttl, Clock clock) {
		this.issuer = issuer;
		this.key = key;
		this.ttl = ttl;
		this.clock = clock;
	}

	/**
	 * Signs once, so that loading the Ed25519 implementation happens at start-up rather
	 * than inside the first remote call's time limit.
	 */
	public ServiceTokens warmUp() {
		mint("warm-up", this.clock.instant());
		return this;
	}

	/** The name this service signs as. */
	public String issuer() {
		return this.issuer;
	}

	/** A token for calling {@code audience}. */
	public String tokenFor(String audience) {
		Instant now = this.clock.instant();
		Minted current = this.minted.get(audience);
		if (current != null && now.isBefore(current.renewAt())) {
			return current.token();
		}
		Minted fresh = mint(audience, now);
		this.minted.put(audience, fresh);
		return fresh.token();
	}

	private Minted mint(String audience, Instant now) {
		Map<String, Object> claims = new LinkedHashMap<>();
		claims.put("iss", this.issuer);
		claims.put("aud", audience);
		claims.put("iat", now.getEpochSecond());
		claims.put("exp", now.plus(this.ttl).getEpochSecond());
		claims.put("jti", Ids.secureToken(12));
		String payload = Jws.encodeJson(claims);
		try {
			Signature signer = Signature.getInstance(ServiceKeys.ALGORITHM);
			signer.initSign(this.key);
			signer.update(Jws.signingInput(HEADER, payload));
			return new Minted(Jws.join(HEADER, payload, signer.sign()), now.plus(this.ttl.dividedBy(2)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Cannot sign a service token", ex);
		}
	}

	private record Minted(String token, Instant renewAt) {
	}

}
