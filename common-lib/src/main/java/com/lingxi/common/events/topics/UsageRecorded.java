package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * A model call was settled and billed.
 *
 * @param usageId the usage record
 * @param userId the user billed
 * @param instanceId the calling instance
 * @param agentId the agent, when known
 * @param model the platform model alias
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens
 * @param recordedAt when
 */
public record UsageRecorded(UUID usageId, UUID userId, UUID instanceId, String agentId, String model, long inputTokens,
		long outputTokens, Instant recordedAt) {

	public static final EventTopic<UsageRecorded> TOPIC = EventTopic.of("usage.recorded", UsageRecorded.class, 1);

}
