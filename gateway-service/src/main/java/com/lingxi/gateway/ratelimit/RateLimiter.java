package com.lingxi.gateway.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import reactor.core.publisher.Mono;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.gateway.GatewayProperties;

/**
 * Token buckets in Redis, one per key, refilled continuously at the limit's rate and
 * holding at most its burst. The whole check-and-take is one Lua script using Redis's
 * clock, so gateway replicas share buckets exactly and need no synchronised clocks.
 */
public final class RateLimiter {

	/**
	 * KEYS[1] bucket; ARGV[1] tokens per second, ARGV[2] capacity. Returns {allowed,
	 * remaining, retryMs}.
	 */
	static final String SCRIPT = """
			local rate = tonumber(ARGV[1])
			local capacity = tonumber(ARGV[2])
			local time = redis.call('TIME')
			local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
			local bucket = redis.call('HMGET', KEYS[1], 't', 'at')
			local tokens = tonumber(bucket[1])
			local at = tonumber(bucket[2])
			if tokens == nil then tokens = capacity; at = now end
			tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
			local allowed = 0
			local retry = 0
			if tokens >= 1 then
			  tokens = tokens - 1
			  allowed = 1
			else
			  retry = math.ceil((1 - tokens) * 1000 / rate)
			end
			redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', now)
			redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
			return {allowed, math.floor(tokens), retry}
			""";

	private static final String SHA = sha1(SCRIPT);

	private final LingxiRedis redis;

	public RateLimiter(LingxiRedis redis) {
		this.redis = redis;
	}

	/** Takes one token from the bucket {@code key} with the given limit. */
	public Mono<Decision> take(String key, GatewayProperties.Limit limit) {
		String bucket = this.redis.key("ratelimit", key);
		String[] keys = { bucket };
		String rate = Double.toString(limit.requestsPerSecond());
		String capacity = Integer.toString(limit.burst());
		return this.redis.commands()
			.flatMap((redis) -> redis.<List<Long>>evalsha(SHA, ScriptOutputType.MULTI, keys, rate, capacity)
				.onErrorResume(RedisNoScriptException.class,
						(ex) -> redis.<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, rate, capacity))
				.next())
			.map((result) -> new Decision(((Number) result.get(0)).longValue() == 1, limit.burst(),
					((Number) result.get(1)).longValue(), ((Number) result.get(2)).longValue()));
	}

	private static String sha1(String script) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The outcome of one check.
	 *
	 * @param allowed whether the request may pass
	 * @param limit the bucket size
	 * @param remaining tokens left
	 * @param retryAfterMillis when refused, how long until a token is available
	 */
	public record Decision(boolean allowed, long limit, long remaining, long retryAfterMillis) {
	}

}
