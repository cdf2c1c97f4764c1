package com.lingxi.instance.lifecycle;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.FakePlatform;
import com.lingxi.instance.LocalGatewayCleanup;
import com.lingxi.instance.LocalGateways;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.RuntimeStatus;
import com.lingxi.instance.runtime.local.LocalRuntime;
import com.lingxi.instance.runtime.local.LocalRuntimeProperties;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A machine with room for one gateway and no warm pool: the first user's gateway starts
 * cold, the next user waits in a visible queue, deleting an instance removes everything
 * and serves the queue, a restarted instance-service adopts the running gateway instead
 * of starting another, and a gateway that refuses its configuration at start (exit 78) is
 * an error with the reason.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
@Import(LocalGatewayCleanup.class)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ColdStartQueueAndDeletionTests {

	static final FakeModel model = new FakeModel();

	static final FakePlatform platform = new FakePlatform();

	static final UUID alice = Ids.uuidV7();

	static final UUID bob = Ids.uuidV7();

	static final UUID carol = Ids.uuidV7();

	static Instance alicesFormer;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws Exception {
		LocalGateways.register(registry, platform, model, "cold", 25000);
		// Room for exactly one gateway.
		registry.add("lingxi.instances.local.memory-budget", () -> "1200MB");
		registry.add("lingxi.instances.pool.target", () -> "0");
		registry.add("lingxi.instances.reconcile-interval", () -> "1s");
	}

	@AfterAll
	static void stop() {
		model.stop();
		platform.stop();
	}

	@Autowired
	Instances instances;

	@Autowired
	GatewayClient gateways;

	@Autowired
	InstanceSecrets secrets;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	@Autowired
	WebTestClient http;

	@Autowired
	LocalRuntimeProperties localProperties;

	@Autowired
	InstanceProperties properties;

	@Test
	@Order(1)
	void withoutAWarmGatewayTheFirstUsersGatewayStartsCold() {
		platform.configure(alice, 1, Bundles.bundle(List.of("assistant", "ops"), "alice"));
		signUp(alice);
		awaitState(alice, InstanceState.READY, Duration.ofSeconds(180));
		Instance mine = this.instances.byUser(alice).block();
		assertThat(this.gateways.agents(mine.endpoint(), this.secrets.gatewayToken(mine)).block()).contains("ops");
		assertThat(mine.appliedConfigVersion()).isEqualTo(1);
		status(alice).jsonPath("$.steps[*].detail")
			.value((details) -> assertThat(details.toString()).contains("no warm gateway free"));
	}

	@Test
	@Order(2)
	void theNextUserWaitsInAVisibleQueue() {
		platform.configure(bob, 1, Bundles.bundle(List.of("assistant"), "bob"));
		signUp(bob);
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(
					() -> status(bob).jsonPath("$.state").isEqualTo("QUEUED").jsonPath("$.queuePosition").isEqualTo(1));
		// Asking again changes nothing: still one place in the queue.
		this.http.post()
			.uri("/api/instance/create")
			.headers(TestTrust.asUser("instance-service", bob, "free"))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("QUEUED")
			.jsonPath("$.queuePosition")
			.isEqualTo(1);
	}

	@Test
	@Order(3)
	void aRestartedInstanceServiceAdoptsTheRunningGateway() {
		Instance mine = this.instances.byUser(alice).block();
		// A new runtime knows nothing of the processes the old one started, as after a
		// restart of instance-service.
		LocalRuntime restarted = new LocalRuntime(this.localProperties);
		assertThat(restarted.status(mine).block().phase()).isEqualTo(RuntimeStatus.Phase.RUNNING);
		InstanceSpec spec = new InstanceSpec(mine.id(), alice, "free", this.secrets.gatewayToken(mine),
				this.secrets.modelKey(mine), this.properties.modelBaseUrl(), this.properties.resources("free"),
				List.of());
		String pid = restarted.start(mine, spec).block().ref().path("pid").asString();
		assertThat(pid).as("adopted, not started again").isEqualTo(mine.ref("pid"));
		assertThat(restarted.instanceIds().collectList().block()).containsExactly(mine.id().toString());
	}

	@Test
	@Order(4)
	void deletingAnInstanceRemovesEverythingAndServesTheQueue() {
		alicesFormer = this.instances.byUser(alice).block();
		this.http.delete()
			.uri("/api/instance/delete")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isAccepted()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("DELETING");

		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> this.http.get()
				.uri("/api/instance/status")
				.headers(TestTrust.asUser("instance-service", alice, "free"))
				.exchange()
				.expectStatus()
				.isNotFound());
		assertThat(ProcessHandle.of(Long.parseLong(alicesFormer.ref("pid"))).filter(ProcessHandle::isAlive)).isEmpty();
		assertThat(Path.of(alicesFormer.ref("directory"))).doesNotExist();
		assertThat(platform.revoked).contains(alicesFormer.modelKeyId());

		// The freed room goes to the user who was waiting.
		awaitState(bob, InstanceState.READY, Duration.ofSeconds(180));
		assertThat(this.instances.byUser(bob).block().id()).isNotEqualTo(alicesFormer.id());
	}

	@Test
	@Order(5)
	void aGatewayThatRefusesItsConfigurationAtStartIsAnErrorWithTheReason() {
		this.http.delete()
			.uri("/api/instance/delete")
			.headers(TestTrust.asUser("instance-service", bob, "free"))
			.exchange()
			.expectStatus()
			.isAccepted();
		platform.configure(carol, 1, Bundles.invalid(List.of("assistant")));
		signUp(carol);
		awaitState(carol, InstanceState.ERROR, Duration.ofSeconds(180));
		Instance hers = this.instances.byUser(carol).block();
		assertThat(hers.error()).contains("refused its configuration (exit 78)");
		// A configuration error is not retried blindly: it stays an error until fixed.
		await().during(Duration.ofSeconds(4))
			.atMost(Duration.ofSeconds(6))
			.until(() -> this.instances.byUser(carol).block().state() == InstanceState.ERROR);
		status(carol).jsonPath("$.state")
			.isEqualTo("ERROR")
			.jsonPath("$.error")
			.value((error) -> assertThat(error.toString()).contains("exit 78"));
		assertThat(Map.of("instances", this.instances.inStates(Set.of(InstanceState.READY)).count().block()))
			.containsEntry("instances", 0L);
	}

	private void signUp(UUID user) {
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, user,
					new UserRegistered(user, "free", "user", Instant.now())))
			.block();
	}

	private void awaitState(UUID user, InstanceState state, Duration within) {
		await().atMost(within).until(() -> {
			Instance instance = this.instances.byUser(user).block();
			return instance != null && instance.state() == state;
		});
	}

	private WebTestClient.BodyContentSpec status(UUID user) {
		return this.http.get()
			.uri("/api/instance/status")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody();
	}

}
