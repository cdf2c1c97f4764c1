package com.lingxi.instance.kubernetes;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.ConfigPublished;
import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakePlatform;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live configuration change that meets a gateway failing (503 from the admin RPC, as
 * OpenClaw answers while still reloading) for longer than the client's own retries is not
 * lost: the user sees it as not applied yet, the previous configuration keeps serving,
 * and the change is applied once the gateway answers again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@IntegrationTest
@DirtiesContext
class KubernetesLiveConfigTests {

	static final MockClusterService service = new MockClusterService();

	static final GatewayStandIn gateways = service.gateways;

	static final FakePlatform platform = service.platform;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		service.register(registry);
		registry.add("lingxi.instances.pool.target", () -> "0");
	}

	@AfterAll
	static void stop() {
		service.close();
	}

	@Autowired
	Instances instances;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	@Autowired
	DatabaseClient db;

	@LocalServerPort
	int port;

	@Test
	void aChangeTheGatewayFailsToTakeIsAppliedWhenItAnswersAgain() {
		UUID user = Ids.uuidV7();
		platform.configure(user, 1, Bundles.bundle(List.of("assistant", "coder"), "v1"));
		WebClient.create("http://127.0.0.1:" + this.port)
			.post()
			.uri("/api/instance/create")
			.headers(TestTrust.asUser("instance-service", user, "free"))
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(90)).until(() -> {
			Instance mine = mine(user);
			return mine != null && mine.state() == InstanceState.READY
					&& Long.valueOf(1).equals(mine.appliedConfigVersion());
		});
		String instanceId = mine(user).id().toString();
		assertThat(gateways.agents(instanceId)).containsExactlyInAnyOrder("assistant", "coder");

		// Four failures outlast the client's own attempts (one and three retries).
		gateways.failingApplies.set(4);
		platform.configure(user, 2, Bundles.bundle(List.of("assistant", "coder", "ops"), "v2"));
		this.tx
			.transactional(this.events.publish(ConfigPublished.TOPIC, user,
					new ConfigPublished(user, 2, "sha-2", "test", Instant.now())))
			.block();

		await().atMost(Duration.ofSeconds(60))
			.until(() -> steps(mine(user)).stream()
				.anyMatch((step) -> step.startsWith("configuration v2 not applied yet")));
		await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(2).equals(mine(user).appliedConfigVersion()));

		Instance after = mine(user);
		assertThat(after.state()).isEqualTo(InstanceState.READY);
		assertThat(after.configError()).as("cleared once applied").isNull();
		assertThat(gateways.failingApplies).hasValue(0);
		assertThat(gateways.agents(instanceId)).containsExactlyInAnyOrder("assistant", "coder", "ops");
		List<String> steps = steps(after);
		assertThat(steps.indexOf("configuration v2 applied live"))
			.as("applied after it was reported as not applied yet")
			.isGreaterThan(steps.stream()
				.filter((step) -> step.startsWith("configuration v2 not applied yet"))
				.map(steps::indexOf)
				.findFirst()
				.orElseThrow());
		assertThat(steps).noneMatch((step) -> step.contains("refused"));
	}

	private Instance mine(UUID user) {
		return this.instances.byUser(user).block();
	}

	private List<String> steps(Instance instance) {
		return this.db.sql("SELECT step FROM instance_events WHERE instance_id = :id ORDER BY id")
			.bind("id", instance.id())
			.map((row, meta) -> row.get("step", String.class))
			.all()
			.collectList()
			.block();
	}

}
