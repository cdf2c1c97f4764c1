package com.lingxi.billing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Short library-internal locks that BlockHound reports when many streams run at once in
 * one test: not I/O, and not avoidable from application code.
 * <ul>
 * <li>Jackson builds a deserializer once per type under a lock; two requests decoding the
 * same type for the first time at the same moment wait for each other.</li>
 * <li>Netty's adaptive allocator takes a lock while growing its per-thread
 * magazines.</li>
 * <li>Resilience4j's circuit breaker records each outcome in its sliding window under a
 * lock held for a few instructions.</li>
 * <li>Lettuce serialises writers of one connection with a lock around a counter; an error
 * thrown from inside it (BlockHound's own) would leave the connection's lock state broken
 * and every later command spinning.</li>
 * </ul>
 */
public final class BillingBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
				"_createAndCacheValueDeserializer");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup",
				"tryExpandMagazines");
		builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
		builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.FixedSizeSlidingWindowMetrics", "record");
		builder.allowBlockingCallsInside("io.github.resilience4j.core.metrics.SlidingTimeWindowMetrics", "record");
		for (String method : new String[] { "incrementWriters", "decrementWriters", "lockWritersExclusive",
				"unlockWritersExclusive" }) {
			builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", method);
		}
	}

}
