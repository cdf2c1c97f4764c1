package com.lingxi.common.events;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
 */
public final class Notifications implements DisposableBean {

	private final LingxiRedis redis;

	private final JsonMapper json;

	private final Mono<StatefulRedisPubSubConnection<String, String>> connection;

	private final Map<String, Flux<String>> channels = new ConcurrentHashMap<>();

	public Notifications(LingxiRedis redis, JsonMapper json) {
		this.redis = redis;
		this.json = json;
		this.connection = redis.pubSubConnection().cache();
	}

	/** Publishes to a channel; emits how many subscribers (processes) received it. */
	public Mono<Long> publish(String channel, Object payload) {
		String message = this.json.writeValueAsString(payload);
		return this.redis.commands().flatMap((redis) -> redis.publish(channelKey(channel), message));
	}

	/**
	 * Messages published to a channel from now on, decoded as {@code type}. Subscribes on
	 * first demand and unsubscribes when the last subscriber of the returned flux
	 * cancels.
	 */
	public <T> Flux<T> subscribe(String channel, Class<T> type) {
		return this.channels.computeIfAbsent(channelKey(channel), this::listen)
			.map((message) -> this.json.readValue(message, type));
	}

	/** One Redis subscription per channel, shared by all local subscribers. */
	private Flux<String> listen(String key) {
		// Listen before subscribing, so that nothing published right after the SUBSCRIBE
		// is missed.
		return this.connection.flatMapMany((pubSub) -> Flux
			.merge(pubSub.reactive()
				.observeChannels()
				.filter((message) -> key.equals(message.getChannel()))
				.map((message) -> message.getMessage()), pubSub.reactive().subscribe(key).then(Mono.<String>empty()))
			.doFinally((signal) -> {
				this.channels.remove(key);
				pubSub.reactive().unsubscribe(key).subscribe(null, (ex) -> {
				});
			})).share();
	}

	private String channelKey(String channel) {
		return this.redis.key("notify", channel);
	}

	@Override
	public void destroy() {
		this.connection.subscribe((pubSub) -> pubSub.closeAsync(), (ex) -> {
		});
	}

}
