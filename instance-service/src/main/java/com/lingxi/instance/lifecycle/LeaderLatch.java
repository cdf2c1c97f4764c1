package com.lingxi.instance.lifecycle;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;

/**
 * Leader election among instance-service replicas with a PostgreSQL session advisory
 * lock, held on a connection of its own: whoever holds it runs the pool, the launcher and
 * the reconciler. Losing the connection loses the lock (PostgreSQL releases it), and
 * another replica takes over.
 */
public final class LeaderLatch implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(LeaderLatch.class);

	/** Lock id: the bytes of "lingxi-instances". */
	private static final long LOCK = 0x6c696e6778696e73L;

	private final ConnectionFactory connectionFactory;

	private final AtomicBoolean leader = new AtomicBoolean();

	private volatile Disposable running;

	public LeaderLatch(ConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	public boolean isLeader() {
		return this.leader.get();
	}

	@Override
	public void start() {
		ConnectionFactory raw = unwrap(this.connectionFactory);
		this.running = Flux.usingWhen(raw.create(), this::hold, Connection::close).onErrorResume((ex) -> {
			log.warn("Leader connection lost: {}", ex.toString());
			return Mono.empty();
		})
			.doFinally((signal) -> this.leader.set(false))
			.repeatWhen((done) -> done.delayElements(Duration.ofSeconds(2)))
			.subscribe();
	}

	/** Tries the lock every few seconds; while held, checks the connection is alive. */
	private Flux<Boolean> hold(Connection connection) {
		return Flux.interval(Duration.ZERO, Duration.ofSeconds(3))
			.concatMap(
					(tick) -> Mono
						.from(connection
							.createStatement(this.leader.get() ? "SELECT true AS held"
									: "SELECT pg_try_advisory_lock(" + LOCK + ") AS held")
							.execute())
						.flatMap((result) -> Mono
							.from(result.map((row, meta) -> Boolean.TRUE.equals(row.get("held", Boolean.class))))))
			.doOnNext((held) -> {
				if (held && this.leader.compareAndSet(false, true)) {
					log.info("This instance-service is the leader");
				}
			});
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		this.leader.set(false);
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

	private static ConnectionFactory unwrap(ConnectionFactory factory) {
		ConnectionFactory current = factory;
		while (current instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof ConnectionFactory inner) {
			current = inner;
		}
		return current;
	}

}
