package com.lingxi.common.identity;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import reactor.core.publisher.Mono;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Where signed-out access tokens are remembered until they expire: user-service writes
 * {@code <namespace>:auth:denied:<jti>} (the gateway refuses any token whose id is there,
 * in the same Redis round trip as its rate limit) and adds the id to the index
 * {@code <namespace>:auth:denied-index} scored by its expiry, from which each gateway
 * keeps a copy in memory so that a signed-out token stays refused while Redis is
 * unreachable.
 */
public final class DeniedTokens {

	private DeniedTokens() {
	}

	public static String key(LingxiRedis redis, String jti) {
		return redis.key("auth", "denied", jti);
	}

	public static String indexKey(LingxiRedis redis) {
		return redis.key("auth", "denied-index");
	}

	/** Denies a token id for {@code remaining} (the token's remaining lifetime). */
	public static Mono<Void> deny(LingxiRedis redis, String jti, Duration remaining) {
		long now = System.currentTimeMillis();
		return redis.commands()
			.flatMap((commands) -> commands.psetex(key(redis, jti), remaining.toMillis(), "logout")
				.then(commands.zadd(indexKey(redis), now + remaining.toMillis(), jti))
				.then(commands.zremrangebyscore(indexKey(redis), Range.create(0, now))))
			.then();
	}

	/** The ids denied and not yet expired, with their expiry (epoch milliseconds). */
	public static Mono<List<ScoredValue<String>>> current(LingxiRedis redis) {
		long now = System.currentTimeMillis();
		return redis.commands()
			.flatMap((commands) -> commands
				.zrangebyscoreWithScores(indexKey(redis), Range.create(now, Double.POSITIVE_INFINITY))
				.collectList());
	}

}
