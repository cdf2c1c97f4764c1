package com.lingxi.common.events;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.r2dbc.core.DatabaseClient;

/** Runs one {@link StreamConsumer} per {@link EventHandler} bean of the application. */
public final class EventConsumers implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(EventConsumers.class);

	private static final String PURGE = "DELETE FROM event_processed WHERE processed_at < now() - make_interval(secs => :seconds)";

	private final List<StreamConsumer<?>> consumers;

	private final DatabaseClient db;

	private final Duration dedupRetention;

	private final List<Disposable> running = new ArrayList<>();

	EventConsumers(List<StreamConsumer<?>> consumers, DatabaseClient db, Duration dedupRetention) {
		Set<String> seen = new HashSet<>();
		for (StreamConsumer<?> consumer : consumers) {
			if (!seen.add(consumer.topic() + "/" + consumer.group())) {
				throw new IllegalStateException("Two event handlers consume " + consumer.topic() + " in group "
						+ consumer.group() + ": give one of them its own group()");
			}
		}
		this.consumers = List.copyOf(consumers);
		this.db = db;
		this.dedupRetention = dedupRetention;
	}

	@Override
	public synchronized void start() {
		for (StreamConsumer<?> consumer : this.consumers) {
			log.info("Consuming {} as group {}", consumer.topic(), consumer.group());
			this.running.add(consumer.start());
		}
		if (!this.consumers.isEmpty()) {
			this.running.add(Flux.interval(Duration.ofMinutes(2), Duration.ofHours(1))
				.concatMap((tick) -> this.db.sql(PURGE)
					.bind("seconds", (double) this.dedupRetention.toSeconds())
					.fetch()
					.rowsUpdated()
					.onErrorResume((ex) -> Mono.empty()), 1)
				.subscribe());
		}
	}

	@Override
	public synchronized void stop() {
		this.running.forEach(Disposable::dispose);
		this.running.clear();
	}

	@Override
	public synchronized boolean isRunning() {
		return !this.running.isEmpty();
	}

	List<StreamConsumer<?>> consumers() {
		return this.consumers;
	}

}
