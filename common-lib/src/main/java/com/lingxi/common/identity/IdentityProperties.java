package com.lingxi.common.identity;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a service treats caller identity.
 *
 * @param protectedPaths path patterns that require a signed-in user (401 otherwise)
 * @param publicPaths exceptions to {@code protectedPaths}: patterns, optionally preceded
 * by an HTTP method ({@code "GET /api/skills/**"}), that anonymous callers (still through
 * the gateway) may use
 * @param internalPaths path patterns only platform services may call, each handler naming
 * which ones with {@link com.lingxi.common.trust.InternalApi}
 */
@ConfigurationProperties(prefix = IdentityProperties.PREFIX)
public record IdentityProperties(@DefaultValue("/api/**") List<String> protectedPaths,
		@DefaultValue("/api/auth/**") List<String> publicPaths,
		@DefaultValue("/internal/**") List<String> internalPaths) {

	public static final String PREFIX = "lingxi.identity";

}
