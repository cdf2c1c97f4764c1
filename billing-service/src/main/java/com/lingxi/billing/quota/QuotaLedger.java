package com.lingxi.billing.quota;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

import com.lingxi.billing.plans.PlanProperties.Plan;
import com.lingxi.common.redis.LingxiRedis;

/**
 * The fast side of quotas, in Redis: per user and billing month a hash of tokens
 * {@code used} and {@code reserved} (plus one field per open reservation, and a sorted
 * set of their deadlines), and per user fixed one-minute windows of requests and tokens.
 * Each admission and each settlement is one Lua script, so concurrent calls on any number
 * of replicas see one consistent ledger.
 *
 * <p>
 * PostgreSQL stays the record: a month's hash that is missing (first call of the month,
 * Redis restarted without its data) is seeded from the daily rollups first.
 *
 * <p>
 * The overspend bound: a call is admitted only while {@code used + reserved < limit}, and
 * reserves an upper bound of its tokens (its prompt bytes divided by
 * {@code bytesPerToken}, plus its {@code max_tokens}). If no call uses more than it
 * reserved, the month can end at most one call's tokens above the allowance, whatever the
 * concurrency: the last call admitted saw every other open call's reservation.
 */
public final class QuotaLedger {

	/**
	 * KEYS: 1 month hash, 2 reservation deadlines, 3 rate key prefix. ARGV: 1 call id, 2
	 * tokens to reserve, 3 monthly limit, 4 requests/min, 5 tokens/min, 6 reservation ttl
	 * ms, 7 metered (1/0), 8 hash ttl seconds. Returns {outcome, retryMs, used,
	 * reserved}: 0 admitted, 1 requests/min, 2 tokens/min, 3 monthly tokens, -1 seed
	 * first.
	 */
	static final String ADMIT = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			local minute = math.floor(now / 60000)
			local retry = 60000 - (now % 60000)
			local metered = ARGV[7] == '1'
			if metered and redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0, 0, 0} end
			local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
			for _, id in ipairs(expired) do
			  local amount = tonumber(redis.call('HGET', KEYS[1], 'r:' .. id) or '0')
			  redis.call('HINCRBY', KEYS[1], 'reserved', -amount)
			  redis.call('HDEL', KEYS[1], 'r:' .. id)
			  redis.call('ZREM', KEYS[2], id)
			end
			local rpmKey = KEYS[3] .. ':rpm:' .. minute
			local tpmKey = KEYS[3] .. ':tpm:' .. minute
			local rpm = tonumber(ARGV[4])
			if rpm > 0 and tonumber(redis.call('GET', rpmKey) or '0') >= rpm then return {1, retry, 0, 0} end
			local tpm = tonumber(ARGV[5])
			if tpm > 0 and tonumber(redis.call('GET', tpmKey) or '0') >= tpm then return {2, retry, 0, 0} end
			local used = 0
			local reserved = 0
			if metered then
			  used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
			  reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
			  if used + reserved >= tonumber(ARGV[3]) then return {3, 0, used, reserved} end
			  local amount = tonumber(ARGV[2])
			  redis.call('HINCRBY', KEYS[1], 'reserved', amount)
			  redis.call('HSET', KEYS[1], 'r:' .. ARGV[1], amount)
			  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[1])
			  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[8]))
			end
			redis.call('INCR', rpmKey)
			redis.call('PEXPIRE', rpmKey, 120000)
			return {0, 0, used, reserved}
			""";

	/**
	 * KEYS: 1 month hash, 2 reservation deadlines, 3 rate key prefix, 4 settled marker.
	 * ARGV: 1 call id, 2 tokens, 3 metered (1/0). Returns {outcome, used}: 0 settled now
	 * (used -1 if the month is not in Redis), -1 settled before.
	 */
	static final String SETTLE = """
			if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', 172800) then return {-1, 0} end
			local amount = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])
			if amount then
			  redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(amount))
			  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
			  redis.call('ZREM', KEYS[2], ARGV[1])
			end
			local used = -1
			if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then
			  used = redis.call('HINCRBY', KEYS[1], 'used', tonumber(ARGV[2]))
			end
			local t = redis.call('TIME')
			local minute = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / 60000)
			local tpmKey = KEYS[3] .. ':tpm:' .. minute
			redis.call('INCRBY', tpmKey, tonumber(ARGV[2]))
			redis.call('PEXPIRE', tpmKey, 120000)
			return {0, used}
			""";

	private static final String ADMIT_SHA = sha1(ADMIT);

	private static final String SETTLE_SHA = sha1(SETTLE);

	private final LingxiRedis redis;

	private final DatabaseClient db;

	private final BillingCalendar calendar;

	private final QuotaProperties properties;

	public QuotaLedger(LingxiRedis redis, DatabaseClient db, BillingCalendar calendar, QuotaProperties properties) {
		this.redis = redis;
		this.db = db;
		this.calendar = calendar;
		this.properties = properties;
	}

	public BillingCalendar calendar() {
		return this.calendar;
	}

	/**
	 * Admits a call or says why not.
	 * @param userId the user
	 * @param plan their plan
	 * @param period the billing period of the call
	 * @param callId the call (the proxy's call id)
	 * @param reserve tokens to reserve for it
	 * @param metered whether the call counts against the monthly tokens (fallback calls
	 * do not; they still count against the rate limits)
	 */
	public Mono<Admission> admit(UUID userId, Plan plan, String period, String callId, long reserve, boolean metered) {
		String[] keys = { monthKey(userId, period), reservationsKey(userId, period), rateKey(userId) };
		String[] args = { callId, Long.toString(reserve), Long.toString(plan.monthlyTokens()),
				Integer.toString(plan.requestsPerMinute()), Long.toString(plan.tokensPerMinute()),
				Long.toString(this.properties.reservationTtl().toMillis()), metered ? "1" : "0",
				Long.toString(monthTtlSeconds(period)) };
		return script(ADMIT_SHA, ADMIT, keys, args).flatMap((result) -> {
			long outcome = number(result, 0);
			if (outcome == -1) {
				return seed(userId, period).then(Mono.defer(() -> script(ADMIT_SHA, ADMIT, keys, args)))
					.map(QuotaLedger::admission);
			}
			return Mono.just(admission(result));
		});
	}

	/**
	 * Settles a call: releases its reservation and charges what it used. Idempotent per
	 * call id (for two days).
	 * @return the month's used tokens after this call, or -1 if unknown (settled before,
	 * or the month is not in Redis)
	 */
	public Mono<Long> settle(UUID userId, String period, String callId, long tokens, boolean metered) {
		String[] keys = { monthKey(userId, period), reservationsKey(userId, period), rateKey(userId),
				this.redis.key("billing", "settled", callId) };
		return script(SETTLE_SHA, SETTLE, keys, callId, Long.toString(tokens), metered ? "1" : "0")
			.map((result) -> (number(result, 0) == 0) ? number(result, 1) : -1L);
	}

	/** Tokens used and reserved in a period, seeding it from PostgreSQL if needed. */
	public Mono<long[]> usedAndReserved(UUID userId, String period) {
		String key = monthKey(userId, period);
		return this.redis.commands()
			.flatMap((redis) -> redis.hmget(key, "used", "reserved").collectList())
			.flatMap((values) -> {
				if (values.get(0).hasValue()) {
					return Mono.just(new long[] { Long.parseLong(values.get(0).getValue()),
							values.get(1).hasValue() ? Long.parseLong(values.get(1).getValue()) : 0 });
				}
				return seed(userId, period).then(Mono.defer(() -> usedAndReserved(userId, period)));
			});
	}

	/**
	 * Writes a month's used tokens from the rollups into Redis, unless another caller did
	 * first.
	 */
	Mono<Void> seed(UUID userId, String period) {
		LocalDate from = this.calendar.firstDay(period);
		LocalDate to = this.calendar.endDay(period);
		String key = monthKey(userId, period);
		return this.db.sql("""
				SELECT COALESCE(SUM(quota_tokens), 0) AS used FROM usage_daily
				 WHERE user_id = :userId AND day >= :from AND day < :to
				""")
			.bind("userId", userId)
			.bind("from", from)
			.bind("to", to)
			.map((row) -> row.get("used", Number.class).longValue())
			.one()
			.defaultIfEmpty(0L)
			.flatMap((used) -> this.redis.commands()
				.flatMap((redis) -> redis.hsetnx(key, "used", Long.toString(used))
					.then(redis.hsetnx(key, "reserved", "0"))
					.then(redis.expire(key, monthTtlSeconds(period)))))
			.then();
	}

	private Mono<List<Object>> script(String sha, String script, String[] keys, String... args) {
		return this.redis.commands().flatMap((redis) -> run(redis, sha, script, keys, args));
	}

	private static Mono<List<Object>> run(RedisReactiveCommands<String, String> redis, String sha, String script,
			String[] keys, String[] args) {
		return redis.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
			.onErrorResume(RedisNoScriptException.class,
					(ex) -> redis.<List<Object>>eval(script, ScriptOutputType.MULTI, keys, args))
			.next();
	}

	private static Admission admission(List<Object> result) {
		Admission.Outcome outcome = switch ((int) number(result, 0)) {
			case 0 -> Admission.Outcome.ADMITTED;
			case 1 -> Admission.Outcome.REQUESTS_PER_MINUTE;
			case 2 -> Admission.Outcome.TOKENS_PER_MINUTE;
			case 3 -> Admission.Outcome.MONTHLY_TOKENS;
			default -> throw new IllegalStateException("Quota ledger not seeded");
		};
		return new Admission(outcome, Duration.ofMillis(number(result, 1)), number(result, 2), number(result, 3));
	}

	/** The month's keys live until a few days after it ends. */
	private long monthTtlSeconds(String period) {
		return Math.max(3600, Duration.between(Instant.now(), this.calendar.resetsAt(period)).plusDays(3).toSeconds());
	}

	private String monthKey(UUID userId, String period) {
		return this.redis.key("billing", "quota", userId.toString(), period);
	}

	private String reservationsKey(UUID userId, String period) {
		return this.redis.key("billing", "quota", userId.toString(), period, "reservations");
	}

	private String rateKey(UUID userId) {
		return this.redis.key("billing", "rate", userId.toString());
	}

	private static long number(List<Object> result, int index) {
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
	 * The outcome of an admission.
	 *
	 * @param outcome admitted, or which limit refused it
	 * @param retryAfter for a rate limit, when the next window opens
	 * @param used tokens used this month before the call (metered calls only)
	 * @param reserved tokens reserved by open calls before this one (metered calls only)
	 */
	public record Admission(Outcome outcome, Duration retryAfter, long used, long reserved) {

		public boolean admitted() {
			return this.outcome == Outcome.ADMITTED;
		}

		public enum Outcome {

			ADMITTED, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, MONTHLY_TOKENS

		}

	}

}
