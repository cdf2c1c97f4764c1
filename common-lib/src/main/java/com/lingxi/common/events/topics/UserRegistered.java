package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * A person signed up. instance-service gives them an instance, agent-service a default
 * team.
 *
 * @param userId the new user
 * @param plan their plan at sign-up
 * @param nickname display name, may be null
 * @param registeredAt when
 */
public record UserRegistered(UUID userId, String plan, String nickname, Instant registeredAt) {

	public static final EventTopic<UserRegistered> TOPIC = EventTopic.of("user.registered", UserRegistered.class, 1);

}
