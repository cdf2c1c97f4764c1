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
 * The overspend bound: a call is admitted only if {@code used + reserved + its own
 * reservation <= limit}, in one script, and reserves an upper bound of its tokens (its
 * prompt bytes divided by {@code bytesPerToken}, plus the output its alias allows). If no
 * call uses more than it reserved, the month never ends above the allowance, whatever the
 * concurrency and the number of replicas; a call that does use more (a provider that
 * ignores {@code max_tokens}) overspends by its excess only.
 *
 * <p>
 * The same script caps the user's concurrent calls: a sorted set of call ids whose
 * deadlines the serving replica extends while the call runs ({@link #renew}), so the
 * calls of a replica that died stop counting after one lease.
 */
public final class QuotaLedger {

	/**
	 * KEYS: 1 month hash, 2 reservation deadlines, 3 rate key prefix, 4 the user's calls
	 * in flight. ARGV: 1 call id, 2 tokens to reserve, 3 monthly limit, 4 requests/min, 5
	 * tokens/min, 6 reservation ttl ms, 7 metered (1/0), 8 hash ttl seconds, 9 concurrent
	 * calls allowed (0: any number), 10 call lease ms. Returns {outcome, retryMs, used,
	 * reserved}: 0 admitted, 1 requests/min, 2 tokens/min, 3 monthly tokens, 4 concurrent
	 * calls, -1 seed first.
	 */
	static final String ADMIT = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			local minute = math.floor(now / 60000)
			local retry = 60000 - (now % 60000)
			local metered = ARGV[7] == '1'
			local month = redis.call('EXISTS', KEYS[1]) == 1
			if metered and not month then return {-1, 0, 0, 0} end
			if month then
			  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
			  for _, id in ipairs(expired) do
			    local amount = tonumber(redis.call('HGET', KEYS[1], 'r:' .. id) or '0')
			    redis.call('HINCRBY', KEYS[1], 'reserved', -amount)
			    redis.call('HDEL', KEYS[1], 'r:' .. id)
			    redis.call('ZREM', KEYS[2], id)
			  end
			end
			local cap = tonumber(ARGV[9])
			if cap > 0 then
			  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
			  if redis.call('ZCARD', KEYS[4]) >= cap then return {4, 0, 0, 0} end
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
			  local amount = tonumber(ARGV[2])
			  if used + reserved + amount > tonumber(ARGV[3]) then return {3, 0, used, reserved} end
			  redis.call('HINCRBY', KEYS[1], 'reserved', amount)
			  redis.call('HSET', KEYS[1], 'r:' .. ARGV[1], amount)
			  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[1])
			  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[8]))
			end
			if cap > 0 then
			  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[10]), ARGV[1])
			  redis.call('PEXPIRE', KEYS[4], 2 * tonumber(ARGV[10]))
			end
			redis.call('INCR', rpmKey)
			redis.call('PEXPIRE', rpmKey, 120000)
			return {0, 0, used, reserved}
			""";

	/**
	 * KEYS: 1 month hash, 2 reservation deadlines, 3 rate key prefix, 4 settled marker, 5
	 * the user's calls in flight. ARGV: 1 call id, 2 tokens, 3 metered (1/0), 4 for a
	 * late settlement the time (ms, PostgreSQL's clock) the call's usage row was written,
	 * else 0. Returns {outcome, used}: 0 settled now (used -1 if not charged here: the
	 * month is not in Redis, or was seeded from PostgreSQL after the row was written), -1
	 * settled before.
	 */
	static final String SETTLE = """
			redis.call('ZREM', KEYS[5], ARGV[1])
			if not redis.call('SET', KEYS[4], '1', 'NX', 'EX', 172800) then return {-1, 0} end
			local amount = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])
			if amount then
			  redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(amount))
			  redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
			  redis.call('ZREM', KEYS[2], ARGV[1])
			end
			local late = tonumber(ARGV[4])
			local used = -1
			if ARGV[3] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then
			  if late == 0 or tonumber(redis.call('HGET', KEYS[1], 'seeded_at') or '0') < late then
			    used = redis.call('HINCRBY', KEYS[1], 'used', tonumber(ARGV[2]))
			  end
			end
			if late == 0 then
			  local t = redis.call('TIME')
			  local minute = math.floor((tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) / 60000)
			  local tpmKey = KEYS[3] .. ':tpm:' .. minute
			  redis.call('INCRBY', tpmKey, tonumber(ARGV[2]))
			  redis.call('PEXPIRE', tpmKey, 120000)
			end
			return {0, used}
			""";

	/**
	 * KEYS: per call, its user's calls in flight and its month's reservation deadlines.
	 * ARGV: 1 call lease ms, 2 reservation ttl ms, then the call ids. Moves the deadlines
	 * of calls still open (never adds one that was settled or expired meanwhile).
	 */
	static final String RENEW = """
			local t = redis.call('TIME')
			local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
			local lease = tonumber(ARGV[1])
			local ttl = tonumber(ARGV[2])
			for i = 3, #ARGV do
			  local k = (i - 3) * 2
			  redis.call('ZADD', KEYS[k + 1], 'XX', now + lease, ARGV[i])
			  redis.call('PEXPIRE', KEYS[k + 1], 2 * lease)
			  redis.call('ZADD', KEYS[k + 2], 'XX', now + ttl, ARGV[i])
			end
			return #ARGV - 2
			""";

	/**
	 * KEYS: 1 month hash. ARGV: 1 used tokens, 2 when the sum was read (ms, PostgreSQL's
	 * clock), 3 hash ttl seconds. Creates the month unless another caller did first.
	 */
	static final String SEED = """
			if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
			redis.call('HSET', KEYS[1], 'used', ARGV[1], 'reserved', '0', 'seeded_at', ARGV[2])
			redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
			return 1
			""";

	private static final String ADMIT_SHA = sha1(ADMIT);

	private static final String SETTLE_SHA = sha1(SETTLE);

	private static final String RENEW_SHA = sha1(RENEW);

	private static final String SEED_SHA = sha1(SEED);

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
	 * do not; they still count against the rate limits and the concurrent calls)
	 */
	public Mono<Admission> admit(UUID userId, Plan plan, String period, String callId, long reserve, boolean metered) {
		String[] keys = { monthKey(userId, period), reservationsKey(userId, period), rateKey(userId),
				inFlightKey(userId) };
		String[] args = { callId, Long.toString(reserve), Long.toString(plan.monthlyTokens()),
				Integer.toString(plan.requestsPerMinute()), Long.toString(plan.tokensPerMinute()),
				Long.toString(this.properties.reservationTtl().toMillis()), metered ? "1" : "0",
				Long.toString(monthTtlSeconds(period)), Integer.toString(plan.concurrentCalls()),
				Long.toString(this.properties.callLease().toMillis()) };
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
	 * Settles a call as it ends: frees its place among the user's calls in flight,
	 * releases its reservation and charges what it used. Idempotent per call id (for two
	 * days).
	 * @return the month's used tokens after this call, or -1 if unknown (settled before,
	 * or the month is not in Redis)
	 */
	public Mono<Long> settle(UUID userId, String period, String callId, long tokens, boolean metered) {
		return settle(userId, period, callId, tokens, metered, 0);
	}

	/**
	 * Settles a call whose live settlement did not reach Redis (or that was replayed from
	 * the journal), once its usage row is in PostgreSQL: its tokens are charged unless
	 * the month was seeded from PostgreSQL after that row was written (the seed counted
	 * them then), or is not in Redis at all (the next seed will). Idempotent per call id,
	 * and a no-op for a call settled live.
	 * @param recordedAt when its usage row was written ({@code usage_logs.recorded_at})
	 */
	public Mono<Void> settleLate(UUID userId, String period, String callId, long tokens, boolean metered,
			Instant recordedAt) {
		return settle(userId, period, callId, tokens, metered, Math.max(1, recordedAt.toEpochMilli())).then();
	}

	private Mono<Long> settle(UUID userId, String period, String callId, long tokens, boolean metered,
			long recordedAtMillis) {
		String[] keys = { monthKey(userId, period), reservationsKey(userId, period), rateKey(userId),
				this.redis.key("billing", "settled", callId), inFlightKey(userId) };
		return script(SETTLE_SHA, SETTLE, keys, callId, Long.toString(tokens), metered ? "1" : "0",
				Long.toString(recordedAtMillis))
			.map((result) -> (number(result, 0) == 0) ? number(result, 1) : -1L);
	}

	/**
	 * Tells the ledger that these calls are still running: their places among their
	 * users' calls in flight (a {@code call-lease}) and their reservations are extended.
	 * A call whose replica stops renewing it stops counting after one lease.
	 */
	public Mono<Void> renew(List<OpenCall> calls) {
		if (calls.isEmpty()) {
			return Mono.empty();
		}
		String[] keys = new String[calls.size() * 2];
		String[] args = new String[calls.size() + 2];
		args[0] = Long.toString(this.properties.callLease().toMillis());
		args[1] = Long.toString(this.properties.reservationTtl().toMillis());
		for (int i = 0; i < calls.size(); i++) {
			OpenCall call = calls.get(i);
			keys[2 * i] = inFlightKey(call.userId());
			keys[2 * i + 1] = reservationsKey(call.userId(), call.period());
			args[i + 2] = call.callId();
		}
		return this.redis.commands().flatMap((redis) -> integer(redis, RENEW_SHA, RENEW, keys, args)).then();
	}

	/**
	 * Drops a user's month from Redis (its open reservations with it): the next admission
	 * rebuilds it from PostgreSQL.
	 */
	public Mono<Void> forget(UUID userId, String period) {
		return this.redis.commands()
			.flatMap((redis) -> redis.del(monthKey(userId, period), reservationsKey(userId, period)))
			.then();
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
	 * first, with the time (PostgreSQL's clock) the sum was read: a late settlement
	 * compares it with its row's to know whether the sum already counted it.
	 */
	Mono<Void> seed(UUID userId, String period) {
		LocalDate from = this.calendar.firstDay(period);
		LocalDate to = this.calendar.endDay(period);
		String key = monthKey(userId, period);
		return this.db.sql("""
				SELECT COALESCE(SUM(quota_tokens), 0) AS used,
				       CAST(EXTRACT(EPOCH FROM statement_timestamp()) * 1000 AS BIGINT) AS read_at
				  FROM usage_daily
				 WHERE user_id = :userId AND day >= :from AND day < :to
				""")
			.bind("userId", userId)
			.bind("from", from)
			.bind("to", to)
			.map((row) -> new long[] { row.get("used", Number.class).longValue(),
					row.get("read_at", Number.class).longValue() })
			.one()
			.flatMap((seed) -> this.redis.commands()
				.flatMap((redis) -> integer(redis, SEED_SHA, SEED, new String[] { key }, Long.toString(seed[0]),
						Long.toString(seed[1]), Long.toString(monthTtlSeconds(period)))))
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

	private static Mono<Long> integer(RedisReactiveCommands<String, String> redis, String sha, String script,
			String[] keys, String... args) {
		return redis.<Long>evalsha(sha, ScriptOutputType.INTEGER, keys, args)
			.onErrorResume(RedisNoScriptException.class,
					(ex) -> redis.<Long>eval(script, ScriptOutputType.INTEGER, keys, args))
			.next();
	}

	private static Admission admission(List<Object> result) {
		Admission.Outcome outcome = switch ((int) number(result, 0)) {
			case 0 -> Admission.Outcome.ADMITTED;
			case 1 -> Admission.Outcome.REQUESTS_PER_MINUTE;
			case 2 -> Admission.Outcome.TOKENS_PER_MINUTE;
			case 3 -> Admission.Outcome.MONTHLY_TOKENS;
			case 4 -> Admission.Outcome.CONCURRENT_CALLS;
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

	private String inFlightKey(UUID userId) {
		return this.redis.key("billing", "inflight", userId.toString());
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

			ADMITTED, CONCURRENT_CALLS, REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, MONTHLY_TOKENS

		}

	}

	/**
	 * A call in flight, as the ledger knows it.
	 *
	 * @param userId its user
	 * @param period its billing month
	 * @param callId its call id
	 */
	public record OpenCall(UUID userId, String period, String callId) {
	}

}
