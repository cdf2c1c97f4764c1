package com.lingxi.common.events;

import java.util.HashMap;
import java.util.Map;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.lingxi.common.redis.LingxiRedis;

/**
 * The dead-letter streams: what operators look at when an event could not be handled, and
 * how they put it back once the cause is fixed.
 */
public final class DeadLetters {

	private final LingxiRedis redis;

	private final EventStreams streams;

	public DeadLetters(LingxiRedis redis, EventStreams streams) {
		this.redis = redis;
		this.streams = streams;
	}

	/** Dead letters of a topic, oldest first. */
	public Flux<DeadLetter> list(String topic, int limit) {
		return this.redis.commands()
			.flatMapMany(
					(redis) -> redis.xrange(this.streams.deadLetters(topic), Range.create("-", "+"), Limit.from(limit)))
			.map(DeadLetter::of);
	}

	/**
	 * Appends a dead letter to its topic's stream again (same event id, so groups that
	 * did handle it skip it) and removes it from the dead-letter stream.
	 * @return whether the entry existed
	 */
	public Mono<Boolean> replay(String topic, String deadLetterId) {
		String deadStream = this.streams.deadLetters(topic);
		return this.redis.commands()
			.flatMap((redis) -> redis.xrange(deadStream, Range.create(deadLetterId, deadLetterId))
				.next()
				.flatMap((entry) -> {
					Map<String, String> original = new HashMap<>(entry.getBody());
					original.keySet().removeIf((field) -> field.startsWith("deadLetter."));
					return redis.xadd(this.streams.stream(topic), original)
						.then(redis.xdel(deadStream, deadLetterId))
						.thenReturn(true);
				}))
			.defaultIfEmpty(false);
	}

	/**
	 * One dead letter.
	 *
	 * @param id its id in the dead-letter stream
	 * @param eventId the event's id
	 * @param group the consumer group that gave up
	 * @param error why
	 * @param deliveries how often it was tried
	 * @param fields every field of the entry
	 */
	public record DeadLetter(String id, String eventId, String group, String error, long deliveries,
			Map<String, String> fields) {

		static DeadLetter of(StreamMessage<String, String> message) {
			Map<String, String> body = message.getBody();
			return new DeadLetter(message.getId(), body.get(EventStreams.ID), body.get(EventStreams.DLQ_GROUP),
					body.get(EventStreams.DLQ_ERROR),
					Long.parseLong(body.getOrDefault(EventStreams.DLQ_DELIVERIES, "0")), Map.copyOf(body));
		}

	}

}
