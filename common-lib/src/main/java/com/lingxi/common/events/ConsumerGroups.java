package com.lingxi.common.events;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import reactor.core.publisher.Mono;

import com.lingxi.common.redis.LingxiRedis;

/**
 * What the consumer groups of a topic's stream have read and acknowledged, from
 * {@code XINFO GROUPS} and {@code XPENDING}: published as the gauges
 * {@code lingxi.events.consumer.lag{topic,group}} (entries not yet delivered to the
 * group) and {@code lingxi.events.consumer.pending{topic,group}} (delivered, not
 * acknowledged), for every group of the stream, including groups whose service is not
 * running; and used to trim the stream to what every group has acknowledged.
 */
final class ConsumerGroups {

	/**
	 * When Redis cannot say how far behind a group is, at most this many undelivered
	 * entries are counted.
	 */
	static final long LAG_COUNT_LIMIT = 10_000;

	private final LingxiRedis redis;

	private final EventStreams streams;

	private final MeterRegistry meters;

	/** Gauge values by topic, then group. */
	private final Map<String, Map<String, Values>> gauges = new ConcurrentHashMap<>();

	ConsumerGroups(LingxiRedis redis, EventStreams streams, MeterRegistry meters) {
		this.redis = redis;
		this.streams = streams;
		this.meters = meters;
	}

	/** Makes the gauges of a group exist before its first measurement. */
	void register(String topic, String group) {
		values(topic, group);
	}

	/** Reads every group of the topic's stream and updates their gauges. */
	Mono<List<Group>> measure(String topic) {
		String stream = this.streams.stream(topic);
		return this.redis.commands()
			.flatMap((redis) -> redis.xinfoGroups(stream)
				.filter(List.class::isInstance)
				.map((group) -> pairs((List<?>) group))
				.concatMap((fields) -> group(redis, stream, fields))
				.collectList())
			.doOnNext((groups) -> record(topic, groups));
	}

	/**
	 * Removes the entries every group has acknowledged: those older than the oldest entry
	 * some group has pending or not yet read. A stream without groups is left alone (its
	 * length is bounded by the hard cap on appends only).
	 * @return the number of entries removed
	 */
	Mono<Long> trim(String topic) {
		String stream = this.streams.stream(topic);
		return measure(topic).flatMap((groups) -> {
			if (groups.isEmpty()) {
				return Mono.just(0L);
			}
			String keepFrom = groups.stream().map(Group::oldestNeeded).reduce(ConsumerGroups::min).orElseThrow();
			return this.redis.commands().flatMap((redis) -> redis.xtrim(stream, XTrimArgs.Builder.minId(keepFrom)));
		});
	}

	private Mono<Group> group(RedisReactiveCommands<String, String> redis, String stream, Map<String, Object> fields) {
		String name = String.valueOf(fields.get("name"));
		String lastDelivered = String.valueOf(fields.get("last-delivered-id"));
		long pending = asLong(fields.get("pending"));
		Object lag = fields.get("lag");
		Mono<Long> undelivered = (lag instanceof Number number) ? Mono.just(number.longValue())
				: redis.xrange(stream, Range.create(next(lastDelivered), "+"), Limit.from(LAG_COUNT_LIMIT)).count();
		Mono<String> oldestPending = (pending > 0) ? redis.xpending(stream, name)
			.mapNotNull((summary) -> (summary.getMessageIds() != null) ? summary.getMessageIds().getLower().getValue()
					: null)
				: Mono.empty();
		return Mono.zip(undelivered, oldestPending.defaultIfEmpty(""))
			.map((both) -> new Group(name, lastDelivered, pending, both.getT1(),
					both.getT2().isEmpty() ? next(lastDelivered) : min(both.getT2(), next(lastDelivered))));
	}

	private void record(String topic, List<Group> groups) {
		Set<String> present = ConcurrentHashMap.newKeySet();
		for (Group group : groups) {
			Values values = values(topic, group.name());
			values.lag.set(group.lag());
			values.pending.set(group.pending());
			present.add(group.name());
		}
		// A group that was deleted no longer lags.
		Map<String, Values> known = this.gauges.getOrDefault(topic, Map.of());
		new ArrayList<>(known.keySet()).stream().filter((name) -> !present.contains(name)).forEach((name) -> {
			Values gone = known.remove(name);
			if (gone != null) {
				gone.meters.forEach(this.meters::remove);
			}
		});
	}

	private Values values(String topic, String group) {
		return this.gauges.computeIfAbsent(topic, (key) -> new ConcurrentHashMap<>())
			.computeIfAbsent(group, (key) -> new Values(topic, group, this.meters));
	}

	/** The entry id right after {@code id}. */
	static String next(String id) {
		long[] parts = parse(id);
		return (parts[1] == Long.MAX_VALUE) ? (parts[0] + 1) + "-0" : parts[0] + "-" + (parts[1] + 1);
	}

	/** The smaller of two entry ids. */
	static String min(String a, String b) {
		long[] x = parse(a);
		long[] y = parse(b);
		int order = (x[0] != y[0]) ? Long.compareUnsigned(x[0], y[0]) : Long.compareUnsigned(x[1], y[1]);
		return (order <= 0) ? a : b;
	}

	private static long[] parse(String id) {
		int dash = id.indexOf('-');
		if (dash < 0) {
			return new long[] { Long.parseUnsignedLong(id), 0 };
		}
		return new long[] { Long.parseUnsignedLong(id.substring(0, dash)),
				Long.parseUnsignedLong(id.substring(dash + 1)) };
	}

	private static Map<String, Object> pairs(List<?> flat) {
		Map<String, Object> map = new HashMap<>();
		for (int i = 0; i + 1 < flat.size(); i += 2) {
			map.put(String.valueOf(flat.get(i)), flat.get(i + 1));
		}
		return map;
	}

	private static long asLong(Object value) {
		if (value instanceof Number number) {
			return number.longValue();
		}
		try {
			return (value != null) ? Long.parseLong(value.toString()) : 0;
		}
		catch (NumberFormatException ex) {
			return 0;
		}
	}

	/**
	 * One consumer group of a stream.
	 *
	 * @param name group name
	 * @param lastDeliveredId the last entry delivered to the group
	 * @param pending entries delivered and not acknowledged
	 * @param lag entries not yet delivered (at most {@link #LAG_COUNT_LIMIT} when Redis
	 * cannot say)
	 * @param oldestNeeded the oldest entry the group has pending or not yet read: entries
	 * before it are acknowledged
	 */
	record Group(String name, String lastDeliveredId, long pending, long lag, String oldestNeeded) {
	}

	/** The gauges of one group. */
	private static final class Values {

		final AtomicLong lag = new AtomicLong();

		final AtomicLong pending = new AtomicLong();

		final List<Meter> meters = new ArrayList<>();

		Values(String topic, String group, MeterRegistry registry) {
			Tags tags = Tags.of("topic", topic, "group", group);
			this.meters.add(Gauge.builder("lingxi.events.consumer.lag", this.lag, AtomicLong::get)
				.description("Entries in the stream not yet delivered to the group")
				.tags(tags)
				.register(registry));
			this.meters.add(Gauge.builder("lingxi.events.consumer.pending", this.pending, AtomicLong::get)
				.description("Entries delivered to the group but not acknowledged")
				.tags(tags)
				.register(registry));
		}

	}

}
