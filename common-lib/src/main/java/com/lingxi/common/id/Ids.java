package com.lingxi.common.id;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers and random secrets that are safe to make on an event-loop thread.
 *
 * <p>
 * {@link UUID#randomUUID()} reads the operating system's entropy source on each call,
 * which is blocking I/O; the secure random here is a DRBG seeded once, after which it
 * only computes.
 */
public final class Ids {

	private static final SecureRandom SECURE = drbg();

	private Ids() {
	}

	/**
	 * A time-ordered UUID (version 7, RFC 9562): ids made later sort later, which keeps
	 * B-tree indexes compact.
	 */
	public static UUID uuidV7() {
		long millis = System.currentTimeMillis();
		byte[] random = new byte[10];
		SECURE.nextBytes(random);
		long msb = (millis << 16) | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
		long lsb = 0x8000000000000000L | ((random[2] & 0x3FL) << 56);
		for (int i = 3; i < 10; i++) {
			lsb |= (random[i] & 0xFFL) << (8 * (9 - i));
		}
		return new UUID(msb, lsb);
	}

	/** {@code bytes} random bytes from a cryptographically strong generator. */
	public static byte[] secureBytes(int bytes) {
		byte[] out = new byte[bytes];
		SECURE.nextBytes(out);
		return out;
	}

	/** A URL-safe random token carrying {@code bytes} bytes of entropy. */
	public static String secureToken(int bytes) {
		return Base64.getUrlEncoder().withoutPadding().encodeToString(secureBytes(bytes));
	}

	/** A uniformly random integer in {@code [0, bound)} from the strong generator. */
	public static int secureInt(int bound) {
		return SECURE.nextInt(bound);
	}

	/**
	 * The shared strong generator, for libraries that take a {@link SecureRandom}
	 * (signers, password hashers) so they never read the entropy device on an event loop.
	 */
	public static SecureRandom secureRandom() {
		return SECURE;
	}

	/** A fast, non-cryptographic random long (jitter, sampling). */
	public static long fastRandom() {
		return ThreadLocalRandom.current().nextLong();
	}

	private static SecureRandom drbg() {
		try {
			SecureRandom random = SecureRandom.getInstance("DRBG");
			random.nextBytes(new byte[16]);
			return random;
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("No DRBG SecureRandom in this JVM", ex);
		}
	}

}
