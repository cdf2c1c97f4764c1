package com.lingxi.common.trust;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Edge assertions: what the gateway says, to whom, checked with the derived key only. */
class EdgeAssertionTests {

	private final byte[] master = "0123456789abcdef0123456789abcdef".getBytes();

	private final byte[] nextMaster = "fedcba9876543210fedcba9876543210".getBytes();

	@Test
	void whatTheGatewaySaysArrivesIntactIncludingCharactersThatNeedEscaping() {
		UUID user = UUID.randomUUID();
		String signed = signer(this.master).sign("user-service",
				new EdgeAssertion("req-1", "2001:db8::1\"\\\n", user, "pro", "jti-1"));
		EdgeAssertion read = verifier(List.of(EdgeAssertions.deriveKey(this.master, "user-service"))).verify(signed);
		assertThat(read).isEqualTo(new EdgeAssertion("req-1", "2001:db8::1\"\\\n", user, "pro", "jti-1"));
	}

	@Test
	void duringARotationAssertionsOfTheOldAndTheNewMasterKeyAreBothAccepted() {
		EdgeAssertions.Verifier both = verifier(List.of(EdgeAssertions.deriveKey(this.nextMaster, "user-service"),
				EdgeAssertions.deriveKey(this.master, "user-service")));
		EdgeAssertion anonymous = EdgeAssertion.anonymous("r", "10.0.0.1");
		assertThat(both.verify(signer(this.master).sign("user-service", anonymous))).isEqualTo(anonymous);
		assertThat(both.verify(signer(this.nextMaster).sign("user-service", anonymous))).isEqualTo(anonymous);
		EdgeAssertions.Verifier newOnly = verifier(List.of(EdgeAssertions.deriveKey(this.nextMaster, "user-service")));
		assertThatExceptionOfType(InvalidCredentialException.class)
			.isThrownBy(() -> newOnly.verify(signer(this.master).sign("user-service", anonymous)));
	}

	@Test
	void aServiceCannotForgeAnAssertionForAnotherServiceWithItsOwnKey() {
		// billing-service knows its own derived key; signing with it as if it were the
		// master produces nothing user-service accepts.
		byte[] billingKey = EdgeAssertions.deriveKey(this.master, "billing-service");
		String forged = signer(billingKey).sign("user-service",
				new EdgeAssertion("r", "10.0.0.1", UUID.randomUUID(), "enterprise", null));
		assertThatExceptionOfType(InvalidCredentialException.class)
			.isThrownBy(() -> verifier(List.of(EdgeAssertions.deriveKey(this.master, "user-service"))).verify(forged));
	}

	@Test
	void keySettingsShorterThan32BytesAreRefused() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> EdgeAssertions.decodeKeys(Base64.getEncoder().encodeToString(new byte[16]), "edge"))
			.withMessageContaining("at least 32 bytes");
		assertThat(EdgeAssertions.decodeKeys(Base64.getEncoder().encodeToString(new byte[32]) + ", "
				+ Base64.getEncoder().encodeToString(new byte[33]), "edge"))
			.hasSize(2);
	}

	private static EdgeAssertions.Signer signer(byte[] master) {
		return new EdgeAssertions.Signer(master, Duration.ofSeconds(30), Clock.systemUTC());
	}

	private static EdgeAssertions.Verifier verifier(List<byte[]> keys) {
		return new EdgeAssertions.Verifier("user-service", keys, Duration.ofSeconds(30), Clock.systemUTC());
	}

}
