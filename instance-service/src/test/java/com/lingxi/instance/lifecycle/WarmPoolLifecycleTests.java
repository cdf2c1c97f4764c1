package com.lingxi.instance.lifecycle;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.ConfigPublished;
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
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The life of a real OpenClaw gateway on the local runtime: it joins the warm pool warmed
 * up, becomes a new user's gateway without restarting, takes configuration changes live,
 * keeps the last good configuration when a bad one comes, and comes back when its process
 * is killed.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
@Import(LocalGatewayCleanup.class)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WarmPoolLifecycleTests {

	static final FakeModel model = new FakeModel();

	static final FakePlatform platform = new FakePlatform();

	static final UUID alice = Ids.uuidV7();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) throws Exception {
		LocalGateways.register(registry, platform, model, "warm", 21000);
		registry.add("lingxi.instances.local.memory-budget", () -> "3600MB");
		registry.add("lingxi.instances.pool.target", () -> "1");
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
	DatabaseClient db;

	@Autowired
	WebTestClient http;

	private Instance alicesInstance() {
		return this.instances.byUser(alice).block();
	}

	private Set<String> agents(Instance instance) {
		return this.gateways.agents(instance.endpoint(), this.secrets.gatewayToken(instance)).block();
	}

	private static long pid(Instance instance) {
		return Long.parseLong(instance.ref("pid"));
	}

	@Test
	@Order(1)
	void thePoolFillsWithAWarmedUpGateway() {
		await().atMost(Duration.ofSeconds(150))
			.until(() -> this.instances.inStates(Set.of(InstanceState.WARM))
				.filter(Instance::warmed)
				.hasElements()
				.block());
		Instance warm = this.instances.inStates(Set.of(InstanceState.WARM)).blockFirst();
		assertThat(warm.userId()).isNull();
		assertThat(this.gateways.ready(warm.endpoint()).block()).isTrue();
		assertThat(model.requests)
			.anySatisfy((request) -> assertThat(request.path("lingxi_agent").asString()).isEqualTo("assistant"));
		assertThat(platform.calls).anyMatch((call) -> call.startsWith("issue "));
	}

	@Test
	@Order(2)
	void aSignUpMakesTheWarmGatewayTheUsersWithoutARestart() {
		Instance warm = this.instances.inStates(Set.of(InstanceState.WARM)).blockFirst();
		platform.configure(alice, 1, Bundles.bundle(List.of("assistant", "coder"), "v1"));
		Instant signUp = Instant.now();
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, alice,
					new UserRegistered(alice, "free", "Alice", signUp)))
			.block();

		await().atMost(Duration.ofSeconds(30)).until(() -> {
			Instance mine = alicesInstance();
			return mine != null && mine.state() == InstanceState.READY;
		});
		Instance mine = alicesInstance();
		assertThat(mine.id()).isEqualTo(warm.id());
		assertThat(pid(mine)).as("same process: applied live").isEqualTo(pid(warm));
		assertThat(mine.appliedConfigVersion()).isEqualTo(1);
		assertThat(agents(mine)).contains("assistant", "coder");
		assertThat(Path.of(mine.ref("directory"), "home/.openclaw/workspaces/coder/SOUL.md")).content()
			.contains("SOUL of coder (v1)");
		assertThat(platform.keyOwners).containsEntry(mine.modelKeyId(), alice);

		this.http.get()
			.uri("/api/instance/status")
			.headers(TestTrust.asUser("instance-service", alice, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.state")
			.isEqualTo("READY")
			.jsonPath("$.health")
			.isEqualTo("ready")
			.jsonPath("$.appliedConfigVersion")
			.isEqualTo(1)
			.jsonPath("$.steps[?(@.step == 'state: READY')]")
			.exists();
		Long stateEvents = this.db.sql(
				"SELECT count(*) AS n FROM event_outbox WHERE topic = 'instance.state-changed' AND payload->>'userId' = :u")
			.bind("u", alice.toString())
			.map((row, meta) -> row.get("n", Long.class))
			.one()
			.block();
		assertThat(stateEvents).isGreaterThanOrEqualTo(2);
	}

	@Test
	@Order(3)
	void aNewConfigurationVersionIsAppliedLive() {
		long pidBefore = pid(alicesInstance());
		platform.configure(alice, 2, Bundles.bundle(List.of("assistant", "coder", "pm"), "v2"));
		publishConfig(2);
		await().atMost(Duration.ofSeconds(30))
			.until(() -> Long.valueOf(2).equals(alicesInstance().appliedConfigVersion()));
		Instance mine = alicesInstance();
		assertThat(pid(mine)).isEqualTo(pidBefore);
		assertThat(agents(mine)).contains("pm");
		assertThat(Path.of(mine.ref("directory"), "home/.openclaw/workspaces/coder/SOUL.md")).content()
			.contains("(v2)");
	}

	@Test
	@Order(4)
	void aConfigurationTheGatewayRefusesLeavesTheLastGoodOneServing() {
		platform.configure(alice, 3, Bundles.invalid(List.of("assistant", "coder", "pm", "ops")));
		publishConfig(3);
		await().atMost(Duration.ofSeconds(30)).until(() -> alicesInstance().configError() != null);
		Instance mine = alicesInstance();
		assertThat(mine.configError()).as("a refusal, not a failure to be tried again")
			.contains("refused")
			.doesNotStartWith(Lifecycle.NOT_APPLIED_YET);
		assertThat(mine.state()).isEqualTo(InstanceState.READY);
		assertThat(mine.appliedConfigVersion()).isEqualTo(2);
		assertThat(agents(mine)).contains("pm").doesNotContain("ops");
	}

	@Test
	@Order(5)
	void aKilledGatewayIsRestoredByTheReconciler() {
		Instance before = alicesInstance();
		ProcessHandle.of(pid(before)).ifPresent(ProcessHandle::destroyForcibly);
		await().atMost(Duration.ofSeconds(150)).until(() -> {
			Instance now = alicesInstance();
			return now.state() == InstanceState.READY && pid(now) != pid(before)
					&& Boolean.TRUE.equals(this.gateways.ready(now.endpoint()).block());
		});
		Instance after = alicesInstance();
		assertThat(after.restarts()).isGreaterThan(before.restarts());
		assertThat(agents(after)).contains("assistant", "coder", "pm");
	}

	@Test
	@Order(6)
	void anAssignmentInterruptedByARestartIsFinishedOnceNotTwice() {
		UUID dave = Ids.uuidV7();
		platform.configure(dave, 1, Bundles.bundle(List.of("assistant", "inventor"), "dave"));
		await().atMost(Duration.ofSeconds(150))
			.until(() -> this.instances.inStates(Set.of(InstanceState.WARM))
				.filter(Instance::warmed)
				.hasElements()
				.block());
		// What a stopped instance-service leaves behind: the warm gateway claimed for
		// dave in
		// a committed transaction, the sign-up event not yet acknowledged.
		Instance claimed = this.tx.transactional(this.instances.claimWarm(dave, "free")).block();
		assertThat(claimed.state()).isEqualTo(InstanceState.ASSIGNING);

		// The sign-up event is delivered again after the restart.
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, dave,
					new UserRegistered(dave, "free", "Dave", Instant.now())))
			.block();

		await().atMost(Duration.ofSeconds(30)).until(() -> {
			Instance his = this.instances.byUser(dave).block();
			return his != null && his.state() == InstanceState.READY;
		});
		Instance his = this.instances.byUser(dave).block();
		assertThat(his.id()).as("the claimed gateway, not a second one").isEqualTo(claimed.id());
		assertThat(pid(his)).as("personalised live").isEqualTo(pid(claimed));
		assertThat(agents(his)).contains("inventor");
		assertThat(platform.keyOwners).containsEntry(his.modelKeyId(), dave);
		Long assignedToDave = this.db
			.sql("SELECT count(*) AS n FROM instance_events WHERE user_id = :u AND step = 'state: READY'")
			.bind("u", dave)
			.map((row, meta) -> row.get("n", Long.class))
			.one()
			.block();
		assertThat(assignedToDave).as("made ready once").isEqualTo(1);
	}

	private void publishConfig(long version) {
		this.tx.transactional(this.events.publish(ConfigPublished.TOPIC, alice,
				new ConfigPublished(alice, version, "sha-" + version, "test", Instant.now())))
			.block();
	}

}
