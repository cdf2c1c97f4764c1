package com.lingxi.common.events;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.DisposableBean;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Ephemeral notifications over Redis pub/sub: instance status for a connected console,
 * cache invalidation. A subscriber that is not connected misses them, so nothing that
 * must happen may depend on one; use {@link EventPublisher} for that.
 *
 * <p>
 * All subscriptions share one pub/sub connection, opened on first use. A connection that
 * cannot be opened is not kept: the subscription fails, and the next one (a subscriber's
 * retry) connects again. Once open, the connection reconnects on its own after Redis
 * restarts and subscribes its channels again; what was published meanwhile is lost.
 */
public final class Notifications implements DisposableBean {

	private final LingxiRedis redis;

	private final JsonMapper json;

	private final AtomicReference<Mono<StatefulRedisPubSubConnection<String, String>>> connection = new AtomicReference<>();

	private final Map<String, Flux<String>> channels = new ConcurrentHashMap<>();

	public Notifications(LingxiRedis redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
	}

	/** Publishes to a channel; emits how many subscribers (processes) received it. */
	public Mono<Long> publish(String channel, Object payload) {
		String message = this.json.writeValueAsString(payload);
		return this.redis.commands().flatMap((redis) -> redis.publish(channelKey(channel), message));
	}

	/**
	 * Messages published to a channel from now on, decoded as {@code type}. Subscribes on
	 * first demand and unsubscribes when the last subscriber of the returned flux
	 * cancels. Errors when Redis cannot be reached; subscribing again (with a backoff)
	 * then tries a new connection, so a long-lived subscriber resumes once Redis is back.
	 */
	public <T> Flux<T> subscribe(String channel, Class<T> type) {
		return this.channels.computeIfAbsent(channelKey(channel), this::listen)
			.map((message) -> this.json.readValue(message, type));
	}

	/** One Redis subscription per channel, shared by all local subscribers. */
	private Flux<String> listen(String key) {
		AtomicReference<Flux<String>> self = new AtomicReference<>();
		// Listen before subscribing, so that nothing published right after the SUBSCRIBE
		// is missed.
		Flux<String> shared = connection().flatMapMany((pubSub) -> Flux
			.merge(pubSub.reactive()
				.observeChannels()
				.filter((message) -> key.equals(message.getChannel()))
				.map((message) -> message.getMessage()), pubSub.reactive().subscribe(key).then(Mono.<String>empty()))
			.doFinally((signal) -> pubSub.reactive().unsubscribe(key).subscribe(null, (ex) -> {
			})))
			// Forgotten before the error or completion reaches the subscribers, so that a
			// subscriber's retry starts a new subscription instead of joining this one.
			.doOnError((ex) -> this.channels.remove(key, self.get()))
			.doOnCancel(() -> this.channels.remove(key, self.get()))
			.doOnComplete(() -> this.channels.remove(key, self.get()))
			.share();
		self.set(shared);
		return shared;
	}

	/**
	 * The pub/sub connection: opened once and kept, unless opening it failed, in which
	 * case the next caller opens a new one.
	 */
	private Mono<StatefulRedisPubSubConnection<String, String>> connection() {
		return Mono.defer(() -> {
			while (true) {
				Mono<StatefulRedisPubSubConnection<String, String>> current = this.connection.get();
				if (current != null) {
					return current;
				}
				AtomicReference<Mono<StatefulRedisPubSubConnection<String, String>>> self = new AtomicReference<>();
				Mono<StatefulRedisPubSubConnection<String, String>> connecting = this.redis.pubSubConnection()
					.doOnError((ex) -> this.connection.compareAndSet(self.get(), null))
					.cache();
				self.set(connecting);
				if (this.connection.compareAndSet(null, connecting)) {
					return connecting;
				}
			}
		});
	}

	private String channelKey(String channel) {
		return this.redis.key("notify", channel);
	}

	@Override
	public void destroy() {
		Mono<StatefulRedisPubSubConnection<String, String>> current = this.connection.getAndSet(null);
		if (current != null) {
			current.subscribe((pubSub) -> pubSub.closeAsync(), (ex) -> {
			});
		}
	}

}
