package com.lingxi.gateway.admission;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import reactor.core.publisher.Mono;

import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.gateway.GatewayProperties;

/**
 * The gateway's one Redis round trip per request: is the access token signed out, and may
 * the caller's token bucket spare a request? Both in one Lua script, using Redis's clock,
 * so gateway replicas share buckets exactly and need no synchronised clocks.
 */
public final class Admission {

	/**
	 * KEYS[1] bucket, KEYS[2] denied-token key (or an empty string); ARGV[1] tokens per
	 * second (0: no limit), ARGV[2] capacity. Returns {denied, allowed, remaining,
	 * retryMs}.
	 */
	static final String SCRIPT = """
			if KEYS[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
			  return {1, 0, 0, 0}
			end
			local rate = tonumber(ARGV[1])
			local capacity = tonumber(ARGV[2])
			if rate <= 0 then return {0, 1, capacity, 0} end
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
			return {0, allowed, math.floor(tokens), retry}
			""";

	private static final String SHA = sha1(SCRIPT);

	private final LingxiRedis redis;

	public Admission(LingxiRedis redis) {
		this.redis = redis;
	}

	/**
	 * Checks a request.
	 * @param bucket the caller's bucket ({@code user:<id>} or {@code ip:<address>})
	 * @param limit the bucket's limit, or null for no limit
	 * @param jti the access token's id, or null for anonymous callers
	 */
	public Mono<Decision> check(String bucket, GatewayProperties.Limit limit, String jti) {
		String[] keys = { this.redis.key("ratelimit", bucket), (jti != null) ? DeniedTokens.key(this.redis, jti) : "" };
		String rate = (limit != null) ? Double.toString(limit.requestsPerSecond()) : "0";
		String capacity = (limit != null) ? Integer.toString(limit.burst()) : "0";
		return this.redis.commands()
			.flatMap((redis) -> redis.<List<Long>>evalsha(SHA, ScriptOutputType.MULTI, keys, rate, capacity)
				.onErrorResume(RedisNoScriptException.class,
						(ex) -> redis.<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, rate, capacity))
				.next())
			.map((result) -> new Decision(number(result, 0) == 1, number(result, 1) == 1,
					(limit != null) ? limit.burst() : 0, number(result, 2), number(result, 3)));
	}

	private static long number(List<?> result, int index) {
		return ((Number) result.get(index)).longValue();
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
	 * @param signedOut the access token was signed out (logout)
	 * @param allowed whether the rate limit lets the request pass
	 * @param limit the bucket size (0 without a limit)
	 * @param remaining tokens left
	 * @param retryAfterMillis when refused, how long until a token is available
	 */
	public record Decision(boolean signedOut, boolean allowed, long limit, long remaining, long retryAfterMillis) {
	}

}
