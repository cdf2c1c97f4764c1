package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * A user used up their monthly tokens; emitted once per period.
 *
 * @param userId the user
 * @param plan their plan
 * @param period the billing period, {@code yyyy-MM}
 * @param limitTokens the monthly allowance
 * @param exhaustedAt when
 */
public record QuotaExhausted(UUID userId, String plan, String period, long limitTokens, Instant exhaustedAt) {

	public static final EventTopic<QuotaExhausted> TOPIC = EventTopic.of("quota.exhausted", QuotaExhausted.class, 1);

}
