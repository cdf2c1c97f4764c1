package com.lingxi.gateway.admission;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.ScoredValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.redis.LingxiRedis;

/**
 * This gateway's copy of the signed-out access tokens ({@link DeniedTokens}' index),
 * refreshed every {@code refreshEvery} and whenever a check finds a signed-out token. It
 * is consulted only when Redis cannot be asked, so that a Redis outage does not let a
 * signed-out token back in. Logging out itself needs Redis, so no token can be signed out
 * during the outage that this copy would miss; tokens signed out within the last refresh
 * interval before the outage may be.
 */
public final class SignedOutTokens {

	private static final Logger log = LoggerFactory.getLogger(SignedOutTokens.class);

	private final LingxiRedis redis;

	private final Duration refreshEvery;

	private final Map<String, Long> expiries = new ConcurrentHashMap<>();

	private volatile Disposable refreshing;

	public SignedOutTokens(LingxiRedis redis, Duration refreshEvery) {
		this.redis = redis;
		this.refreshEvery = refreshEvery;
	}

	/** Starts refreshing in the background. */
	public void start() {
		this.refreshing = Flux.interval(Duration.ZERO, this.refreshEvery)
			.onBackpressureDrop()
			.concatMap((tick) -> refresh().onErrorResume((ex) -> {
				log.debug("Cannot refresh the signed-out tokens: {}", ex.toString());
				return Mono.empty();
			}), 0)
			.subscribe();
	}

	/** Stops refreshing. */
	public void stop() {
		Disposable current = this.refreshing;
		if (current != null) {
			current.dispose();
		}
	}

	/** Reads the index once. */
	public Mono<Void> refresh() {
		return DeniedTokens.current(this.redis).doOnNext((denied) -> {
			long now = System.currentTimeMillis();
			for (ScoredValue<String> entry : denied) {
				this.expiries.put(entry.getValue(), (long) entry.getScore());
			}
			this.expiries.values().removeIf((expiry) -> expiry < now);
		}).then();
	}

	/** Remembers a token found signed out (until it has surely expired). */
	void remember(String jti) {
		this.expiries.put(jti, System.currentTimeMillis() + Duration.ofHours(1).toMillis());
	}

	/** Whether this copy knows the token id as signed out. */
	public boolean contains(String jti) {
		Long expiry = this.expiries.get(jti);
		return expiry != null && expiry >= System.currentTimeMillis();
	}

}
