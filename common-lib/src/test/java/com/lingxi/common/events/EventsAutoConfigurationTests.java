package com.lingxi.common.events;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.Range;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.identity.RequestContext;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.redis.RedisAutoConfiguration;
import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The event pipeline against real PostgreSQL and Redis, including the failures it exists
 * for: a relay that dies between stream write and commit, a consumer that dies before its
 * acknowledgement, a handler that keeps failing, an entry nobody can decode.
 */
class EventsAutoConfigurationTests {

	private static final Duration WAIT = Duration.ofSeconds(15);

	private static ApplicationContextRunner runner(String[] infrastructure, String consumerName) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, R2dbcAutoConfiguration.class,
					R2dbcTransactionManagerAutoConfiguration.class, FlywayAutoConfiguration.class,
					DataRedisAutoConfiguration.class, RedisAutoConfiguration.class, EventsAutoConfiguration.class,
					NotificationsAutoConfiguration.class))
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues(infrastructure)
			.withPropertyValues("spring.application.name=events-test", "lingxi.events.consumer.name=" + consumerName,
					"lingxi.events.consumer.block=200ms", "lingxi.events.consumer.reclaim-interval=100ms",
					"lingxi.events.consumer.initial-backoff=200ms", "lingxi.events.consumer.max-deliveries=3",
					"lingxi.events.consumer.claim-idle=1s", "lingxi.events.consumer.handler-timeout=30s",
					"lingxi.events.relay.poll-interval=200ms");
	}

	private static String[] infrastructure(String hint) {
		return TestInfrastructure.properties(hint, "events_test");
	}

	private static UUID publish(AssertableApplicationContext context, String name) {
		return publish(context, name, false);
	}

	private static UUID publish(ConfigurableApplicationContext context, String name, boolean rollback) {
		EventPublisher publisher = context.getBean(EventPublisher.class);
		TransactionalOperator tx = TransactionalOperator.create(context.getBean(ReactiveTransactionManager.class));
		Mono<UUID> work = publisher.publish(RecordingHandler.TOPIC, name, new RecordingHandler.Thing(name, 3));
		if (rollback) {
			work = work.flatMap((id) -> Mono.error(new IllegalStateException("rolled back")));
		}
		return tx.transactional(work).onErrorResume(IllegalStateException.class, (ex) -> Mono.empty()).block();
	}

	private static double consumed(ConfigurableApplicationContext context, String outcome) {
		return context.getBean(MeterRegistry.class)
			.get("lingxi.events.consumed")
			.tag("topic", "test.thing")
			.tag("outcome", outcome)
			.counter()
			.count();
	}

	@Test
	void committedEventReachesItsHandlerWithPayloadAndRequestIdAndRolledBackOneNever() {
		RecordingHandler handler = new RecordingHandler();
		runner(infrastructure("delivery"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			publish(context, "rolled-back", true);
			EventPublisher publisher = context.getBean(EventPublisher.class);
			TransactionalOperator tx = TransactionalOperator.create(context.getBean(ReactiveTransactionManager.class));
			RequestContext request = new RequestContext("req-42", "10.0.0.1",
					Optional.of(new CurrentUser(UUID.randomUUID(), "free")));
			UUID id = tx
				.transactional(
						publisher.publish(RecordingHandler.TOPIC, "k-1", new RecordingHandler.Thing("committed", 7)))
				.contextWrite((ctx) -> ctx.put(RequestContext.KEY, request))
				.block();

			await().atMost(WAIT).until(() -> handler.completed.get() == 1);
			Event<RecordingHandler.Thing> event = handler.calls.get(0);
			assertThat(event.id()).isEqualTo(id);
			assertThat(event.payload()).isEqualTo(new RecordingHandler.Thing("committed", 7));
			assertThat(event.key()).isEqualTo("k-1");
			assertThat(event.requestId()).isEqualTo("req-42");
			assertThat(event.topic()).isEqualTo("test.thing");

			Thread.sleep(1000);
			assertThat(handler.calls).hasSize(1);
			Long unrelayed = context.getBean(DatabaseClient.class)
				.sql("SELECT count(*) AS n FROM event_outbox WHERE published_at IS NULL")
				.map((row, meta) -> row.get("n", Long.class))
				.one()
				.block();
			assertThat(unrelayed).isZero();
		});
	}

	@Test
	void relayCrashBetweenStreamWriteAndCommitDeliversOnceAnyway() {
		RecordingHandler handler = new RecordingHandler();
		runner(infrastructure("relaycrash"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			OutboxRelay relay = context.getBean(OutboxRelay.class);
			List<UUID> crashedOn = new CopyOnWriteArrayList<>();
			relay.hook((ids) -> {
				if (crashedOn.isEmpty()) {
					crashedOn.addAll(ids);
					throw new IllegalStateException("relay died after XADD");
				}
			});
			UUID id = publish(context, "once");

			await().atMost(WAIT).until(() -> consumed(context, "duplicate") == 1);
			assertThat(crashedOn).containsExactly(id);
			LingxiRedis redis = context.getBean(LingxiRedis.class);
			Long entries = redis.commands()
				.flatMap((r) -> r.xlen(context.getBean(EventStreams.class).stream("test.thing")))
				.block();
			assertThat(entries).as("the event is in the stream twice").isEqualTo(2);
			assertThat(handler.calls).extracting(Event::id).containsExactly(id);
			assertThat(consumed(context, "handled")).isEqualTo(1);
		});
	}

	@Test
	void entriesOfAConsumerThatDiedBeforeAcknowledgingAreTakenOverByAnother() {
		String[] infrastructure = infrastructure("consumercrash");
		RecordingHandler stuck = RecordingHandler.hanging();
		runner(infrastructure, "dies").withBean(RecordingHandler.class, () -> stuck).run((context) -> {
			publish(context, "orphan");
			await().atMost(WAIT).until(() -> stuck.calls.size() == 1);
		});
		// The first process is gone with the entry unacknowledged; a second one takes it
		// over.
		RecordingHandler survivor = new RecordingHandler();
		runner(infrastructure, "survives").withBean(RecordingHandler.class, () -> survivor).run((context) -> {
			await().atMost(WAIT).until(() -> survivor.completed.get() == 1);
			assertThat(survivor.calls.get(0).id()).isEqualTo(stuck.calls.get(0).id());
			await().atMost(WAIT).untilAsserted(() -> assertThat(pending(context)).isZero());
		});
	}

	@Test
	void aRestartedConsumerFinishesItsOwnPendingEntriesAtOnce() {
		String[] infrastructure = infrastructure("restart");
		RecordingHandler stuck = RecordingHandler.hanging();
		runner(infrastructure, "same-host").withBean(RecordingHandler.class, () -> stuck).run((context) -> {
			publish(context, "resume");
			await().atMost(WAIT).until(() -> stuck.calls.size() == 1);
		});
		RecordingHandler restarted = new RecordingHandler();
		runner(infrastructure, "same-host")
			.withPropertyValues("lingxi.events.consumer.claim-idle=1h", "lingxi.events.consumer.initial-backoff=1h")
			.withBean(RecordingHandler.class, () -> restarted)
			.run((context) -> await().atMost(WAIT).until(() -> restarted.completed.get() == 1));
	}

	@Test
	void failingHandlerIsRetriedWithBackoffThenDeadLettered() {
		RecordingHandler handler = RecordingHandler.failing("downstream is down");
		runner(infrastructure("retry"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			UUID id = publish(context, "doomed");
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(WAIT).until(() -> !deadLetters.list("test.thing", 10).collectList().block().isEmpty());

			DeadLetters.DeadLetter letter = deadLetters.list("test.thing", 10).blockFirst();
			assertThat(letter.eventId()).isEqualTo(id.toString());
			assertThat(letter.group()).isEqualTo("events-test");
			assertThat(letter.deliveries()).isEqualTo(3);
			assertThat(letter.error()).contains("downstream is down");
			assertThat(handler.calls).hasSize(3);
			Duration firstWait = Duration.between(handler.callTimes.get(0), handler.callTimes.get(1));
			Duration secondWait = Duration.between(handler.callTimes.get(1), handler.callTimes.get(2));
			assertThat(firstWait).isGreaterThanOrEqualTo(Duration.ofMillis(200));
			assertThat(secondWait).isGreaterThanOrEqualTo(Duration.ofMillis(400));
			assertThat(pending(context)).isZero();
			assertThat(consumed(context, "dead_lettered")).isEqualTo(1);

			// Once the cause is fixed, an operator replays it.
			handler.behave((call) -> Mono.empty());
			assertThat(deadLetters.replay("test.thing", letter.id()).block()).isTrue();
			await().atMost(WAIT).until(() -> handler.completed.get() == 1);
			assertThat(deadLetters.list("test.thing", 10).collectList().block()).isEmpty();
		});
	}

	@Test
	void transientFailureSucceedsOnRetry() {
		RecordingHandler handler = new RecordingHandler()
			.behave((call) -> (call < 2) ? Mono.error(new IllegalStateException("blip")) : Mono.empty());
		runner(infrastructure("transient"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			publish(context, "flaky");
			await().atMost(WAIT).until(() -> handler.completed.get() == 1);
			assertThat(handler.calls).hasSize(2);
			assertThat(context.getBean(DeadLetters.class).list("test.thing", 10).collectList().block()).isEmpty();
		});
	}

	@Test
	void poisonEntryAndNonRetryableFailureGoStraightToTheDeadLetterStream() {
		RecordingHandler handler = new RecordingHandler()
			.behave((call) -> Mono.error(new NonRetryableEventException("refers to a deleted user")));
		runner(infrastructure("poison"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			LingxiRedis redis = context.getBean(LingxiRedis.class);
			String stream = context.getBean(EventStreams.class).stream("test.thing");
			Map<String, String> poison = Map.of("id", UUID.randomUUID().toString(), "payload", "{not json");
			redis.commands().flatMap((r) -> r.xadd(stream, XAddArgs.Builder.maxlen(1000), poison)).block();
			publish(context, "unlucky");
			DeadLetters deadLetters = context.getBean(DeadLetters.class);
			await().atMost(WAIT).until(() -> deadLetters.list("test.thing", 10).collectList().block().size() == 2);
			List<DeadLetters.DeadLetter> letters = deadLetters.list("test.thing", 10).collectList().block();
			assertThat(letters).extracting(DeadLetters.DeadLetter::error)
				.anySatisfy((error) -> assertThat(error).startsWith("undecodable"))
				.anySatisfy((error) -> assertThat(error).contains("refers to a deleted user"));
			assertThat(handler.calls).hasSize(1);
			assertThat(pending(context)).isZero();
		});
	}

	@Test
	void lagAndPendingAreMeasured() {
		RecordingHandler handler = RecordingHandler.hanging();
		runner(infrastructure("metrics"), "c1").withBean(RecordingHandler.class, () -> handler).run((context) -> {
			publish(context, "one");
			publish(context, "two");
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			await().atMost(WAIT)
				.untilAsserted(() -> assertThat(
						meters.get("lingxi.events.consumer.pending").tag("topic", "test.thing").gauge().value())
					.isGreaterThanOrEqualTo(1));
			assertThat(meters.get("lingxi.events.outbox.backlog").gauge().value()).isZero();
			assertThat(meters.get("lingxi.events.consumer.lag").tag("group", "events-test").gauge()).isNotNull();
		});
	}

	@Test
	@SuppressWarnings("unchecked")
	void aGroupThatStopsReadingKeepsItsEntriesAcrossTrimsAndItsLagShows() {
		RecordingHandler handler = new RecordingHandler();
		runner(infrastructure("trim"), "c1").withPropertyValues("lingxi.events.relay.trim-interval=200ms")
			.withBean(RecordingHandler.class, () -> handler)
			.run((context) -> {
				LingxiRedis redis = context.getBean(LingxiRedis.class);
				String stream = context.getBean(EventStreams.class).stream("test.thing");
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				for (int i = 0; i < 3; i++) {
					publish(context, "early-" + i);
				}
				await().atMost(WAIT).until(() -> handler.completed.get() == 3);
				// A second group (a reporting service, say) that has read everything so
				// far, then stops: its service is not running any more.
				redis.commands()
					.flatMap((r) -> r.xgroupCreate(XReadArgs.StreamOffset.latest(stream), "reporting"))
					.block();
				List<UUID> unread = new CopyOnWriteArrayList<>();
				for (int i = 0; i < 5; i++) {
					unread.add(publish(context, "late-" + i));
				}
				await().atMost(WAIT).until(() -> handler.completed.get() == 8);

				// What both groups acknowledged goes; what the stopped group has not
				// read stays, trim after trim.
				await().atMost(WAIT).until(() -> length(redis, stream) == 5);
				Thread.sleep(1500);
				assertThat(length(redis, stream)).isEqualTo(5);
				assertThat(redis.commands()
					.flatMapMany((r) -> r.xrange(stream, Range.create("-", "+")))
					.map((entry) -> UUID.fromString(entry.getBody().get("id")))
					.collectList()
					.block()).containsExactlyElementsOf(unread);
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(gauge(meters, "lingxi.events.consumer.lag", "reporting")).isEqualTo(5);
					assertThat(gauge(meters, "lingxi.events.consumer.pending", "reporting")).isZero();
					assertThat(gauge(meters, "lingxi.events.consumer.lag", "events-test")).isZero();
				});

				// Read but not acknowledged: still kept.
				List<String> delivered = redis.commands()
					.flatMapMany((r) -> r.xreadgroup(io.lettuce.core.Consumer.from("reporting", "r1"),
							XReadArgs.Builder.count(10), XReadArgs.StreamOffset.lastConsumed(stream)))
					.map((entry) -> entry.getId())
					.collectList()
					.block();
				assertThat(delivered).hasSize(5);
				await().atMost(WAIT).untilAsserted(() -> {
					assertThat(gauge(meters, "lingxi.events.consumer.lag", "reporting")).isZero();
					assertThat(gauge(meters, "lingxi.events.consumer.pending", "reporting")).isEqualTo(5);
				});
				assertThat(length(redis, stream)).isEqualTo(5);

				// Acknowledged by every group: trimmed.
				redis.commands().flatMap((r) -> r.xack(stream, "reporting", delivered.toArray(String[]::new))).block();
				await().atMost(WAIT).until(() -> length(redis, stream) == 0);
			});
	}

	private static long length(LingxiRedis redis, String stream) {
		return redis.commands().flatMap((r) -> r.xlen(stream)).block();
	}

	private static double gauge(MeterRegistry meters, String name, String group) {
		return meters.get(name).tag("topic", "test.thing").tag("group", group).gauge().value();
	}

	@Test
	void blockingReadsOutlastTheCommandTimeout() {
		RecordingHandler handler = new RecordingHandler();
		runner(infrastructure("blocking"), "c1")
			.withPropertyValues("lingxi.redis.command-timeout=300ms", "lingxi.events.consumer.block=1s")
			.withBean(RecordingHandler.class, () -> handler)
			.run((context) -> {
				// Idle, the consumer sits in 1 s blocking reads: longer than the 300 ms
				// command timeout.
				Thread.sleep(3000);
				publish(context, "after-quiet");
				await().atMost(WAIT).until(() -> handler.completed.get() == 1);
				assertThat(
						context.getBean(MeterRegistry.class).get("lingxi.events.consumer.reconnects").counter().count())
					.isZero();
			});
	}

	@Test
	void notificationsReachCurrentSubscribersOnly() {
		runner(infrastructure("notify"), "c1").run((context) -> {
			Notifications notifications = context.getBean(Notifications.class);
			List<RecordingHandler.Thing> received = new CopyOnWriteArrayList<>();
			Disposable subscription = notifications.subscribe("status", RecordingHandler.Thing.class)
				.subscribe(received::add);
			await().atMost(WAIT)
				.until(() -> notifications.publish("status", new RecordingHandler.Thing("ready", 1)).block() > 0);
			await().atMost(WAIT).until(() -> !received.isEmpty());
			assertThat(received.get(0)).isEqualTo(new RecordingHandler.Thing("ready", 1));
			subscription.dispose();
			await().atMost(WAIT)
				.until(() -> notifications.publish("status", new RecordingHandler.Thing("gone", 0)).block() == 0);
		});
	}

	private static long pending(ConfigurableApplicationContext context) {
		LingxiRedis redis = context.getBean(LingxiRedis.class);
		String stream = context.getBean(EventStreams.class).stream("test.thing");
		return redis.commands()
			.flatMap((r) -> r.xpending(stream, "events-test"))
			.map((summary) -> summary.getCount())
			.block();
	}

}
