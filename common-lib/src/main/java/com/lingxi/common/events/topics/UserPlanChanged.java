package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * A user's plan changed (billing-service owns plans; user-service mirrors
 * {@code users.plan}).
 *
 * @param userId the user
 * @param previousPlan plan before
 * @param plan plan now
 * @param changedAt when
 */
public record UserPlanChanged(UUID userId, String previousPlan, String plan, Instant changedAt) {

	public static final EventTopic<UserPlanChanged> TOPIC = EventTopic.of("user.plan-changed", UserPlanChanged.class,
			1);

}
