package com.lingxi.common.trust;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JWS compact serialisation ({@code header.payload.signature}, Base64url without
 * padding), the format both platform credentials use, so that any JOSE library can read
 * them.
 */
final class Jws {

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/**
	 * Longest credential accepted: far above any real one, small enough to parse cheaply.
	 */
	static final int MAX_LENGTH = 4096;

	private Jws() {
	}

	static String encode(byte[] bytes) {
		return ENCODER.encodeToString(bytes);
	}

	static String encodeJson(Map<String, Object> claims) {
		return encode(JSON.writeValueAsBytes(claims));
	}

	/** The signing input of a header and payload, as bytes. */
	static byte[] signingInput(String header, String payload) {
		return (header + "." + payload).getBytes(StandardCharsets.US_ASCII);
	}

	static String join(String header, String payload, byte[] signature) {
		return header + "." + payload + "." + encode(signature);
	}

	/** Splits and decodes a compact JWS, or refuses it. */
	static Parts parse(String token) {
		if (token == null || token.isEmpty() || token.length() > MAX_LENGTH) {
			throw new InvalidCredentialException("The credential is missing or too long.");
		}
		int first = token.indexOf('.');
		int second = (first < 0) ? -1 : token.indexOf('.', first + 1);
		if (first <= 0 || second <= first + 1 || token.indexOf('.', second + 1) >= 0 || second == token.length() - 1) {
			throw new InvalidCredentialException("The credential is not a compact JWS.");
		}
		String header = token.substring(0, first);
		String payload = token.substring(first + 1, second);
		try {
			return new Parts(header, payload, json(header), json(payload), DECODER.decode(token.substring(second + 1)));
		}
		catch (IllegalArgumentException | JacksonException ex) {
			throw new InvalidCredentialException("The credential is not a compact JWS.");
		}
	}

	private static JsonNode json(String part) {
		JsonNode node = JSON.readTree(DECODER.decode(part));
		if (node == null || !node.isObject()) {
			throw new InvalidCredentialException("The credential is not a compact JWS.");
		}
		return node;
	}

	/**
	 * A parsed compact JWS.
	 *
	 * @param encodedHeader the header as sent
	 * @param encodedPayload the payload as sent
	 * @param header the decoded header
	 * @param claims the decoded payload
	 * @param signature the signature bytes
	 */
	record Parts(String encodedHeader, String encodedPayload, JsonNode header, JsonNode claims, byte[] signature) {

		byte[] signingInput() {
			return Jws.signingInput(this.encodedHeader, this.encodedPayload);
		}

		String text(String name) {
			JsonNode value = this.claims.get(name);
			return (value != null && value.isString()) ? value.asString() : null;
		}

		long number(String name) {
			JsonNode value = this.claims.get(name);
			if (value == null || !value.isIntegralNumber()) {
				throw new InvalidCredentialException("The credential has no valid '" + name + "' claim.");
			}
			return value.asLong();
		}

		String headerText(String name) {
			JsonNode value = this.header.get(name);
			return (value != null && value.isString()) ? value.asString() : null;
		}

	}

}
