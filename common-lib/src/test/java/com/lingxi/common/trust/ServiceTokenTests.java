package com.lingxi.common.trust;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Service tokens: who may be believed, for how long, and for which callee. */
class ServiceTokenTests {

	private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

	private final KeyPair instance = generate();

	private final KeyPair rotated = generate();

	@Test
	void aTokenNamesItsIssuerToItsAudienceOnly() {
		String token = tokens("instance-service", this.instance, NOW, Duration.ofMinutes(5))
			.tokenFor("billing-service");
		assertThat(verifier("billing-service", NOW).verify(token)).isEqualTo("instance-service");
		assertThatExceptionOfType(InvalidCredentialException.class)
			.isThrownBy(() -> verifier("config-service", NOW).verify(token))
			.withMessage("The service token is meant for another service.");
	}

	@Test
	void aTokenSignedByOneServiceCannotClaimToBeAnother() {
		String token = tokens("config-service", this.instance, NOW, Duration.ofMinutes(5)).tokenFor("billing-service");
		assertThatExceptionOfType(InvalidCredentialException.class)
			.isThrownBy(() -> verifier("billing-service", NOW).verify(token))
			.withMessage("The service token's signature is not valid.");
	}

	@Test
	void expiredFutureAndLongLivedTokensAreRefused() {
		String expired = tokens("instance-service", this.instance, NOW.minus(Duration.ofMinutes(10)),
				Duration.ofMinutes(5))
			.tokenFor("billing-service");
		String future = tokens("instance-service", this.instance, NOW.plus(Duration.ofMinutes(10)),
				Duration.ofMinutes(5))
			.tokenFor("billing-service");
		String longLived = tokens("instance-service", this.instance, NOW, Duration.ofDays(30))
			.tokenFor("billing-service");
		ServiceTokenVerifier verifier = verifier("billing-service", NOW);
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> verifier.verify(expired))
			.withMessage("The service token has expired.");
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> verifier.verify(future))
			.withMessage("The service token is not valid yet.");
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> verifier.verify(longLived))
			.withMessage("The service token lives longer than allowed.");
	}

	@Test
	void aCachedTokenStopsWorkingWhenItExpires() {
		String token = tokens("instance-service", this.instance, NOW, Duration.ofMinutes(5))
			.tokenFor("billing-service");
		MutableClock clock = new MutableClock(NOW);
		ServiceTokenVerifier verifier = new ServiceTokenVerifier("billing-service", peers(), Duration.ofSeconds(30),
				clock);
		assertThat(verifier.verify(token)).isEqualTo("instance-service");
		clock.now = NOW.plus(Duration.ofMinutes(6));
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> verifier.verify(token));
	}

	@Test
	void duringARotationBothKeysOfAServiceAreAccepted() {
		String old = tokens("instance-service", this.instance, NOW, Duration.ofMinutes(5)).tokenFor("billing-service");
		String fresh = tokens("instance-service", this.rotated, NOW, Duration.ofMinutes(5)).tokenFor("billing-service");
		String spec = "instance-service:" + encode(this.instance.getPublic()) + ", instance-service:"
				+ encode(this.rotated.getPublic());
		ServiceTokenVerifier verifier = new ServiceTokenVerifier("billing-service", ServiceKeys.peers(spec),
				Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC));
		assertThat(verifier.verify(old)).isEqualTo("instance-service");
		assertThat(verifier.verify(fresh)).isEqualTo("instance-service");
	}

	@Test
	void aTokenIsReusedUntilHalfItsLifeHasPassed() {
		MutableClock clock = new MutableClock(NOW);
		ServiceTokens tokens = new ServiceTokens("instance-service", this.instance.getPrivate(), Duration.ofMinutes(4),
				clock);
		String first = tokens.tokenFor("billing-service");
		clock.now = NOW.plus(Duration.ofMinutes(1));
		assertThat(tokens.tokenFor("billing-service")).isEqualTo(first);
		clock.now = NOW.plus(Duration.ofMinutes(2));
		assertThat(tokens.tokenFor("billing-service")).isNotEqualTo(first);
	}

	@Test
	void malformedPeerKeySettingsNameTheProblem() {
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceKeys.peers("instance-service"))
			.withMessageContaining("expected name:key");
		assertThatIllegalArgumentException().isThrownBy(() -> ServiceKeys.peers("instance-service:bm90LWEta2V5"))
			.withMessageContaining("the key of 'instance-service' is not valid");
	}

	private ServiceTokens tokens(String issuer, KeyPair pair, Instant at, Duration ttl) {
		return new ServiceTokens(issuer, pair.getPrivate(), ttl, Clock.fixed(at, ZoneOffset.UTC));
	}

	private ServiceTokenVerifier verifier(String self, Instant at) {
		return new ServiceTokenVerifier(self, peers(), Duration.ofSeconds(30), Clock.fixed(at, ZoneOffset.UTC));
	}

	private Map<String, List<PublicKey>> peers() {
		return ServiceKeys.peers("instance-service:" + encode(this.instance.getPublic()) + " config-service:"
				+ encode(this.rotated.getPublic()));
	}

	private static String encode(PublicKey key) {
		return Base64.getEncoder().encodeToString(key.getEncoded());
	}

	private static KeyPair generate() {
		try {
			return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	static final class MutableClock extends Clock {

		Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
