package com.lingxi.common.events;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.test.OwnRedis;
import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Pub/sub notifications against a Redis of the test's own that is down, comes up and
 * restarts: what billing-service's key revocations and plan changes ride on.
 */
class NotificationsTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final OwnRedis server = OwnRedis.onFreePort();

	private final LingxiRedis redis = new LingxiRedis(RedisURI.create(this.server.host(), this.server.port()),
			TestInfrastructure.newRedisNamespace("notify"), Duration.ofSeconds(2), Duration.ofSeconds(10));

	private final Notifications notifications = new Notifications(this.redis, JsonMapper.builder().build());

	private final List<Disposable> subscriptions = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() {
		this.subscriptions.forEach(Disposable::dispose);
		this.notifications.destroy();
		this.redis.destroy();
		this.server.stop();
	}

	/** Subscribes the way long-lived subscribers do: again after every failure. */
	private List<RecordingHandler.Thing> subscribe(String channel) {
		List<RecordingHandler.Thing> received = new CopyOnWriteArrayList<>();
		this.subscriptions.add(this.notifications.subscribe(channel, RecordingHandler.Thing.class)
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(500)))
			.subscribe(received::add));
		return received;
	}

	private long publish(String channel, RecordingHandler.Thing thing) {
		return this.notifications.publish(channel, thing).onErrorResume((ex) -> Mono.just(-1L)).block();
	}

	@Test
	void aSubscriptionMadeWhileRedisIsDownStartsReceivingOnceRedisIsUp() {
		List<RecordingHandler.Thing> received = subscribe("keys");
		// The subscriber keeps trying while nobody listens on the port.
		await().pollDelay(Duration.ofSeconds(1)).atMost(WAIT).until(() -> received.isEmpty());

		this.server.start();

		RecordingHandler.Thing revoked = new RecordingHandler.Thing("revoked", 1);
		await().atMost(WAIT).until(() -> publish("keys", revoked) > 0);
		await().atMost(WAIT).until(() -> received.contains(revoked));
	}

	@Test
	void aLaterSubscriberIsNotHeldBackByAnEarlierFailedConnection() {
		// The first subscriber meets Redis down and gives up.
		assertThatThrownBy(() -> this.notifications.subscribe("plans", RecordingHandler.Thing.class)
			.blockFirst(Duration.ofSeconds(15))).isNotNull();

		this.server.start();

		List<RecordingHandler.Thing> received = new CopyOnWriteArrayList<>();
		this.subscriptions
			.add(this.notifications.subscribe("plans", RecordingHandler.Thing.class).subscribe(received::add));
		RecordingHandler.Thing changed = new RecordingHandler.Thing("plan-changed", 2);
		await().atMost(WAIT).until(() -> publish("plans", changed) > 0);
		await().atMost(WAIT).until(() -> received.contains(changed));
	}

	@Test
	void subscriptionsResumeAfterRedisRestarts() {
		this.server.start();
		List<RecordingHandler.Thing> received = subscribe("status");
		RecordingHandler.Thing before = new RecordingHandler.Thing("before", 1);
		await().atMost(WAIT).until(() -> publish("status", before) > 0);
		await().atMost(WAIT).until(() -> received.contains(before));

		this.server.stop();
		assertThat(publish("status", new RecordingHandler.Thing("lost", 0))).isEqualTo(-1);
		this.server.start();

		RecordingHandler.Thing after = new RecordingHandler.Thing("after", 2);
		await().atMost(WAIT).until(() -> publish("status", after) > 0);
		await().atMost(WAIT).until(() -> received.contains(after));
	}

}
