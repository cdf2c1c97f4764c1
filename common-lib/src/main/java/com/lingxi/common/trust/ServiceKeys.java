package com.lingxi.common.trust;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ed25519 keys of the platform's services: parsing this service's private key and the
 * {@code name:key} list of the public keys it trusts.
 */
public final class ServiceKeys {

	static final String ALGORITHM = "Ed25519";

	private ServiceKeys() {
	}

	/** A private key from the Base64 of its PKCS#8 DER encoding. */
	public static PrivateKey privateKey(String base64) {
		try {
			return KeyFactory.getInstance(ALGORITHM)
				.generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64.strip())));
		}
		catch (GeneralSecurityException | IllegalArgumentException ex) {
			throw new IllegalArgumentException(
					"lingxi.trust.service-key is not the Base64 of an Ed25519 private key (PKCS#8 DER)");
		}
	}

	/** A public key from the Base64 of its SubjectPublicKeyInfo DER encoding. */
	public static PublicKey publicKey(String base64) {
		try {
			return KeyFactory.getInstance(ALGORITHM)
				.generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(base64.strip())));
		}
		catch (GeneralSecurityException | IllegalArgumentException ex) {
			throw new IllegalArgumentException("Not the Base64 of an Ed25519 public key (SubjectPublicKeyInfo DER)");
		}
	}

	/**
	 * Parses {@code name:key} entries separated by whitespace or commas into the keys of
	 * each name (several while a key is rotated).
	 */
	public static Map<String, List<PublicKey>> peers(String spec) {
		Map<String, List<PublicKey>> peers = new LinkedHashMap<>();
		if (spec == null || spec.isBlank()) {
			return peers;
		}
		for (String entry : spec.strip().split("[\\s,]+")) {
			int colon = entry.indexOf(':');
			if (colon <= 0 || colon == entry.length() - 1) {
				throw new IllegalArgumentException(
						"lingxi.trust.peer-keys: expected name:key entries, found '" + abbreviate(entry) + "'");
			}
			String name = entry.substring(0, colon);
			PublicKey key;
			try {
				key = publicKey(entry.substring(colon + 1));
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException("lingxi.trust.peer-keys: the key of '" + name + "' is not valid");
			}
			peers.computeIfAbsent(name, (n) -> new ArrayList<>()).add(key);
		}
		return peers;
	}

	private static String abbreviate(String text) {
		return (text.length() > 24) ? text.substring(0, 24) + "…" : text;
	}

}
