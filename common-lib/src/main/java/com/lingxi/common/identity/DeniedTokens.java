package com.lingxi.common.identity;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Where logged-out access tokens are remembered until they expire: user-service writes
 * {@code <namespace>:auth:denied:<jti>}, the gateway refuses any token whose id is there.
 */
public final class DeniedTokens {

	private DeniedTokens() {
	}

	public static String key(LingxiRedis redis, String jti) {
		return redis.key("auth", "denied", jti);
	}

}
