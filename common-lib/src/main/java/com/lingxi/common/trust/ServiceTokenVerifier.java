package com.lingxi.common.trust;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks the service tokens of callers: EdDSA only, a known issuer whose key verifies the
 * signature, this service as the audience, and a lifetime that has begun, has not ended
 * and is not longer than {@link #MAX_LIFETIME}. A caller reuses its token for minutes, so
 * verified tokens are remembered (keyed by the exact token) until they expire.
 */
public final class ServiceTokenVerifier {

	/** Longest lifetime a token may claim: a leaked one is useless soon. */
	static final Duration MAX_LIFETIME = Duration.ofMinutes(15);

	private static final int CACHE_LIMIT = 4096;

	private final String audience;

	private final Map<String, List<PublicKey>> peers;

	private final Duration clockSkew;

	private final Clock clock;

	private final Map<String, Verified> verified = new ConcurrentHashMap<>();

	public ServiceTokenVerifier(String audience, Map<String, List<PublicKey>> peers, Duration clockSkew, Clock clock) {
		this.audience = audience;
		this.peers = Map.copyOf(peers);
		this.clockSkew = clockSkew;
		this.clock = clock;
	}

	/** The names whose tokens this service can verify. */
	public java.util.Set<String> knownCallers() {
		return this.peers.keySet();
	}

	/**
	 * The calling service's name, or an {@link InvalidCredentialException} saying why the
	 * token is refused.
	 */
	public String verify(String token) {
		Instant now = this.clock.instant();
		Verified known = this.verified.get(token);
		if (known != null) {
			if (now.isBefore(known.expiresAt().plus(this.clockSkew))) {
				return known.caller();
			}
			this.verified.remove(token);
		}
		Verified fresh = verifyUncached(token, now);
		if (this.verified.size() >= CACHE_LIMIT) {
			this.verified.values().removeIf((entry) -> !now.isBefore(entry.expiresAt().plus(this.clockSkew)));
			if (this.verified.size() >= CACHE_LIMIT) {
				this.verified.clear();
			}
		}
		this.verified.put(token, fresh);
		return fresh.caller();
	}

	private Verified verifyUncached(String token, Instant now) {
		Jws.Parts parts = Jws.parse(token);
		if (!"EdDSA".equals(parts.headerText("alg")) || !ServiceTokens.TYPE.equals(parts.headerText("typ"))) {
			throw new InvalidCredentialException("The service token is not an EdDSA service token.");
		}
		String issuer = parts.text("iss");
		List<PublicKey> keys = (issuer != null) ? this.peers.get(issuer) : null;
		if (keys == null) {
			throw new InvalidCredentialException("The service token's issuer is not a known service.");
		}
		if (!verifies(keys, parts)) {
			throw new InvalidCredentialException("The service token's signature is not valid.");
		}
		if (!this.audience.equals(parts.text("aud"))) {
			throw new InvalidCredentialException("The service token is meant for another service.");
		}
		Instant issued = Instant.ofEpochSecond(parts.number("iat"));
		Instant expires = Instant.ofEpochSecond(parts.number("exp"));
		if (issued.minus(this.clockSkew).isAfter(now)) {
			throw new InvalidCredentialException("The service token is not valid yet.");
		}
		if (!now.isBefore(expires.plus(this.clockSkew))) {
			throw new InvalidCredentialException("The service token has expired.");
		}
		if (Duration.between(issued, expires).compareTo(MAX_LIFETIME) > 0) {
			throw new InvalidCredentialException("The service token lives longer than allowed.");
		}
		return new Verified(issuer, expires);
	}

	private static boolean verifies(List<PublicKey> keys, Jws.Parts parts) {
		byte[] input = parts.signingInput();
		for (PublicKey key : keys) {
			try {
				Signature signature = Signature.getInstance(ServiceKeys.ALGORITHM);
				signature.initVerify(key);
				signature.update(input);
				if (signature.verify(parts.signature())) {
					return true;
				}
			}
			catch (GeneralSecurityException ex) {
				// a malformed signature is simply not valid
			}
		}
		return false;
	}

	private record Verified(String caller, Instant expiresAt) {
	}

}
