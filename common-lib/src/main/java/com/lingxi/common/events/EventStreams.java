package com.lingxi.common.events;

import com.lingxi.common.redis.LingxiRedis;

/** Names of the Redis keys behind the event topics. */
public final class EventStreams {

	/** Stream fields of an event entry. */
	static final String ID = "id";

	static final String TOPIC = "topic";

	static final String VERSION = "version";

	static final String KEY = "key";

	static final String OCCURRED_AT = "occurredAt";

	static final String REQUEST_ID = "requestId";

	static final String PAYLOAD = "payload";

	/** Extra fields of a dead-letter entry. */
	static final String DLQ_GROUP = "deadLetter.group";

	static final String DLQ_ERROR = "deadLetter.error";

	static final String DLQ_DELIVERIES = "deadLetter.deliveries";

	static final String DLQ_ORIGINAL_ID = "deadLetter.originalId";

	private final LingxiRedis redis;

	public EventStreams(LingxiRedis redis) {
		this.redis = redis;
	}

	/** The stream of a topic. */
	public String stream(String topic) {
		return this.redis.key("events", topic);
	}

	/** The dead-letter stream of a topic. */
	public String deadLetters(String topic) {
		return this.redis.key("events", topic, "dead-letters");
	}

	/**
	 * Last errors of a consumer group's failing entries (a hash: entry id to message).
	 */
	String errors(String topic, String group) {
		return this.redis.key("events", topic, "errors", group);
	}

}
