package com.lingxi.common.identity;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a service treats caller identity.
 *
 * @param protectedPaths path patterns that require an authenticated caller (401
 * otherwise)
 * @param publicPaths exceptions to {@code protectedPaths}: patterns, optionally preceded
 * by an HTTP method ({@code "GET /api/skills/**"}), that anonymous callers may use
 */
@ConfigurationProperties(prefix = IdentityProperties.PREFIX)
public record IdentityProperties(@DefaultValue("/api/**") List<String> protectedPaths,
		@DefaultValue("/api/auth/**") List<String> publicPaths) {

	public static final String PREFIX = "lingxi.identity";

}
