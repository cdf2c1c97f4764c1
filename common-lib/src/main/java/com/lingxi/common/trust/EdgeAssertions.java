package com.lingxi.common.trust;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Edge assertions: the gateway's per-request statement (HS256 compact JWS) about who is
 * calling, addressed to one service. Each service holds only the key for its own
 * audience, derived from the gateway's master key as
 * {@code HMAC-SHA256(master, "lingxi-edge-v1:" + service)}; so a service can check what
 * the gateway says to it but cannot speak for the gateway to any other service. One HMAC
 * per request costs the gateway a few microseconds, which is why this, and not a
 * signature, carries the user.
 */
public final class EdgeAssertions {

	static final String TYPE = "lingxi-edge+jwt";

	/** The issuer every assertion names. */
	public static final String ISSUER = "gateway-service";

	private static final String HEADER = Jws
		.encode(("{\"alg\":\"HS256\",\"typ\":\"" + TYPE + "\"}").getBytes(StandardCharsets.US_ASCII));

	private static final String HMAC = "HmacSHA256";

	private EdgeAssertions() {
	}

	/** The key of one audience, derived from the gateway's master key. */
	public static byte[] deriveKey(byte[] master, String audience) {
		return mac(master, ("lingxi-edge-v1:" + audience).getBytes(StandardCharsets.UTF_8));
	}

	/** Decodes a setting of one or more Base64 keys separated by commas or whitespace. */
	public static List<byte[]> decodeKeys(String base64Keys, String setting) {
		return Arrays.stream(base64Keys.strip().split("[\\s,]+")).map((key) -> decodeKey(key, setting)).toList();
	}

	/** Decodes a Base64 key setting, refusing keys shorter than 32 bytes. */
	public static byte[] decodeKey(String base64, String setting) {
		byte[] key;
		try {
			key = Base64.getMimeDecoder().decode(base64.strip());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(setting + " is not Base64");
		}
		if (key.length < 32) {
			throw new IllegalArgumentException(setting + " must hold at least 32 bytes");
		}
		return key;
	}

	private static byte[] mac(byte[] key, byte[] data) {
		try {
			Mac mac = Mac.getInstance(HMAC);
			mac.init(new SecretKeySpec(key, HMAC));
			return mac.doFinal(data);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The gateway's side: signs assertions for any audience. Thread-safe; keeps one
	 * initialised MAC per audience and thread.
	 */
	public static final class Signer {

		private final byte[] master;

		private final long ttlSeconds;

		private final Clock clock;

		private final ThreadLocal<Map<String, Mac>> macs = ThreadLocal.withInitial(HashMap::new);

		public Signer(byte[] master, Duration ttl, Clock clock) {
			this.master = master.clone();
			this.ttlSeconds = Math.max(1, ttl.toSeconds());
			this.clock = clock;
		}

		/** A compact assertion of {@code assertion} for {@code audience}. */
		public String sign(String audience, EdgeAssertion assertion) {
			long now = this.clock.instant().getEpochSecond();
			StringBuilder json = new StringBuilder(192).append('{');
			field(json, "iss", ISSUER).append(',');
			field(json, "aud", audience).append(',');
			json.append("\"iat\":").append(now).append(",\"exp\":").append(now + this.ttlSeconds);
			json.append(',');
			field(json, "rid", assertion.requestId()).append(',');
			field(json, "ip", assertion.clientIp());
			if (assertion.userId() != null) {
				json.append(',');
				field(json, "sub", assertion.userId().toString());
				if (assertion.plan() != null) {
					json.append(',');
					field(json, "plan", assertion.plan());
				}
				if (assertion.accessTokenId() != null) {
					json.append(',');
					field(json, "sid", assertion.accessTokenId());
				}
			}
			json.append('}');
			String payload = Jws.encode(json.toString().getBytes(StandardCharsets.UTF_8));
			Mac mac = this.macs.get().computeIfAbsent(audience, this::newMac);
			return Jws.join(HEADER, payload, mac.doFinal(Jws.signingInput(HEADER, payload)));
		}

		private Mac newMac(String audience) {
			try {
				Mac mac = Mac.getInstance(HMAC);
				mac.init(new SecretKeySpec(deriveKey(this.master, audience), HMAC));
				return mac;
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException(ex);
			}
		}

		private static StringBuilder field(StringBuilder json, String name, String value) {
			json.append('"').append(name).append("\":");
			if (value == null) {
				return json.append("null");
			}
			json.append('"');
			for (int i = 0; i < value.length(); i++) {
				char c = value.charAt(i);
				if (c == '"' || c == '\\') {
					json.append('\\').append(c);
				}
				else if (c < 0x20) {
					json.append(String.format("\\u%04x", (int) c));
				}
				else {
					json.append(c);
				}
			}
			return json.append('"');
		}

	}

	/** A service's side: checks the assertions addressed to it. */
	public static final class Verifier {

		private final String audience;

		private final List<SecretKeySpec> keys;

		private final Duration clockSkew;

		private final Clock clock;

		public Verifier(String audience, byte[] key, Duration clockSkew, Clock clock) {
			this(audience, List.of(key), clockSkew, clock);
		}

		/**
		 * A verifier accepting assertions made with any of {@code keys} (the current and,
		 * while the gateway's master key is rotated, the previous one).
		 */
		public Verifier(String audience, List<byte[]> keys, Duration clockSkew, Clock clock) {
			this.audience = audience;
			this.keys = keys.stream().map((key) -> new SecretKeySpec(key, HMAC)).toList();
			this.clockSkew = clockSkew;
			this.clock = clock;
		}

		/** What the gateway asserts, or an {@link InvalidCredentialException}. */
		public EdgeAssertion verify(String token) {
			Jws.Parts parts = Jws.parse(token);
			if (!"HS256".equals(parts.headerText("alg")) || !TYPE.equals(parts.headerText("typ"))) {
				throw new InvalidCredentialException("The edge assertion is not an HS256 edge assertion.");
			}
			if (!signedWithAKnownKey(parts)) {
				throw new InvalidCredentialException("The edge assertion's signature is not valid.");
			}
			if (!ISSUER.equals(parts.text("iss")) || !this.audience.equals(parts.text("aud"))) {
				throw new InvalidCredentialException("The edge assertion is meant for another service.");
			}
			Instant now = this.clock.instant();
			Instant issued = Instant.ofEpochSecond(parts.number("iat"));
			Instant expires = Instant.ofEpochSecond(parts.number("exp"));
			if (issued.minus(this.clockSkew).isAfter(now) || !now.isBefore(expires.plus(this.clockSkew))) {
				throw new InvalidCredentialException("The edge assertion has expired.");
			}
			if (Duration.between(issued, expires).compareTo(ServiceTokenVerifier.MAX_LIFETIME) > 0) {
				throw new InvalidCredentialException("The edge assertion lives longer than allowed.");
			}
			String subject = parts.text("sub");
			UUID user;
			try {
				user = (subject != null) ? UUID.fromString(subject) : null;
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidCredentialException("The edge assertion's subject is not a user.");
			}
			return new EdgeAssertion(parts.text("rid"), parts.text("ip"), user,
					(user != null) ? parts.text("plan") : null, (user != null) ? parts.text("sid") : null);
		}

		private boolean signedWithAKnownKey(Jws.Parts parts) {
			byte[] input = parts.signingInput();
			boolean valid = false;
			for (SecretKeySpec key : this.keys) {
				try {
					Mac mac = Mac.getInstance(HMAC);
					mac.init(key);
					valid |= MessageDigest.isEqual(mac.doFinal(input), parts.signature());
				}
				catch (GeneralSecurityException ex) {
					throw new IllegalStateException(ex);
				}
			}
			return valid;
		}

	}

}
