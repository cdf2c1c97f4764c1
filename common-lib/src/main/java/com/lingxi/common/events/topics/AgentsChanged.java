package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * A user's agent team, skills or memories changed; config-service renders a new
 * configuration.
 *
 * @param userId the user
 * @param change what changed, for logs ({@code agent.added}, {@code skill.removed}, ...)
 * @param changedAt when
 */
public record AgentsChanged(UUID userId, String change, Instant changedAt) {

	public static final EventTopic<AgentsChanged> TOPIC = EventTopic.of("agents.changed", AgentsChanged.class, 1);

}
