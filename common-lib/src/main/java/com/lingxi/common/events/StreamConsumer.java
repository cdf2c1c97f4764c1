package com.lingxi.common.events;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.models.stream.PendingMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Delivers one topic's stream to one {@link EventHandler} as a member of a consumer
 * group.
 *
 * <ul>
 * <li>New entries are read with a blocking {@code XREADGROUP} on a connection of its own;
 * entries this consumer left unacknowledged in an earlier life are read first.</li>
 * <li>A handler success is recorded in {@code event_processed} (same transaction as the
 * handler's work) and acknowledged; a duplicate is acknowledged without running the
 * handler.</li>
 * <li>A failure leaves the entry pending. The reclaimer takes pending entries over once
 * they have been idle for the retry backoff (own failures) or for {@code claimIdle}
 * (entries of a consumer that died), and moves entries delivered {@code maxDeliveries}
 * times, undecodable ones and non-retryable failures to the topic's dead-letter
 * stream.</li>
 * </ul>
 */
final class StreamConsumer<T> {

	private static final Logger log = LoggerFactory.getLogger(StreamConsumer.class);

	private static final String MARK_PROCESSED = """
			INSERT INTO event_processed (consumer_group, event_id) VALUES (:group, :id) ON CONFLICT DO NOTHING
			""";

	private static final String IS_PROCESSED = "SELECT 1 FROM event_processed WHERE consumer_group = :group AND event_id = :id";

	private final EventHandler<T> handler;

	private final String topic;

	private final String group;

	private final String consumer;

	private final String stream;

	private final LingxiRedis redis;

	private final EventStreams streams;

	private final DatabaseClient db;

	private final TransactionalOperator tx;

	private final JsonMapper json;

	private final EventsProperties.Consumer properties;

	private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

	private final ConsumerGroups groups;

	private final Counter handled;

	private final Counter duplicates;

	private final Counter failures;

	private final Counter deadLettered;

	private final Timer handling;

	private final Counter reconnects;

	StreamConsumer(EventHandler<T> handler, String group, String consumer, LingxiRedis redis, EventStreams streams,
			DatabaseClient db, TransactionalOperator tx, JsonMapper json, EventsProperties.Consumer properties,
			MeterRegistry meters, ConsumerGroups groups) {
		this.handler = handler;
		this.topic = handler.topic().name();
		this.group = group;
		this.consumer = consumer;
		this.stream = streams.stream(this.topic);
		this.redis = redis;
		this.streams = streams;
		this.db = db;
		this.tx = tx;
		this.json = json;
		this.properties = properties;
		this.groups = groups;
		Tags tags = Tags.of("topic", this.topic, "group", group);
		this.handled = outcome(meters, tags, "handled");
		this.duplicates = outcome(meters, tags, "duplicate");
		this.failures = outcome(meters, tags, "failed");
		this.deadLettered = outcome(meters, tags, "dead_lettered");
		this.handling = Timer.builder("lingxi.events.handling")
			.description("Time spent in event handlers")
			.tags(tags)
			.register(meters);
		this.reconnects = Counter.builder("lingxi.events.consumer.reconnects")
			.description("Times the consumer lost its Redis connection and reconnected")
			.tags(tags)
			.register(meters);
		groups.register(this.topic, group);
	}

	private static Counter outcome(MeterRegistry meters, Tags tags, String outcome) {
		return Counter.builder("lingxi.events.consumed")
			.description("Event deliveries by outcome")
			.tags(tags)
			.tag("outcome", outcome)
			.register(meters);
	}

	String topic() {
		return this.topic;
	}

	String group() {
		return this.group;
	}

	Disposable start() {
		Disposable reading = Flux
			.usingWhen(this.redis.dedicatedConnection(), this::consume,
					(connection) -> Mono.fromCompletionStage(connection.closeAsync()))
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(500))
				.maxBackoff(Duration.ofSeconds(15))
				.doBeforeRetry((signal) -> this.reconnects.increment())
				.doBeforeRetry((signal) -> log.warn("Consumer {} of {} lost Redis, reconnecting: {}", this.group,
						this.topic, signal.failure().toString())))
			.subscribe();
		Disposable reclaiming = Flux.interval(this.properties.reclaimInterval())
			.onBackpressureDrop()
			.concatMap((tick) -> reclaim().onErrorResume((ex) -> {
				log.debug("Reclaim of {} for {} failed: {}", this.topic, this.group, ex.toString());
				return Mono.empty();
			}), 1)
			.subscribe();
		Disposable measuring = Flux.interval(Duration.ZERO, Duration.ofSeconds(5))
			.onBackpressureDrop()
			.concatMap((tick) -> measure().onErrorResume((ex) -> Mono.empty()), 1)
			.subscribe();
		return Disposables.composite(reading, reclaiming, measuring);
	}

	@SuppressWarnings("unchecked") // Lettuce's xreadgroup takes generic varargs
	private Flux<Void> consume(StatefulRedisConnection<String, String> connection) {
		Consumer<String> me = Consumer.from(this.group, this.consumer);
		XReadArgs args = XReadArgs.Builder.block(this.properties.block()).count(this.properties.batchSize());
		Flux<Void> recovered = ownPending(connection, me, "0").expand((batch) -> batch.isEmpty() ? Mono.empty()
				: ownPending(connection, me, batch.get(batch.size() - 1).getId()))
			.concatMap(this::processAll);
		Flux<Void> fresh = connection.reactive()
			.xreadgroup(me, args, XReadArgs.StreamOffset.lastConsumed(this.stream))
			.collectList()
			.flatMapMany(this::processAll)
			.repeat();
		return createGroup().thenMany(recovered.thenMany(fresh));
	}

	/**
	 * Entries delivered to this consumer name before (an earlier life) and never
	 * acknowledged.
	 */
	@SuppressWarnings("unchecked") // Lettuce's xreadgroup takes generic varargs
	private Mono<List<StreamMessage<String, String>>> ownPending(StatefulRedisConnection<String, String> connection,
			Consumer<String> me, String after) {
		return connection.reactive()
			.xreadgroup(me, XReadArgs.Builder.count(this.properties.batchSize()),
					XReadArgs.StreamOffset.from(this.stream, after))
			.collectList();
	}

	private Flux<Void> processAll(List<StreamMessage<String, String>> batch) {
		return Flux.fromIterable(batch).flatMap(this::process, Math.max(1, this.properties.concurrency()));
	}

	private Mono<Void> createGroup() {
		return this.redis.commands()
			.flatMap((redis) -> redis.xgroupCreate(XReadArgs.StreamOffset.from(this.stream, "0"), this.group,
					XGroupCreateArgs.Builder.mkstream(true)))
			.then()
			.onErrorResume(RedisBusyException.class, (ex) -> Mono.empty());
	}

	/** Handles one delivered entry; never errors. */
	Mono<Void> process(StreamMessage<String, String> message) {
		String id = message.getId();
		if (message.getBody() == null || message.getBody().isEmpty()) {
			// The entry was trimmed away while pending: nothing left to deliver.
			return ack(id);
		}
		if (!this.inFlight.add(id)) {
			return Mono.empty();
		}
		return Mono.defer(() -> {
			Event<T> event;
			try {
				event = decode(message.getBody());
			}
			catch (RuntimeException ex) {
				return deadLetter(id, message.getBody(), "undecodable: " + ex.getMessage(), 1);
			}
			long started = System.nanoTime();
			return handleOnce(event).timeout(this.properties.handlerTimeout()).flatMap((fresh) -> {
				this.handling.record(Duration.ofNanos(System.nanoTime() - started));
				(fresh ? this.handled : this.duplicates).increment();
				return ack(id);
			}).onErrorResume((ex) -> failed(id, message.getBody(), event, ex));
		}).doFinally((signal) -> this.inFlight.remove(id));
	}

	private Mono<Boolean> handleOnce(Event<T> event) {
		if (this.handler.transactional()) {
			return this.tx.transactional(markProcessed(event.id())
				.flatMap((fresh) -> fresh ? this.handler.handle(event).thenReturn(true) : Mono.just(false)));
		}
		return this.db.sql(IS_PROCESSED)
			.bind("group", this.group)
			.bind("id", event.id())
			.fetch()
			.first()
			.hasElement()
			.flatMap((seen) -> seen ? Mono.just(false)
					: this.handler.handle(event).then(markProcessed(event.id())).thenReturn(true));
	}

	private Mono<Boolean> markProcessed(UUID eventId) {
		return this.db.sql(MARK_PROCESSED)
			.bind("group", this.group)
			.bind("id", eventId)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	private Mono<Void> failed(String id, Map<String, String> body, Event<T> event, Throwable ex) {
		if (ex instanceof NonRetryableEventException) {
			return deadLetter(id, body, ex.getMessage(), 1);
		}
		this.failures.increment();
		String error = describe(ex);
		log.warn("Handling event {} ({}) for {} failed, will retry: {}", event.id(), this.topic, this.group, error);
		String errors = this.streams.errors(this.topic, this.group);
		// Claiming the entry to ourselves (JUSTID: the delivery count stays) restarts its
		// idle
		// clock, so the retry backoff counts from this failure rather than from the
		// delivery.
		return this.redis.commands()
			.flatMap((redis) -> redis.hset(errors, id, error)
				.then(redis.expire(errors, Duration.ofDays(7)))
				.thenMany(redis.xclaim(this.stream, Consumer.from(this.group, this.consumer),
						XClaimArgs.Builder.justid().minIdleTime(0), id))
				.then())
			.onErrorResume((redisDown) -> Mono.empty());
	}

	private Mono<Void> deadLetter(String id, Map<String, String> body, String reason, long deliveries) {
		this.deadLettered.increment();
		log.error("Event entry {} of {} moved to the dead-letter stream for group {} after {} deliveries: {}", id,
				this.topic, this.group, deliveries, reason);
		Map<String, String> entry = new HashMap<>(body);
		entry.put(EventStreams.DLQ_GROUP, this.group);
		entry.put(EventStreams.DLQ_ERROR, (reason != null) ? reason : "unknown");
		entry.put(EventStreams.DLQ_DELIVERIES, Long.toString(deliveries));
		entry.put(EventStreams.DLQ_ORIGINAL_ID, id);
		return this.redis.commands()
			.flatMap((redis) -> redis
				.xadd(this.streams.deadLetters(this.topic), XAddArgs.Builder.maxlen(100_000).approximateTrimming(),
						entry)
				.then(redis.hdel(this.streams.errors(this.topic, this.group), id)))
			.then(ack(id))
			.onErrorResume((ex) -> Mono.empty());
	}

	private Mono<Void> ack(String id) {
		return this.redis.commands()
			.flatMap((redis) -> redis.xack(this.stream, this.group, id))
			.then()
			.onErrorResume((ex) -> Mono.empty());
	}

	/**
	 * Takes over entries whose wait is over: own retries after backoff, dead consumers'
	 * entries.
	 */
	Mono<Void> reclaim() {
		return this.redis.commands()
			.flatMapMany((redis) -> redis.xpending(this.stream, this.group, Range.create("-", "+"), Limit.from(100)))
			.filter((entry) -> !this.inFlight.contains(entry.getId()))
			.concatMap(this::reclaim)
			.then();
	}

	private Mono<Void> reclaim(PendingMessage entry) {
		long deliveries = entry.getRedeliveryCount();
		Duration wait = this.properties.backoff(deliveries);
		if (!this.consumer.equals(entry.getConsumer()) && wait.compareTo(this.properties.claimIdle()) < 0) {
			wait = this.properties.claimIdle();
		}
		if (entry.getMsSinceLastDelivery() < wait.toMillis()) {
			return Mono.empty();
		}
		Duration minIdle = wait;
		return this.redis.commands()
			.flatMapMany((redis) -> redis.xclaim(this.stream, Consumer.from(this.group, this.consumer),
					XClaimArgs.Builder.minIdleTime(minIdle), entry.getId()))
			.concatMap((message) -> (deliveries >= this.properties.maxDeliveries()) ? exhausted(message, deliveries)
					: process(message))
			.then();
	}

	private Mono<Void> exhausted(StreamMessage<String, String> message, long deliveries) {
		String errors = this.streams.errors(this.topic, this.group);
		return this.redis.commands()
			.flatMap((redis) -> redis.hget(errors, message.getId()))
			.defaultIfEmpty("no error recorded")
			.onErrorReturn("no error recorded")
			.flatMap((lastError) -> deadLetter(message.getId(), message.getBody(),
					"gave up after " + deliveries + " deliveries; last error: " + lastError, deliveries));
	}

	/** Lag and pending count of this topic's groups (this one included). */
	private Mono<Void> measure() {
		return this.groups.measure(this.topic).then();
	}

	private Event<T> decode(Map<String, String> body) {
		String payload = body.get(EventStreams.PAYLOAD);
		if (payload == null) {
			throw new IllegalArgumentException("no payload field");
		}
		T value = this.json.readValue(payload, this.handler.topic().payloadType());
		String requestId = body.get(EventStreams.REQUEST_ID);
		return new Event<>(UUID.fromString(body.get(EventStreams.ID)), body.get(EventStreams.TOPIC),
				Integer.parseInt(body.getOrDefault(EventStreams.VERSION, "1")), body.get(EventStreams.KEY),
				Instant.parse(body.get(EventStreams.OCCURRED_AT)),
				(requestId == null || requestId.isEmpty()) ? null : requestId, value);
	}

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		String text = ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
		return (text.length() > 500) ? text.substring(0, 500) : text;
	}

}
