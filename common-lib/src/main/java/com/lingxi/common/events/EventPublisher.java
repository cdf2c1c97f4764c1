package com.lingxi.common.events;

import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;

import com.lingxi.common.id.Ids;
import com.lingxi.common.identity.RequestContext;

/**
 * Writes domain events to the transactional outbox. Call it inside the transaction that
 * makes the change the event announces: both commit together or neither does, and the
 * relay delivers the event to its stream after the commit.
 *
 * <pre>
 * return tx.transactional(users.insert(user).then(events.publish(UserRegistered.TOPIC, id, payload)));
 * </pre>
 */
public final class EventPublisher {

	private static final String INSERT = """
			INSERT INTO event_outbox (id, topic, version, event_key, payload, request_id)
			VALUES (:id, :topic, :version, :key, CAST(:payload AS jsonb), :requestId)
			""";

	private final DatabaseClient db;

	private final JsonMapper json;

	public EventPublisher(DatabaseClient db, JsonMapper json) {
		this.db = db;
		this.json = json;
	}

	/**
	 * Adds an event to the outbox of the current transaction.
	 * @param topic the topic
	 * @param key the aggregate it is about (ordering and tracing), e.g. a user id
	 * @param payload the payload record
	 * @return the event id
	 */
	public <T> Mono<UUID> publish(EventTopic<T> topic, Object key, T payload) {
		UUID id = Ids.uuidV7();
		String body = this.json.writeValueAsString(payload);
		return RequestContext.current()
			.map(RequestContext::requestId)
			.defaultIfEmpty("")
			.flatMap((requestId) -> this.db.sql(INSERT)
				.bind("id", id)
				.bind("topic", topic.name())
				.bind("version", topic.version())
				.bind("key", String.valueOf(key))
				.bind("payload", body)
				.bind("requestId", requestId)
				.fetch()
				.rowsUpdated())
			.thenReturn(id);
	}

}
