package com.lingxi.common.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import reactor.core.publisher.Mono;

/** A test handler that records every call and behaves as the test scripts it. */
final class RecordingHandler implements EventHandler<RecordingHandler.Thing> {

	static final EventTopic<Thing> TOPIC = EventTopic.of("test.thing", Thing.class, 1);

	final List<Event<Thing>> calls = new CopyOnWriteArrayList<>();

	final List<Instant> callTimes = new CopyOnWriteArrayList<>();

	final AtomicInteger completed = new AtomicInteger();

	private volatile Function<Integer, Mono<Void>> behaviour = (call) -> Mono.empty();

	RecordingHandler behave(Function<Integer, Mono<Void>> behaviour) {
		this.behaviour = behaviour;
		return this;
	}

	static RecordingHandler failing(String message) {
		return new RecordingHandler().behave((call) -> Mono.error(new IllegalStateException(message)));
	}

	static RecordingHandler hanging() {
		return new RecordingHandler().behave((call) -> Mono.never());
	}

	static RecordingHandler slow(Duration delay) {
		return new RecordingHandler().behave((call) -> Mono.delay(delay).then());
	}

	@Override
	public EventTopic<Thing> topic() {
		return TOPIC;
	}

	@Override
	public Mono<Void> handle(Event<Thing> event) {
		this.calls.add(event);
		this.callTimes.add(Instant.now());
		return this.behaviour.apply(this.calls.size()).doOnSuccess((done) -> this.completed.incrementAndGet());
	}

	record Thing(String name, int size) {
	}

}
