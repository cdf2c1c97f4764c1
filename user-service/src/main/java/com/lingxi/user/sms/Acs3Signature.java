package com.lingxi.user.sms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Alibaba Cloud's V3 request signature, {@code ACS3-HMAC-SHA256} ("Request syntax and
 * signature method V3" in Alibaba Cloud's SDK documentation):
 *
 * <pre>
 * CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
 * StringToSign     = ACS3-HMAC-SHA256 \n hex(sha256(CanonicalRequest))
 * Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
 * Authorization    = ACS3-HMAC-SHA256 Credential=AccessKeyId,SignedHeaders=...,Signature=...
 * </pre>
 *
 * Every {@code host}, {@code content-type} and {@code x-acs-*} header is signed. Pure
 * functions: the caller chooses the date and the nonce.
 */
final class Acs3Signature {

	static final String ALGORITHM = "ACS3-HMAC-SHA256";

	private static final HexFormat HEX = HexFormat.of();

	private Acs3Signature() {
	}

	/**
	 * Signs a request.
	 * @param method HTTP method
	 * @param canonicalUri the path; {@code /} for RPC-style APIs such as {@code SendSms}
	 * @param query query parameters (unencoded)
	 * @param headers request headers (any case); those signed must include
	 * {@code x-acs-content-sha256} equal to {@link #hashedPayload} of the body
	 * @param accessKeyId AccessKey id
	 * @param accessKeySecret AccessKey secret
	 */
	static Signed sign(String method, String canonicalUri, Map<String, String> query, Map<String, String> headers,
			String accessKeyId, String accessKeySecret) {
		SortedMap<String, String> signed = new TreeMap<>();
		headers.forEach((name, value) -> {
			String lower = name.toLowerCase(Locale.ROOT);
			if (lower.equals("host") || lower.equals("content-type") || lower.startsWith("x-acs-")) {
				signed.put(lower, value.trim());
			}
		});
		String canonicalHeaders = signed.entrySet()
			.stream()
			.map((header) -> header.getKey() + ":" + header.getValue() + "\n")
			.collect(Collectors.joining());
		String signedHeaders = String.join(";", signed.keySet());
		String canonicalRequest = method.toUpperCase(Locale.ROOT) + "\n" + canonicalUri + "\n" + canonicalQuery(query)
				+ "\n" + canonicalHeaders + "\n" + signedHeaders + "\n" + signed.get("x-acs-content-sha256");
		String stringToSign = ALGORITHM + "\n" + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
		String signature = HEX.formatHex(hmacSha256(accessKeySecret, stringToSign));
		String authorization = ALGORITHM + " Credential=" + accessKeyId + ",SignedHeaders=" + signedHeaders
				+ ",Signature=" + signature;
		return new Signed(canonicalRequest, stringToSign, signature, authorization);
	}

	/** {@code k=v&k=v}: names sorted, names and values {@link #percentEncode encoded}. */
	static String canonicalQuery(Map<String, String> query) {
		return new TreeMap<>(query).entrySet()
			.stream()
			.map((parameter) -> percentEncode(parameter.getKey()) + "=" + percentEncode(parameter.getValue()))
			.collect(Collectors.joining("&"));
	}

	/**
	 * {@code x-acs-content-sha256}: lower-case hex SHA-256 of the body (empty if none).
	 */
	static String hashedPayload(byte[] body) {
		return sha256Hex(body);
	}

	/**
	 * RFC 3986 encoding of the UTF-8 bytes: only {@code A-Z a-z 0-9 - _ . ~} stay as they
	 * are; a space is {@code %20}, {@code *} is {@code %2A}.
	 */
	static String percentEncode(String value) {
		StringBuilder out = new StringBuilder();
		for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xFF);
			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
					|| c == '.' || c == '~') {
				out.append(c);
			}
			else {
				out.append('%').append(HEX.toHexDigits(b).toUpperCase(Locale.ROOT));
			}
		}
		return out.toString();
	}

	private static String sha256Hex(byte[] bytes) {
		try {
			return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("SHA-256 unavailable", ex);
		}
	}

	private static byte[] hmacSha256(String key, String data) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 unavailable", ex);
		}
	}

	/**
	 * A signed request's parts.
	 *
	 * @param canonicalRequest the canonical request
	 * @param stringToSign the string to sign
	 * @param signature the signature (lower-case hex)
	 * @param authorization the {@code Authorization} header
	 */
	record Signed(String canonicalRequest, String stringToSign, String signature, String authorization) {
	}

}
