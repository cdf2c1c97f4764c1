package com.lingxi.common.trust;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Credentials a service proves itself with and checks its callers against. Behind the
 * public gateway nothing is trusted for where it comes from: a request for a user carries
 * the gateway's signed {@linkplain EdgeAssertions edge assertion}, a call from another
 * service a {@linkplain ServiceTokens service token}. {@code ./lingxi up} generates every
 * key; on Kubernetes they come from Secrets. See docs/security.md.
 *
 * @param serviceName the name this service signs its service tokens as and the audience
 * its callers must name; {@code spring.application.name} when empty
 * @param serviceKey this service's Ed25519 private key, Base64 of its PKCS#8 DER form
 * ({@code LINGXI_TRUST_SERVICE_KEY}); needed to call other services
 * @param peerKeys the public keys of every caller this service accepts service tokens
 * from: whitespace- or comma-separated {@code name:key} entries, each key the Base64 of
 * an Ed25519 SubjectPublicKeyInfo ({@code LINGXI_TRUST_PEER_KEYS}). A name may appear
 * twice while its key is rotated.
 * @param edgeKey the key the gateway signs this service's edge assertions with (Base64,
 * derived from the gateway's master key for this service's name;
 * {@code LINGXI_TRUST_EDGE_KEY})
 * @param edgeMasterKey the gateway's master key (Base64, at least 32 bytes;
 * {@code LINGXI_TRUST_EDGE_MASTER_KEY}); only the gateway holds it
 * @param serviceTokenTtl lifetime of the service tokens this service makes (reused until
 * half of it has passed)
 * @param edgeAssertionTtl lifetime of an edge assertion (the gateway makes one per
 * request)
 * @param clockSkew how far clocks of two services may disagree
 * @param exemptPaths paths served without any credential (public keys, a listener's own
 * authentication)
 */
@ConfigurationProperties(prefix = TrustProperties.PREFIX)
public record TrustProperties(String serviceName, String serviceKey, String peerKeys, String edgeKey,
		String edgeMasterKey, @DefaultValue("5m") Duration serviceTokenTtl,
		@DefaultValue("30s") Duration edgeAssertionTtl, @DefaultValue("30s") Duration clockSkew,
		@DefaultValue("/.well-known/**") List<String> exemptPaths) {

	public static final String PREFIX = "lingxi.trust";

	/** The name credentials are made and checked for. */
	public String serviceName(org.springframework.core.env.Environment environment) {
		if (this.serviceName != null && !this.serviceName.isBlank()) {
			return this.serviceName.strip();
		}
		String application = environment.getProperty("spring.application.name");
		if (application == null || application.isBlank()) {
			throw new IllegalStateException("Set spring.application.name or lingxi.trust.service-name");
		}
		return application;
	}

}
