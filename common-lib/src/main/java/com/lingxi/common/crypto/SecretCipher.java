package com.lingxi.common.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.lingxi.common.id.Ids;

/**
 * AES-256-GCM for secrets at rest. A ciphertext reads
 * {@code lx1:<key id>:<base64url(iv ||
 * ciphertext || tag)>}: the key id travels with the data, so keys can rotate while old
 * rows stay readable, and {@link #needsReencryption(String)} tells which rows to rewrite.
 * An optional context (say, the owning row's id) is bound as associated data, so a
 * ciphertext copied to another row does not decrypt.
 */
public final class SecretCipher {

	private static final String PREFIX = "lx1";

	private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");

	private static final int IV_BYTES = 12;

	private static final int TAG_BITS = 128;

	private final Map<String, SecretKey> keys;

	private final String activeKey;

	public SecretCipher(Map<String, String> base64Keys, String activeKey) {
		if (base64Keys == null || base64Keys.isEmpty()) {
			throw new IllegalArgumentException(
					"No encryption keys configured: set lingxi.crypto.keys.<id> (32 random bytes, Base64) and lingxi.crypto.active-key");
		}
		Map<String, SecretKey> parsed = new LinkedHashMap<>();
		base64Keys.forEach((id, value) -> {
			if (!KEY_ID.matcher(id).matches()) {
				throw new IllegalArgumentException("Key id '" + id + "' must match " + KEY_ID.pattern());
			}
			byte[] raw;
			try {
				raw = Base64.getDecoder().decode(value.trim());
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("Key '" + id + "' is not valid Base64", ex);
			}
			if (raw.length != 32) {
				throw new IllegalArgumentException("Key '" + id + "' must be 32 bytes (AES-256), not " + raw.length);
			}
			parsed.put(id, new SecretKeySpec(raw, "AES"));
		});
		String active = (activeKey != null && !activeKey.isBlank()) ? activeKey
				: (parsed.size() == 1) ? parsed.keySet().iterator().next() : null;
		if (active == null || !parsed.containsKey(active)) {
			throw new IllegalArgumentException("lingxi.crypto.active-key must name one of the configured keys "
					+ parsed.keySet() + ", not '" + activeKey + "'");
		}
		this.keys = Map.copyOf(parsed);
		this.activeKey = active;
	}

	/** Encrypts with the active key and no context. */
	public String encrypt(String plaintext) {
		return encrypt(plaintext, null);
	}

	/** Encrypts with the active key, binding {@code context} as associated data. */
	public String encrypt(String plaintext, String context) {
		byte[] iv = new byte[IV_BYTES];
		Ids.secureRandom().nextBytes(iv);
		byte[] sealed = run(Cipher.ENCRYPT_MODE, this.keys.get(this.activeKey), iv, context,
				plaintext.getBytes(StandardCharsets.UTF_8));
		byte[] out = new byte[IV_BYTES + sealed.length];
		System.arraycopy(iv, 0, out, 0, IV_BYTES);
		System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
		return PREFIX + ":" + this.activeKey + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
	}

	/** Decrypts a value written by {@link #encrypt(String)}. */
	public String decrypt(String ciphertext) {
		return decrypt(ciphertext, null);
	}

	/**
	 * Decrypts a value written by {@link #encrypt(String, String)} with the same context.
	 * @throws IllegalArgumentException if the value is malformed, names an unknown key,
	 * or was tampered with or sealed under another context
	 */
	public String decrypt(String ciphertext, String context) {
		Parsed parsed = parse(ciphertext);
		SecretKey key = this.keys.get(parsed.keyId());
		if (key == null) {
			throw new IllegalArgumentException("Ciphertext was written with key '" + parsed.keyId()
					+ "', which is not configured (keys: " + this.keys.keySet() + ")");
		}
		byte[] data = parsed.data();
		if (data.length < IV_BYTES + TAG_BITS / 8) {
			throw new IllegalArgumentException("Ciphertext is truncated");
		}
		byte[] iv = new byte[IV_BYTES];
		System.arraycopy(data, 0, iv, 0, IV_BYTES);
		byte[] sealed = new byte[data.length - IV_BYTES];
		System.arraycopy(data, IV_BYTES, sealed, 0, sealed.length);
		return new String(run(Cipher.DECRYPT_MODE, key, iv, context, sealed), StandardCharsets.UTF_8);
	}

	/** The id of the key a ciphertext was written with. */
	public String keyIdOf(String ciphertext) {
		return parse(ciphertext).keyId();
	}

	/** Whether a ciphertext was written with a key other than the active one. */
	public boolean needsReencryption(String ciphertext) {
		return !this.activeKey.equals(keyIdOf(ciphertext));
	}

	/** The id of the key new ciphertexts are written with. */
	public String activeKeyId() {
		return this.activeKey;
	}

	private static Parsed parse(String ciphertext) {
		if (ciphertext == null) {
			throw new IllegalArgumentException("Ciphertext is null");
		}
		String[] parts = ciphertext.split(":", 3);
		if (parts.length != 3 || !PREFIX.equals(parts[0]) || !KEY_ID.matcher(parts[1]).matches()) {
			throw new IllegalArgumentException("Not a Lingxi ciphertext");
		}
		try {
			return new Parsed(parts[1], Base64.getUrlDecoder().decode(parts[2]));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("Ciphertext is not valid Base64", ex);
		}
	}

	private static byte[] run(int mode, SecretKey key, byte[] iv, String context, byte[] input) {
		try {
			Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
			cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
			if (context != null) {
				cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
			}
			return cipher.doFinal(input);
		}
		catch (javax.crypto.AEADBadTagException ex) {
			throw new IllegalArgumentException("Ciphertext failed authentication (tampered, or another context)", ex);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES-GCM is not available", ex);
		}
	}

	private record Parsed(String keyId, byte[] data) {
	}

}
