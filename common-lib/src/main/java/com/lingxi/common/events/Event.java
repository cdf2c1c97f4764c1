package com.lingxi.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A delivered event.
 *
 * @param <T> payload type
 * @param id unique id, the same on every redelivery (handlers are deduplicated on it)
 * @param topic topic name
 * @param version payload schema version the producer wrote
 * @param key the aggregate the event is about (a user id, an instance id), for ordering
 * and logs
 * @param occurredAt when the producer's transaction wrote it
 * @param requestId the request that caused it, for tracing across services
 * @param payload the payload
 */
public record Event<T>(UUID id, String topic, int version, String key, Instant occurredAt, String requestId,
		T payload) {

}
