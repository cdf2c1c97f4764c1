package com.lingxi.common.events.topics;

import java.time.Instant;
import java.util.UUID;

import com.lingxi.common.events.EventTopic;

/**
 * config-service published a new configuration version for a user; instance-service
 * applies it.
 *
 * @param userId the user
 * @param version the new version number
 * @param sha256 content hash of the bundle
 * @param cause why it was rendered ({@code agents.changed}, {@code rollback}, ...)
 * @param publishedAt when
 */
public record ConfigPublished(UUID userId, long version, String sha256, String cause, Instant publishedAt) {

	public static final EventTopic<ConfigPublished> TOPIC = EventTopic.of("config.published", ConfigPublished.class, 1);

}
