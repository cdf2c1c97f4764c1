package com.lingxi.common.events;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Durable domain events: transactional outbox, relay to Redis Streams, consumer groups.
 *
 * @param enabled whether the outbox relay and consumers run
 * @param relay outbox relay settings
 * @param consumer consumer settings
 */
@ConfigurationProperties(prefix = EventsProperties.PREFIX)
public record EventsProperties(@DefaultValue("true") boolean enabled, @DefaultValue Relay relay,
		@DefaultValue Consumer consumer) {

	public static final String PREFIX = "lingxi.events";

	/**
	 * Outbox relay.
	 *
	 * @param enabled whether this process relays its outbox
	 * @param pollInterval how often the outbox is read when no commit notification
	 * arrives
	 * @param listen wake up on PostgreSQL {@code NOTIFY} at commit instead of waiting for
	 * the next poll
	 * @param batchSize rows relayed per transaction
	 * @param streamMaxLength hard cap on each stream's length (approximate): beyond it
	 * the oldest entries are dropped on append even if a consumer group has not read
	 * them, so that a group that stopped for good cannot fill Redis; alert on consumer
	 * lag long before
	 * @param trimInterval how often each stream is trimmed to what all its consumer
	 * groups have acknowledged
	 * @param retention how long relayed rows stay in the outbox
	 */
	public record Relay(@DefaultValue("true") boolean enabled, @DefaultValue("1s") Duration pollInterval,
			@DefaultValue("true") boolean listen, @DefaultValue("100") int batchSize,
			@DefaultValue("1000000") long streamMaxLength, @DefaultValue("1m") Duration trimInterval,
			@DefaultValue("7d") Duration retention) {

	}

	/**
	 * Consumers.
	 *
	 * @param name consumer name within its group; defaults to the host name, which is
	 * stable across restarts on one host (give replicas on one host distinct names)
	 * @param batchSize entries read per call
	 * @param block how long one read waits for new entries
	 * @param concurrency events of one topic handled at once (1 keeps per-topic order)
	 * @param handlerTimeout how long one handler call may take before it counts as failed
	 * @param maxDeliveries deliveries after which a failing event goes to the dead-letter
	 * stream
	 * @param initialBackoff wait before the first retry; doubles with each delivery
	 * @param maxBackoff longest wait between retries
	 * @param claimIdle how long another consumer's entry must sit unacknowledged before
	 * this one takes it over (longer than {@code handlerTimeout})
	 * @param reclaimInterval how often pending entries are examined
	 * @param dedupRetention how long processed event ids are remembered
	 */
	public record Consumer(String name, @DefaultValue("16") int batchSize, @DefaultValue("2s") Duration block,
			@DefaultValue("1") int concurrency, @DefaultValue("30s") Duration handlerTimeout,
			@DefaultValue("10") int maxDeliveries, @DefaultValue("1s") Duration initialBackoff,
			@DefaultValue("5m") Duration maxBackoff, @DefaultValue("60s") Duration claimIdle,
			@DefaultValue("1s") Duration reclaimInterval, @DefaultValue("14d") Duration dedupRetention) {

		/**
		 * Wait before redelivering an event that has been delivered {@code deliveries}
		 * times.
		 */
		public Duration backoff(long deliveries) {
			long exponent = Math.max(0, Math.min(30, deliveries - 1));
			long millis = this.initialBackoff.toMillis() * (1L << exponent);
			return Duration.ofMillis(Math.min(millis, this.maxBackoff.toMillis()));
		}

	}

}
