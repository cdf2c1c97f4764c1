package com.lingxi.user.auth;

import java.time.Duration;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.UserProblems;

/**
 * Locks password login for an account (by phone) or a client address after repeated wrong
 * passwords, for a while: password guessing gets a handful of tries, then waits. Login
 * with an SMS code neither counts here nor is stopped by these locks; codes have limits
 * of their own ({@link com.lingxi.user.sms.SmsCodes}).
 */
public final class LoginThrottle {

	private final LingxiRedis redis;

	private final AuthProperties.Lockout properties;

	public LoginThrottle(LingxiRedis redis, AuthProperties.Lockout properties) {
		this.redis = redis;
		this.properties = properties;
	}

	/** A 429 problem with Retry-After if the account or the address is locked. */
	public Mono<Void> check(String phone, String clientIp) {
		return this.redis.commands()
			.flatMap((redis) -> Flux.just(lockKey("account", phone), lockKey("ip", clientIp))
				.concatMap(redis::pttl)
				.reduce(Long::max))
			.flatMap((ttl) -> (ttl > 0) ? Mono.error(locked(Duration.ofMillis(ttl))) : Mono.empty());
	}

	/**
	 * Counts a failure; emits how many attempts the account has left before it locks, or
	 * errors with the lock if this failure locked it.
	 */
	public Mono<Integer> failed(String phone, String clientIp) {
		return count("ip", clientIp, this.properties.maxIpFailures())
			.then(count("account", phone, this.properties.maxAccountFailures()))
			.map((failures) -> Math.max(0, this.properties.maxAccountFailures() - failures.intValue()));
	}

	/** Clears the account's failures after a successful password login. */
	public Mono<Void> succeeded(String phone) {
		return this.redis.commands().flatMap((redis) -> redis.del(failKey("account", phone))).then();
	}

	private Mono<Long> count(String scope, String subject, int max) {
		String failures = failKey(scope, subject);
		return this.redis.commands().flatMap((redis) -> redis.incr(failures).flatMap((count) -> {
			Mono<Boolean> window = (count == 1) ? redis.pexpire(failures, this.properties.window()) : Mono.just(true);
			if (count < max) {
				return window.thenReturn(count);
			}
			return redis.psetex(lockKey(scope, subject), this.properties.duration().toMillis(), "1")
				.then(redis.del(failures))
				.then(Mono.error(locked(this.properties.duration())));
		}));
	}

	private String lockKey(String scope, String subject) {
		return this.redis.key("login", "lock", scope, subject);
	}

	private String failKey(String scope, String subject) {
		return this.redis.key("login", "failures", scope, subject);
	}

	private static ProblemException locked(Duration wait) {
		return ProblemException.tooManyRequests(UserProblems.LOGIN_LOCKED, "Login temporarily locked",
				"Too many failed sign-in attempts. Try again later or sign in with an SMS code.", wait);
	}

}
