package com.lingxi.common.events;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.XAddArgs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.context.SmartLifecycle;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Moves committed outbox rows to their Redis streams. Each batch runs in one transaction
 * that locks its rows ({@code FOR UPDATE SKIP LOCKED}, so replicas share the work),
 * appends them to the streams in order and marks them relayed. A crash between the append
 * and the commit leaves the rows unmarked: they are appended again, and consumers drop
 * the copy by event id.
 *
 * <p>
 * The relay wakes on PostgreSQL {@code NOTIFY}, which the outbox's insert trigger sends
 * when the writing transaction commits, and polls as a fallback.
 *
 * <p>
 * It also trims the streams it writes: every {@code trimInterval} each stream loses the
 * entries every consumer group has acknowledged, and never one that a group has pending
 * or not yet read. The only other limit is the hard cap on appends
 * ({@code streamMaxLength}), which drops the oldest entries, read or not, of a stream
 * that grows beyond it: the last resort against a group that stopped for good.
 */
public final class OutboxRelay implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

	private static final String SELECT = """
			SELECT seq, id, topic, version, event_key, payload::text AS payload, request_id, occurred_at
			FROM event_outbox WHERE published_at IS NULL ORDER BY seq LIMIT :limit FOR UPDATE SKIP LOCKED
			""";

	private static final String MARK = "UPDATE event_outbox SET published_at = now() WHERE seq = ANY(:seqs)";

	private static final String BACKLOG = "SELECT count(*) AS backlog FROM event_outbox WHERE published_at IS NULL";

	private static final String TOPICS = "SELECT DISTINCT topic FROM event_outbox";

	private static final String PURGE = "DELETE FROM event_outbox WHERE published_at < now() - make_interval(secs => :seconds)";

	private final DatabaseClient db;

	private final TransactionalOperator tx;

	private final LingxiRedis redis;

	private final EventStreams streams;

	private final EventsProperties.Relay properties;

	private final ConnectionFactory connectionFactory;

	private final MeterRegistry meters;

	private final ConsumerGroups groups;

	/** Topics whose streams this relay writes, and so trims. */
	private final Set<String> topics = ConcurrentHashMap.newKeySet();

	private final AtomicLong backlog = new AtomicLong();

	private final AtomicBoolean failing = new AtomicBoolean();

	private volatile Hook hook = Hook.NONE;

	private volatile Disposable running;

	public OutboxRelay(DatabaseClient db, TransactionalOperator tx, LingxiRedis redis, EventStreams streams,
			EventsProperties.Relay properties, ConnectionFactory connectionFactory, MeterRegistry meters,
			ConsumerGroups groups) {
		this.db = db;
		this.tx = tx;
		this.redis = redis;
		this.streams = streams;
		this.properties = properties;
		this.connectionFactory = connectionFactory;
		this.meters = meters;
		this.groups = groups;
		Gauge.builder("lingxi.events.outbox.backlog", this.backlog, AtomicLong::get)
			.description("Committed events not yet relayed to their stream")
			.register(meters);
	}

	@Override
	public void start() {
		Flux<Object> polls = Flux.interval(Duration.ZERO, this.properties.pollInterval()).map((tick) -> "poll");
		Flux<Object> wakeUps = this.properties.listen() ? commitNotifications() : Flux.never();
		Disposable relaying = Flux.merge(polls, wakeUps)
			.onBackpressureDrop()
			.concatMap((reason) -> drain().then(("poll".equals(reason)) ? measureBacklog() : Mono.empty()), 1)
			.subscribe();
		Disposable purging = Flux.interval(Duration.ofMinutes(1), Duration.ofHours(1))
			.concatMap((tick) -> purge(), 1)
			.subscribe();
		Disposable trimming = knownTopics()
			.thenMany(Flux.interval(this.properties.trimInterval(), this.properties.trimInterval()))
			.onBackpressureDrop()
			.concatMap((tick) -> trimStreams(), 1)
			.subscribe();
		this.running = Disposables.composite(relaying, purging, trimming);
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

	/** Relays until the outbox is empty. */
	Mono<Void> drain() {
		return relayBatch().expand((count) -> (count >= this.properties.batchSize()) ? relayBatch() : Mono.empty())
			.then()
			.doOnSuccess((done) -> {
				if (this.failing.compareAndSet(true, false)) {
					log.info("Outbox relay recovered");
				}
			})
			.onErrorResume((ex) -> {
				if (this.failing.compareAndSet(false, true)) {
					log.warn("Outbox relay failed, will retry", ex);
				}
				return Mono.empty();
			});
	}

	/** Relays one batch in one transaction; emits the number of events relayed. */
	Mono<Integer> relayBatch() {
		return this.tx.transactional(this.db.sql(SELECT)
			.bind("limit", this.properties.batchSize())
			.map((row, meta) -> new OutboxRow(row.get("seq", Long.class), row.get("id", UUID.class),
					row.get("topic", String.class), row.get("version", Integer.class),
					row.get("event_key", String.class), row.get("payload", String.class),
					row.get("request_id", String.class), row.get("occurred_at", OffsetDateTime.class)))
			.all()
			.collectList()
			.flatMap(this::relay));
	}

	private Mono<Integer> relay(List<OutboxRow> rows) {
		if (rows.isEmpty()) {
			return Mono.just(0);
		}
		Long[] seqs = rows.stream().map(OutboxRow::seq).toArray(Long[]::new);
		return Flux.fromIterable(rows)
			.concatMap(this::append)
			.then(Mono.fromRunnable(() -> this.hook.afterStreamWrite(rows.stream().map(OutboxRow::id).toList())))
			.then(this.db.sql(MARK).bind("seqs", seqs).fetch().rowsUpdated())
			.doOnSuccess((updated) -> rows.forEach((row) -> Counter.builder("lingxi.events.published")
				.description("Events relayed from the outbox to their stream")
				.tag("topic", row.topic())
				.register(this.meters)
				.increment()))
			.thenReturn(rows.size());
	}

	/**
	 * Trims each stream to what all its consumer groups have acknowledged (and measures
	 * their lag on the way).
	 */
	Mono<Void> trimStreams() {
		return Flux.fromIterable(List.copyOf(this.topics))
			.concatMap((topic) -> this.groups.trim(topic).doOnNext((removed) -> {
				if (removed > 0) {
					log.debug("Trimmed {} acknowledged entries from {}", removed, topic);
				}
			}).onErrorResume((ex) -> {
				log.debug("Trimming {} failed: {}", topic, ex.toString());
				return Mono.empty();
			}))
			.then();
	}

	/** The topics this service has published (its outbox keeps a week of them). */
	private Mono<Void> knownTopics() {
		return this.db.sql(TOPICS)
			.map((row, meta) -> row.get("topic", String.class))
			.all()
			.doOnNext(this.topics::add)
			.then()
			.onErrorResume((ex) -> Mono.empty());
	}

	private Mono<String> append(OutboxRow row) {
		Map<String, String> body = Map.of(EventStreams.ID, row.id().toString(), EventStreams.TOPIC, row.topic(),
				EventStreams.VERSION, Integer.toString(row.version()), EventStreams.KEY, nullToEmpty(row.key()),
				EventStreams.OCCURRED_AT, row.occurredAt().toInstant().toString(), EventStreams.REQUEST_ID,
				nullToEmpty(row.requestId()), EventStreams.PAYLOAD, row.payload());
		// The hard cap only; acknowledged entries are trimmed by trimStreams().
		XAddArgs args = XAddArgs.Builder.maxlen(this.properties.streamMaxLength()).approximateTrimming();
		this.topics.add(row.topic());
		return this.redis.commands().flatMap((redis) -> redis.xadd(this.streams.stream(row.topic()), args, body));
	}

	private Mono<Void> measureBacklog() {
		return this.db.sql(BACKLOG)
			.map((row, meta) -> row.get("backlog", Long.class))
			.one()
			.doOnNext(this.backlog::set)
			.then()
			.onErrorResume((ex) -> Mono.empty());
	}

	private Mono<Void> purge() {
		return this.db.sql(PURGE)
			.bind("seconds", (double) this.properties.retention().toSeconds())
			.fetch()
			.rowsUpdated()
			.then()
			.onErrorResume((ex) -> {
				log.warn("Outbox purge failed: {}", ex.toString());
				return Mono.empty();
			});
	}

	/**
	 * Signals from the outbox trigger, delivered by PostgreSQL when a writing transaction
	 * commits. Listens on a connection of its own outside the pool; reconnects with
	 * backoff.
	 */
	private Flux<Object> commitNotifications() {
		ConnectionFactory raw = unwrap(this.connectionFactory);
		return Flux.usingWhen(raw.create(), this::listen, Connection::close)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)))
			.onErrorResume((ex) -> Flux.never());
	}

	private Flux<Object> listen(Connection connection) {
		if (!(connection instanceof PostgresqlConnection postgres)) {
			return Flux.never();
		}
		return postgres.createStatement("SELECT current_schema() AS schema")
			.execute()
			.flatMap((result) -> result.map((row, meta) -> row.get("schema", String.class)))
			.next()
			.flatMapMany((schema) -> postgres.createStatement("LISTEN \"lingxi_outbox_" + schema + "\"")
				.execute()
				.flatMap(io.r2dbc.postgresql.api.PostgresqlResult::getRowsUpdated)
				.thenMany(postgres.getNotifications().map((notification) -> (Object) "notify")));
	}

	private static ConnectionFactory unwrap(ConnectionFactory factory) {
		ConnectionFactory current = factory;
		while (current instanceof Wrapped<?> wrapped && wrapped.unwrap() instanceof ConnectionFactory inner) {
			current = inner;
		}
		return current;
	}

	private static String nullToEmpty(String value) {
		return (value != null) ? value : "";
	}

	/** Replaces the test hook; production code never sets it. */
	void hook(Hook hook) {
		this.hook = hook;
	}

	/**
	 * A seam for fault-injection tests: runs after the stream write, before the commit.
	 */
	interface Hook {

		Hook NONE = (ids) -> {
		};

		void afterStreamWrite(List<UUID> ids);

	}

	private record OutboxRow(Long seq, UUID id, String topic, Integer version, String key, String payload,
			String requestId, OffsetDateTime occurredAt) {
	}

}
