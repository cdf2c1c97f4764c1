package com.lingxi.common.events;

import java.util.function.Function;

import reactor.core.publisher.Mono;

/**
 * Reacts to one topic. Declare it as a bean; the consumer container delivers each event
 * at least once and suppresses duplicates by event id, in the same transaction as the
 * handler's own database work. Side effects outside the database must be idempotent.
 *
 * <p>
 * Throw (or emit) any error to have the event retried with backoff; throw
 * {@link NonRetryableEventException} to send it to the dead-letter stream at once.
 *
 * @param <T> payload type
 */
public interface EventHandler<T> {

	EventTopic<T> topic();

	Mono<Void> handle(Event<T> event);

	/**
	 * Consumer group name; services with two handlers on one topic give each its own.
	 * Defaults to the application name.
	 */
	default String group() {
		return null;
	}

	/** Whether the handler runs inside a database transaction with the dedup record. */
	default boolean transactional() {
		return true;
	}

	/**
	 * A handler whose work runs in the dedup transaction: for handlers that only change
	 * this service's database.
	 */
	static <T> EventHandler<T> of(EventTopic<T> topic, Function<Event<T>, Mono<Void>> work) {
		return handler(topic, work, true);
	}

	/**
	 * A handler whose work runs outside a transaction: for work that calls other services
	 * or processes, which must then be idempotent on its own.
	 */
	static <T> EventHandler<T> outsideTransaction(EventTopic<T> topic, Function<Event<T>, Mono<Void>> work) {
		return handler(topic, work, false);
	}

	private static <T> EventHandler<T> handler(EventTopic<T> topic, Function<Event<T>, Mono<Void>> work,
			boolean transactional) {
		return new EventHandler<>() {
			@Override
			public EventTopic<T> topic() {
				return topic;
			}

			@Override
			public Mono<Void> handle(Event<T> event) {
				return work.apply(event);
			}

			@Override
			public boolean transactional() {
				return transactional;
			}
		};
	}

}
