package com.lingxi.user.sms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;

import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.UserProblems;

/**
 * Six-digit verification codes kept in Redis as an HMAC (never the code itself), valid
 * for {@code codeTtl}, void after {@code maxAttempts} wrong guesses and consumed by the
 * first right one. Sending is limited per phone (one per {@code resendInterval},
 * {@code dailyLimit} a day) and per client address ({@code ipHourlyLimit} an hour).
 */
public final class SmsCodes {

	private static final Logger log = LoggerFactory.getLogger(SmsCodes.class);

	/**
	 * KEYS[1] code hash; ARGV[1] candidate HMAC, ARGV[2] max attempts. Returns {status,
	 * attempts}: 1 matched (consumed), 0 wrong, -1 no code, -2 attempts used up (voided).
	 */
	private static final String VERIFY = """
			local stored = redis.call('HGET', KEYS[1], 'h')
			if not stored then return {-1, 0} end
			local attempts = redis.call('HINCRBY', KEYS[1], 'a', 1)
			local max = tonumber(ARGV[2])
			if attempts > max then
			  redis.call('DEL', KEYS[1])
			  return {-2, attempts}
			end
			if stored == ARGV[1] then
			  redis.call('DEL', KEYS[1])
			  return {1, attempts}
			end
			if attempts >= max then redis.call('DEL', KEYS[1]) end
			return {0, attempts}
			""";

	private final LingxiRedis redis;

	private final SmsSender sender;

	private final SmsProperties properties;

	private final byte[] pepper;

	public SmsCodes(LingxiRedis redis, SmsSender sender, SmsProperties properties) {
		if (properties.codePepper() == null || properties.codePepper().length() < 16) {
			throw new IllegalStateException(
					"lingxi.sms.code-pepper must be set to a random secret of at least 16 characters (LINGXI_SMS_CODE_PEPPER)");
		}
		this.redis = redis;
		this.sender = sender;
		this.properties = properties;
		this.pepper = properties.codePepper().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Sends a new code to {@code phone} unless a limit forbids it (429 with Retry-After).
	 */
	public Mono<Void> send(String phone, String clientIp) {
		return checkResendInterval(phone).then(checkDailyLimit(phone))
			.then(checkIpLimit(clientIp))
			.then(Mono.defer(() -> store(phone)))
			.flatMap((code) -> this.sender.send(phone, code)
				.onErrorResume((ex) -> forget(phone).then(Mono.error(unavailable(phone, ex)))));
	}

	/**
	 * Checks a code and consumes it when right.
	 * @return empty when right; a 400 problem (wrong, with attempts left), or a problem
	 * saying the code is gone (expired, used, or voided by too many guesses)
	 */
	public Mono<Void> verify(String phone, String code) {
		String candidate = hmac(phone, (code != null) ? code.trim() : "");
		return this.redis.commands()
			.flatMapMany((redis) -> redis.<List<Long>>eval(VERIFY, ScriptOutputType.MULTI,
					new String[] { codeKey(phone) }, candidate, Integer.toString(this.properties.maxAttempts())))
			.next()
			.cast(List.class)
			.flatMap((result) -> {
				long status = ((Number) result.get(0)).longValue();
				long attempts = ((Number) result.get(1)).longValue();
				if (status == 1) {
					return Mono.empty();
				}
				if (status == 0 && attempts < this.properties.maxAttempts()) {
					return Mono.error(ProblemException
						.of(HttpStatus.BAD_REQUEST, UserProblems.SMS_CODE_INVALID, "Wrong verification code",
								"The code does not match.")
						.with("attemptsLeft", this.properties.maxAttempts() - attempts));
				}
				if (status == -1) {
					return Mono.error(ProblemException.of(HttpStatus.BAD_REQUEST, UserProblems.SMS_CODE_INVALID,
							"No valid verification code",
							"There is no valid code for this number: it expired, was used, or was never sent. Request a new one.")
						.with("attemptsLeft", 0));
				}
				return Mono.error(
						ProblemException
							.of(HttpStatus.BAD_REQUEST, UserProblems.SMS_CODE_EXHAUSTED, "Too many wrong codes",
									"This code has been voided after " + this.properties.maxAttempts()
											+ " wrong attempts. Request a new one.")
							.with("attemptsLeft", 0));
			});
	}

	private Mono<Void> checkResendInterval(String phone) {
		String key = this.redis.key("sms", "cooldown", phone);
		return this.redis.commands()
			.flatMap((redis) -> redis.set(key, "1", SetArgs.Builder.nx().px(this.properties.resendInterval()))
				.switchIfEmpty(Mono.just("")) // NX refused: Lettuce completes empty
				.flatMap((ok) -> "OK".equals(ok) ? Mono.<Void>empty()
						: redis.pttl(key)
							.flatMap((ttl) -> Mono.error(limited("Wait before requesting another code",
									"A code was sent to this number less than "
											+ this.properties.resendInterval().toSeconds() + " seconds ago.",
									Duration.ofMillis(Math.max(ttl, 1000)))))));
	}

	private Mono<Void> checkDailyLimit(String phone) {
		String key = this.redis.key("sms", "daily", phone, LocalDate.now(ZoneOffset.UTC).toString());
		return this.redis.commands()
			.flatMap((redis) -> redis.incr(key)
				.flatMap((count) -> redis.expire(key, Duration.ofHours(25)).flatMap((set) -> {
					if (count <= this.properties.dailyLimit()) {
						return Mono.<Void>empty();
					}
					Duration untilMidnight = Duration.between(java.time.Instant.now(),
							LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
					return Mono.error(limited("Daily code limit reached",
							"This number has received " + this.properties.dailyLimit() + " codes today.",
							untilMidnight));
				})));
	}

	private Mono<Void> checkIpLimit(String clientIp) {
		long hour = System.currentTimeMillis() / 3_600_000;
		String key = this.redis.key("sms", "ip", clientIp, Long.toString(hour));
		return this.redis.commands()
			.flatMap((redis) -> redis.incr(key)
				.flatMap((count) -> redis.expire(key, Duration.ofHours(1)).flatMap((set) -> {
					if (count <= this.properties.ipHourlyLimit()) {
						return Mono.<Void>empty();
					}
					long nextHour = (hour + 1) * 3_600_000;
					return Mono.error(limited("Too many codes requested",
							"Too many verification codes were requested from your network this hour.",
							Duration.ofMillis(nextHour - System.currentTimeMillis())));
				})));
	}

	private Mono<String> store(String phone) {
		String code = String.format("%06d", Ids.secureInt(1_000_000));
		String key = codeKey(phone);
		return this.redis.commands()
			.flatMap((redis) -> redis.del(key)
				.then(redis.hset(key, java.util.Map.of("h", hmac(phone, code), "a", "0")))
				.then(redis.pexpire(key, this.properties.codeTtl())))
			.thenReturn(code);
	}

	private Mono<Void> forget(String phone) {
		return this.redis.commands()
			.flatMap((redis) -> redis.del(codeKey(phone), this.redis.key("sms", "cooldown", phone)))
			.then()
			.onErrorResume((ex) -> Mono.empty());
	}

	private String codeKey(String phone) {
		return this.redis.key("sms", "code", phone);
	}

	private String hmac(String phone, String code) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(this.pepper, "HmacSHA256"));
			return Base64.getEncoder()
				.encodeToString(mac.doFinal((phone + ":" + code).getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 unavailable", ex);
		}
	}

	private static ProblemException limited(String title, String detail, Duration retryAfter) {
		return ProblemException.tooManyRequests(UserProblems.SMS_RATE_LIMITED, title, detail, retryAfter);
	}

	private static ProblemException unavailable(String phone, Throwable cause) {
		log.warn("SMS to {} failed: {}", PhoneNumbers.mask(phone), cause.toString());
		return ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, UserProblems.SMS_UNAVAILABLE,
				"SMS delivery unavailable", "The code could not be sent. Try again in a minute.");
	}

}
