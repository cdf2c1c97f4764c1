package com.lingxi.gateway.admission;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Token buckets in this gateway's memory, by key: for limits that must hold without a
 * Redis round trip (signature checks per address) or while Redis is unreachable (request
 * rate limits, then per replica). Idle buckets are forgotten after five minutes.
 */
public final class LocalBuckets {

	private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
		.maximumSize(100_000)
		.expireAfterAccess(Duration.ofMinutes(5))
		.build();

	/** Takes one token from {@code key}'s bucket; false if it is empty. */
	public boolean take(String key, double perSecond, int burst) {
		return this.buckets.get(key + "|" + perSecond + "|" + burst, (k) -> new Bucket(perSecond, burst)).take();
	}

	private static final class Bucket {

		private final double perSecond;

		private final double capacity;

		private double tokens;

		private long at = System.nanoTime();

		Bucket(double perSecond, int burst) {
			this.perSecond = perSecond;
			this.capacity = Math.max(1, burst);
			this.tokens = this.capacity;
		}

		synchronized boolean take() {
			long now = System.nanoTime();
			this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) / 1e9 * this.perSecond);
			this.at = now;
			if (this.tokens < 1) {
				return false;
			}
			this.tokens -= 1;
			return true;
		}

	}

}
