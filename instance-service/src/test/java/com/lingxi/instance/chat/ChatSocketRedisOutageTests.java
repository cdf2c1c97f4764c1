package com.lingxi.instance.chat;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient;

import com.lingxi.common.events.Notifications;
import com.lingxi.common.id.Ids;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.common.test.OwnRedis;
import com.lingxi.common.test.TestInfrastructure;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console's live channel while the Redis behind status updates is down and after it
 * comes back. Status updates here go through a Redis of the test's own (tickets stay on
 * the shared one), so that one can be down while a socket opens.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
@Import(ChatSocketRedisOutageTests.StatusRedis.class)
class ChatSocketRedisOutageTests {

	static final OwnRedis statusRedis = OwnRedis.onFreePort();

	static final JsonMapper json = JsonMapper.builder().build();

	static final LingxiRedis statusRedisClient = new LingxiRedis(
			RedisURI.create(statusRedis.host(), statusRedis.port()), TestInfrastructure.newRedisNamespace("status"),
			Duration.ofSeconds(2), Duration.ofSeconds(10));

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws Exception {
		registry.add("lingxi.instances.pool.target", () -> "0");
		registry.add("lingxi.instances.reconcile-interval", () -> "1h");
		String directory = Files.createTempDirectory("lingxi-instances-socket").toString();
		registry.add("lingxi.instances.local.directory", () -> directory);
	}

	@AfterAll
	static void stop() {
		statusRedisClient.destroy();
		statusRedis.stop();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	Notifications notifications;

	@LocalServerPort
	int port;

	private final List<Disposable> sockets = new CopyOnWriteArrayList<>();

	@Test
	void aSocketOpenedWhileRedisIsDownSaysSoKeepsWorkingAndLaterSocketsGetStatusOnceRedisIsBack() {
		UUID user = Ids.uuidV7();
		Socket first = open(user);

		await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(first.received).anySatisfy((message) -> {
			assertThat(message.path("type").asString()).isEqualTo("error");
			assertThat(message.path("problemType").asString()).endsWith("/status-unavailable");
			assertThat(message.path("detail").asString()).contains("Chat still works");
		}));
		first.send("{\"type\":\"ping\",\"ref\":\"p1\"}");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(first.received)
				.anySatisfy((message) -> assertThat(message.path("type").asString()).isEqualTo("pong")));

		statusRedis.start();
		Map<String, Object> ready = Map.of("instanceId", UUID.randomUUID().toString(), "state", "READY", "step",
				"ready in 1 ms");
		// The first socket's subscription comes back on its own.
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			publishQuietly(user, ready);
			return first.received.stream().anyMatch(this::isReadyStatus);
		});

		Socket second = open(user);
		await().atMost(Duration.ofSeconds(30)).until(() -> {
			publishQuietly(user, ready);
			return second.received.stream().anyMatch(this::isReadyStatus);
		});
		assertThat(second.received).noneSatisfy(
				(message) -> assertThat(message.path("problemType").asString()).endsWith("/status-unavailable"));
		this.sockets.forEach(Disposable::dispose);
	}

	private boolean isReadyStatus(JsonNode message) {
		return "status".equals(message.path("type").asString()) && "READY".equals(message.path("state").asString());
	}

	private void publishQuietly(UUID user, Map<String, Object> message) {
		this.notifications.publish(InstanceJournal.channel(user), message)
			.onErrorResume((ex) -> Mono.empty())
			.block(Duration.ofSeconds(5));
	}

	private Socket open(UUID user) {
		String ticket = this.http.post()
			.uri("/api/instance/ws-ticket")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.path("ticket")
			.asString();
		Socket socket = new Socket();
		// The upgrade arrives through the gateway, as an anonymous request carrying the
		// ticket.
		HttpHeaders upgrade = new HttpHeaders();
		TestTrust.anonymous("instance-service").accept(upgrade);
		this.sockets.add(new ReactorNettyWebSocketClient()
			.execute(URI.create("ws://127.0.0.1:" + this.port + "/api/instance/ws?ticket=" + ticket), upgrade,
					(session) -> Mono.when(session.send(socket.outbound.asFlux().map(session::textMessage)),
							session.receive()
								.map(WebSocketMessage::getPayloadAsText)
								.map(json::readTree)
								.doOnNext(socket.received::add)
								.then()))
			.subscribe(null, (ex) -> {
			}));
		return socket;
	}

	/** One client connection: what it received, and a way to send. */
	static final class Socket {

		final List<JsonNode> received = new CopyOnWriteArrayList<>();

		final Sinks.Many<String> outbound = Sinks.many().unicast().onBackpressureBuffer();

		void send(String text) {
			this.outbound.tryEmitNext(text);
		}

	}

	/** Notifications through a Redis of the test's own, down when the test starts. */
	@TestConfiguration(proxyBeanMethods = false)
	static class StatusRedis {

		@Bean
		Notifications notifications(JsonMapper json) {
			// Not a bean of its own: the service's LingxiRedis (tickets, events) stays
			// the
			// shared one.
			return new Notifications(statusRedisClient, json);
		}

	}

}
