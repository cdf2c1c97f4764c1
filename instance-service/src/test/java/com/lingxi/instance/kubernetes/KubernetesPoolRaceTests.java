package com.lingxi.instance.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakePlatform;
import com.lingxi.instance.lifecycle.Capacity;
import com.lingxi.instance.lifecycle.LeaderLatch;
import com.lingxi.instance.lifecycle.Worker;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.kubernetes.GatewayLabels;
import com.lingxi.instance.runtime.kubernetes.KubernetesRuntime;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fifty people sign up at the same moment while ten warm gateways wait in the pool, on
 * the Kubernetes runtime: every one of them gets exactly one gateway of their own, no
 * gateway goes to two people, the ten warm ones go to ten of them (personalised live) and
 * the forty others are started cold.
 *
 * <p>
 * instance-service runs whole, against real PostgreSQL and Redis, with its Kubernetes
 * client pointed at fabric8's mock API server (CRUD mode, see {@link MockCluster}): the
 * runtime's Deployments, Secrets, volumes, Services and NetworkPolicies are really
 * written, watched and labelled there. Pods, however, do not run on a mock server, so
 * nothing would answer at a gateway's address: one local HTTP server
 * ({@link GatewayStandIn}) stands in for all the gateways and their file-sync sidecars,
 * each instance under its own path (the runtime's endpoint templates point there), with
 * its own token (read from its Secret), agents (from its seed, then from
 * {@code config.apply}) and files. Billing and configuration are the usual stand-ins
 * ({@link FakePlatform}).
 *
 * <p>
 * The pool is filled once and not refilled during the burst (refill interval of an hour),
 * so that "ten warm, forty cold" is exact: the worker is restarted once the leader lock
 * is held, because its first refill tick (200 ms after start) would be skipped if the
 * lock came later.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@IntegrationTest
@DirtiesContext
class KubernetesPoolRaceTests {

	static final int POOL = 10;

	static final int USERS = 50;

	/**
	 * Seeds the id generator here: its first use reads /dev/urandom, which BlockHound
	 * refuses on the reactor thread where the pool would otherwise first use it.
	 */
	static final UUID firstId = Ids.uuidV7();

	static final MockClusterService service = new MockClusterService();

	static final MockCluster cluster = service.cluster;

	static final GatewayStandIn gateways = service.gateways;

	static final FakePlatform platform = service.platform;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		service.register(registry);
		registry.add("lingxi.instances.kubernetes.max-instances", () -> "100");
		registry.add("lingxi.instances.pool.target", () -> Integer.toString(POOL));
		registry.add("lingxi.instances.pool.max-concurrent-starts", () -> "10");
		registry.add("lingxi.instances.pool.refill-interval", () -> "1h");
		registry.add("lingxi.instances.reconcile-interval", () -> "3s");
	}

	@AfterAll
	static void stop() {
		service.close();
	}

	@Autowired
	InstanceRuntime runtime;

	@Autowired
	Instances instances;

	@Autowired
	DatabaseClient db;

	@Autowired
	LeaderLatch leader;

	@Autowired
	Worker worker;

	@Autowired
	Capacity capacity;

	@LocalServerPort
	int port;

	@Test
	void fiftyConcurrentSignUpsGetFiftyDistinctGateways() {
		assertThat(this.runtime).isInstanceOf(KubernetesRuntime.class);
		assertThat(this.capacity.max()).isEqualTo(100);
		await().atMost(Duration.ofSeconds(20)).until(this.leader::isLeader);
		this.worker.stop();
		this.worker.start();

		await().atMost(Duration.ofSeconds(60))
			.until(() -> this.instances.inStates(Set.of(InstanceState.WARM)).filter(Instance::warmed).count().block(),
					(warm) -> warm == POOL);
		Set<UUID> warm = new HashSet<>(
				this.instances.inStates(Set.of(InstanceState.WARM)).map(Instance::id).collectList().block());
		assertThat(gateways.chatted).as("each pooled gateway was warmed up with a chat").hasSize(POOL);

		List<UUID> users = new ArrayList<>();
		for (int i = 0; i < USERS; i++) {
			UUID user = Ids.uuidV7();
			users.add(user);
			platform.configure(user, 1, Bundles.bundle(List.of("assistant", "coder", "pm"), "user " + i));
		}

		WebClient http = WebClient.create("http://127.0.0.1:" + this.port);
		List<ResponseEntity<String>> answers = Flux.fromIterable(users)
			.flatMap((user) -> http.post()
				.uri("/api/instance/create")
				.headers(TestTrust.asUser("instance-service", user, "free"))
				.retrieve()
				.toEntity(String.class), USERS)
			.collectList()
			.block(Duration.ofSeconds(90));
		assertThat(answers).hasSize(USERS);
		assertThat(answers).filteredOn((answer) -> answer.getStatusCode().value() == 200)
			.as("claimed warm gateways are ready when the call returns")
			.hasSize(POOL)
			.allSatisfy((answer) -> assertThat(answer.getBody()).contains("\"state\":\"READY\""));
		assertThat(answers).filteredOn((answer) -> answer.getStatusCode().value() == 202)
			.as("the others are being started")
			.hasSize(USERS - POOL);

		await().atMost(Duration.ofSeconds(90))
			.until(() -> users.stream()
				.map((user) -> this.instances.byUser(user).block())
				.allMatch((mine) -> mine != null && mine.state() == InstanceState.READY));

		Map<UUID, Instance> byUser = new HashMap<>();
		for (UUID user : users) {
			byUser.put(user, this.instances.byUser(user).block());
		}
		Set<UUID> ids = new HashSet<>();
		byUser.values().forEach((instance) -> ids.add(instance.id()));
		assertThat(ids).as("fifty distinct gateways").hasSize(USERS);
		Long assigned = this.db.sql("SELECT count(*) AS n FROM instances WHERE user_id IS NOT NULL")
			.map((row, meta) -> row.get("n", Long.class))
			.one()
			.block();
		assertThat(assigned).as("no user with two gateways, no gateway with two users").isEqualTo((long) USERS);

		Set<UUID> claimedWarm = new HashSet<>();
		Set<UUID> startedCold = new HashSet<>();
		for (Instance instance : byUser.values()) {
			List<String> details = this.db
				.sql("SELECT coalesce(detail, '') AS detail FROM instance_events WHERE instance_id = :id ORDER BY id")
				.bind("id", instance.id())
				.map((row, meta) -> row.get("detail", String.class))
				.all()
				.collectList()
				.block();
			if (details.stream().anyMatch((detail) -> detail.startsWith("claimed from the warm pool"))) {
				claimedWarm.add(instance.id());
			}
			if (details.stream().anyMatch((detail) -> detail.startsWith("no warm gateway free"))) {
				startedCold.add(instance.id());
			}
		}
		assertThat(claimedWarm).as("the ten pooled gateways, each claimed once").isEqualTo(warm);
		assertThat(startedCold).as("everyone else took the cold path")
			.hasSize(USERS - POOL)
			.doesNotContainAnyElementsOf(warm);

		List<Deployment> deployments = cluster.client()
			.apps()
			.deployments()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withLabel(GatewayLabels.MANAGED_BY, GatewayLabels.MANAGER)
			.list()
			.getItems();
		assertThat(deployments).hasSize(USERS);
		for (Map.Entry<UUID, Instance> mine : byUser.entrySet()) {
			String user = mine.getKey().toString();
			String instance = mine.getValue().id().toString();
			assertThat(deployments).as("the Deployment of user " + user)
				.filteredOn(
						(deployment) -> user.equals(deployment.getMetadata().getLabels().get(GatewayLabels.USER_ID)))
				.singleElement()
				.satisfies((deployment) -> assertThat(deployment.getMetadata().getLabels())
					.containsEntry(GatewayLabels.INSTANCE_ID, instance));
			assertThat(gateways.agents(instance)).as("user " + user + "'s team runs on their gateway")
				.containsExactlyInAnyOrder("assistant", "coder", "pm");
		}
		for (UUID id : warm) {
			assertThat(gateways.files.get(id.toString())).as("personalised through the file-sync sidecar")
				.containsKey("workspaces/coder/SOUL.md");
		}
		assertThat(gateways.unauthorized).as("every call carried the instance's own token").hasValue(0);
	}

}
