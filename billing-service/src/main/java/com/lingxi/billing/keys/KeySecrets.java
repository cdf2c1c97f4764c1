package com.lingxi.billing.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.lingxi.common.id.Ids;

/**
 * Key secrets: {@code lx-} followed by 32 random bytes (URL-safe Base64). Only their
 * SHA-256 is stored; with 256 bits of entropy a plain hash cannot be reversed by
 * guessing, and it can be looked up by equality.
 */
final class KeySecrets {

	static final String PREFIX = "lx-";

	/** Longest string accepted as a key before hashing (bounds the work per request). */
	static final int MAX_LENGTH = 100;

	private KeySecrets() {
	}

	static String newSecret() {
		return PREFIX + Ids.secureToken(32);
	}

	/** Whether a presented value can be a key at all. */
	static boolean plausible(String presented) {
		return presented != null && presented.startsWith(PREFIX) && presented.length() > PREFIX.length()
				&& presented.length() <= MAX_LENGTH;
	}

	static String hash(String secret) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
