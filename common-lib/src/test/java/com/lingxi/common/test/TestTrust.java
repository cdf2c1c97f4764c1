package com.lingxi.common.test;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.springframework.http.HttpHeaders;

import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.InternalApi;
import com.lingxi.common.trust.ServiceKeys;
import com.lingxi.common.trust.ServiceTokens;
import com.lingxi.common.trust.TrustHeaders;

/**
 * The platform's credentials for a test run: an Ed25519 key per service (and the
 * operator), and a gateway master key, all made fresh when the JVM first needs them and
 * never written anywhere. Integration tests get their service's keys automatically
 * ({@link IntegrationTest}); tests call the service as the gateway would
 * ({@link #asUser}, {@link #anonymous}) or as another service ({@link #asService}), and
 * can forge credentials the service must refuse ({@link #strangerToken}).
 */
public final class TestTrust {

	/** Every identity the platform knows. */
	public static final List<String> IDENTITIES = List.of("gateway-service", "user-service", "instance-service",
			"agent-service", "billing-service", "config-service", InternalApi.OPERATOR);

	/**
	 * Request attribute for the integration tests' {@code WebTestClient}: send the
	 * request exactly as written, without the anonymous edge assertion otherwise added.
	 */
	public static final String RAW = "lingxi.test.raw";

	private static final Map<String, KeyPair> KEYS = new LinkedHashMap<>();

	private static final byte[] EDGE_MASTER = new byte[32];

	private static final KeyPair STRANGER;

	static {
		SecureRandom random = new SecureRandom();
		random.nextBytes(EDGE_MASTER);
		IDENTITIES.forEach((name) -> KEYS.put(name, generate()));
		STRANGER = generate();
	}

	private TestTrust() {
	}

	/** The trust settings of one service, as Spring properties. */
	public static Map<String, Object> properties(String service) {
		Map<String, Object> properties = new LinkedHashMap<>();
		properties.put("lingxi.trust.service-key", privateKey(service));
		properties.put("lingxi.trust.peer-keys", peerKeys());
		properties.put("lingxi.trust.edge-key", edgeKey(service));
		if ("gateway-service".equals(service)) {
			properties.put("lingxi.trust.edge-master-key", Base64.getEncoder().encodeToString(EDGE_MASTER));
		}
		return properties;
	}

	/**
	 * The trust settings of one service, as the environment variables a process reads.
	 */
	public static Map<String, String> environment(String service) {
		Map<String, String> env = new LinkedHashMap<>();
		properties(service).forEach(
				(name, value) -> env.put(name.toUpperCase().replace('.', '_').replace('-', '_'), value.toString()));
		return env;
	}

	/** Base64 PKCS#8 of a service's private key. */
	public static String privateKey(String service) {
		KeyPair pair = keys(service);
		return Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded());
	}

	/** Every identity's public key, in {@code lingxi.trust.peer-keys} form. */
	public static synchronized String peerKeys() {
		return KEYS.entrySet()
			.stream()
			.map((entry) -> entry.getKey() + ":"
					+ Base64.getEncoder().encodeToString(entry.getValue().getPublic().getEncoded()))
			.collect(Collectors.joining(" "));
	}

	/** A service's edge key (derived from the master key). */
	public static String edgeKey(String service) {
		return Base64.getEncoder().encodeToString(EdgeAssertions.deriveKey(EDGE_MASTER, service));
	}

	/** An edge assertion for {@code audience} about a signed-in user. */
	public static String edgeAssertion(String audience, UUID user, String plan) {
		return signer().sign(audience,
				new EdgeAssertion(RequestIds.generate(), "127.0.0.1", user, plan, "test-" + RequestIds.generate()));
	}

	/** An edge assertion made at the time {@code clock} tells (to test expiry). */
	public static String edgeAssertion(String audience, EdgeAssertion assertion, Clock clock) {
		return new EdgeAssertions.Signer(EDGE_MASTER, Duration.ofSeconds(30), clock).sign(audience, assertion);
	}

	/** An edge assertion for {@code audience} about an anonymous caller. */
	public static String anonymousAssertion(String audience, String clientIp) {
		return signer().sign(audience, EdgeAssertion.anonymous(RequestIds.generate(), clientIp));
	}

	/** A valid service token of {@code issuer} for {@code audience}. */
	public static String serviceToken(String issuer, String audience) {
		return new ServiceTokens(issuer, keys(issuer).getPrivate(), Duration.ofMinutes(5), Clock.systemUTC())
			.tokenFor(audience);
	}

	/**
	 * A well-formed service token naming {@code issuer}, signed with a key nobody trusts.
	 */
	public static String strangerToken(String issuer, String audience) {
		return new ServiceTokens(issuer, STRANGER.getPrivate(), Duration.ofMinutes(5), Clock.systemUTC())
			.tokenFor(audience);
	}

	/** Headers of a request the gateway forwards for a signed-in user. */
	public static Consumer<HttpHeaders> asUser(String audience, UUID user, String plan) {
		return (headers) -> headers.set(TrustHeaders.EDGE, edgeAssertion(audience, user, plan));
	}

	/**
	 * As {@link #asUser(String, UUID, String)}, for a request whose id the client chose
	 * (the gateway keeps a well-formed one).
	 */
	public static Consumer<HttpHeaders> asUser(String audience, UUID user, String plan, String requestId) {
		return (headers) -> {
			headers.set(TrustHeaders.EDGE,
					edgeAssertion(audience,
							new EdgeAssertion(requestId, "127.0.0.1", user, plan, "test-" + RequestIds.generate()),
							Clock.systemUTC()));
			headers.set(IdentityHeaders.REQUEST_ID, requestId);
		};
	}

	/**
	 * As {@link #asUser(String, UUID, String)} for a user id in text form on the free
	 * plan.
	 */
	public static Consumer<HttpHeaders> asUser(String audience, String user) {
		return asUser(audience, UUID.fromString(user), "free");
	}

	/** Headers of a request the gateway forwards for an anonymous caller. */
	public static Consumer<HttpHeaders> anonymous(String audience) {
		return (headers) -> headers.set(TrustHeaders.EDGE, anonymousAssertion(audience, "127.0.0.1"));
	}

	/** Headers of a call from another platform service. */
	public static Consumer<HttpHeaders> asService(String issuer, String audience) {
		return (headers) -> headers.set(TrustHeaders.SERVICE, serviceToken(issuer, audience));
	}

	/** Checks that a service token was made by {@code issuer} for {@code audience}. */
	public static String verifyServiceToken(String token, String audience) {
		return new com.lingxi.common.trust.ServiceTokenVerifier(audience, ServiceKeys.peers(peerKeys()),
				Duration.ofSeconds(30), Clock.systemUTC())
			.verify(token);
	}

	private static synchronized KeyPair keys(String identity) {
		return KEYS.computeIfAbsent(identity, (name) -> generate());
	}

	private static EdgeAssertions.Signer signer() {
		return new EdgeAssertions.Signer(EDGE_MASTER, Duration.ofSeconds(30), Clock.systemUTC());
	}

	private static KeyPair generate() {
		try {
			return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
