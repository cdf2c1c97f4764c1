package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * An instance moved between states; user-service mirrors {@code users.instance_id} and
 * {@code instance_status}.
 *
 * @param instanceId the instance
 * @param userId its user, null while pooled
 * @param previousState state before
 * @param state state now
 * @param detail a human note (progress step, error), may be null
 * @param changedAt when
 */
public record InstanceStateChanged(UUID instanceId, UUID userId, String previousState, String state, String detail,
		Instant changedAt) {

	public static final EventTopic<InstanceStateChanged> TOPIC = EventTopic.of("instance.state-changed",
			InstanceStateChanged.class, 1);

}
