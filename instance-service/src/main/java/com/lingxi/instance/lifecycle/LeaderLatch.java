package com.lingxi.instance.lifecycle;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.R2dbcBadGrammarException;
import io.r2dbc.spi.Wrapped;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.SmartLifecycle;

/**
 * Leader election among instance-service replicas with a PostgreSQL session advisory
 * lock, held on a connection of its own: whoever holds it runs the pool, the launcher and
 * the reconciler. Losing the connection loses the lock (PostgreSQL releases it), and
 * another replica takes over.
 *
 * <p>
 * The leader confirms its connection every {@code heartbeatInterval} with a query that
 * must answer within {@code heartbeatTimeout}. A connection can go half-open: the server
 * has ended the session (and released the lock, which another replica then takes) while
 * this side never hears of it, so a query would wait forever. Leadership therefore lapses
 * on its own once the last confirmation is older than interval + timeout, whatever the
 * connection does, and a heartbeat that times out drops the connection and starts over.
 * Two replicas can thus act as leader together for at most interval + timeout.
 *
 * <p>
 * The other way round (this side gone, the server still holding the session and its lock)
 * the session is ended by the server: the leader's connection sets
 * {@code idle_session_timeout}, which heartbeats keep from firing while the leader lives.
 */
public final class LeaderLatch implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(LeaderLatch.class);

	/** Lock id: the bytes of "lingxi-instances". */
	private static final long LOCK = 0x6c696e6778696e73L;

	private static final Duration RECONNECT_DELAY = Duration.ofSeconds(2);

	private final ConnectionFactory connectionFactory;

	private final Settings settings;

	private final AtomicBoolean leader = new AtomicBoolean();

	/** {@link System#nanoTime()} of the last heartbeat that confirmed the lock. */
	private final AtomicLong confirmedAt = new AtomicLong();

	private volatile Disposable running;

	public LeaderLatch(ConnectionFactory connectionFactory) {
		this(connectionFactory, Settings.DEFAULTS);
	}

	public LeaderLatch(ConnectionFactory connectionFactory, Settings settings) {
		this.connectionFactory = connectionFactory;
		this.settings = settings;
	}

	/**
	 * Whether this replica leads: it holds the lock and confirmed so within the last
	 * heartbeat interval + timeout.
	 */
	public boolean isLeader() {
		return this.leader.get() && System.nanoTime() - this.confirmedAt.get() <= this.settings.lease().toNanos();
	}

	@Override
	public void start() {
		ConnectionFactory raw = unwrap(this.connectionFactory);
		this.running = Flux
			.usingWhen(connect(raw), this::hold,
					(connection) -> Mono.from(connection.close()).timeout(Duration.ofSeconds(2)).onErrorComplete())
			.onErrorResume((ex) -> {
				log.warn("Leader connection lost: {}", ex.toString());
				return Mono.empty();
			})
			.doFinally((signal) -> stepDown())
			.repeatWhen((done) -> done.delayElements(RECONNECT_DELAY))
			.subscribe();
	}

	/**
	 * A new connection outside the pool, which the server ends if it stays idle (the
	 * leader vanished) for longer than heartbeats allow.
	 */
	private Mono<Connection> connect(ConnectionFactory raw) {
		return Mono.from(raw.create())
			.flatMap((connection) -> limitIdleTime(connection).thenReturn(connection))
			.timeout(this.settings.heartbeatTimeout().plusSeconds(5));
	}

	private Mono<Void> limitIdleTime(Connection connection) {
		Duration idle = this.settings.heartbeatInterval().multipliedBy(2).plus(this.settings.heartbeatTimeout());
		return Mono.from(connection.createStatement("SET idle_session_timeout = " + idle.toMillis()).execute())
			.flatMap((result) -> Mono.from(result.getRowsUpdated()))
			.then()
			// PostgreSQL before 14 has no such setting: its own TCP keepalive ends the
			// session then.
			.onErrorResume(R2dbcBadGrammarException.class, (ex) -> {
				log.info("Leader connection without idle_session_timeout: {}", ex.getMessage());
				return Mono.empty();
			});
	}

	/**
	 * Tries the lock every heartbeat; while held, checks the connection is alive. A
	 * heartbeat that does not answer in time ends leadership at once.
	 */
	private Flux<Boolean> hold(Connection connection) {
		return Flux.interval(Duration.ZERO, this.settings.heartbeatInterval())
			.onBackpressureDrop()
			.concatMap((tick) -> heartbeat(connection), 1)
			.doOnNext((held) -> {
				if (held) {
					this.confirmedAt.set(System.nanoTime());
					if (this.leader.compareAndSet(false, true)) {
						log.info("This instance-service is the leader");
					}
				}
			});
	}

	private Mono<Boolean> heartbeat(Connection connection) {
		String sql = this.leader.get() ? "SELECT true AS held" : "SELECT pg_try_advisory_lock(" + LOCK + ") AS held";
		return Mono.from(connection.createStatement(sql).execute())
			.flatMap((result) -> Mono
				.from(result.map((row, meta) -> Boolean.TRUE.equals(row.get("held", Boolean.class)))))
			.timeout(this.settings.heartbeatTimeout(),
					Mono.error(() -> new TimeoutException("leader heartbeat got no answer within "
							+ this.settings.heartbeatTimeout().toMillis() + " ms")))
			.doOnError(TimeoutException.class, (ex) -> stepDown());
	}

	private void stepDown() {
		if (this.leader.compareAndSet(true, false)) {
			log.warn("This instance-service is no longer the leader");
		}
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

	/**
	 * Leader election timing ({@code lingxi.instances.leader.*}).
	 *
	 * @param heartbeatInterval how often a replica tries to take the lock, and the leader
	 * confirms it still holds it
	 * @param heartbeatTimeout how long that query may take; the leader gives up
	 * leadership when it takes longer (or when its last confirmation is older than
	 * interval + timeout), so this bounds how long two replicas may both act as leader
	 */
	@ConfigurationProperties(prefix = Settings.PREFIX)
	public record Settings(@DefaultValue("3s") Duration heartbeatInterval,
			@DefaultValue("5s") Duration heartbeatTimeout) {

		public static final String PREFIX = "lingxi.instances.leader";

		public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(3), Duration.ofSeconds(5));

		/** How long one confirmation of the lock counts. */
		Duration lease() {
			return this.heartbeatInterval.plus(this.heartbeatTimeout);
		}

	}

}
