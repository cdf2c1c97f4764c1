package com.lingxi.instance.lifecycle;

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
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.FakePlatform;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.runtime.container.ContainerEngine;
import com.lingxi.instance.runtime.container.ContainerRuntimeProperties;
import com.lingxi.instance.runtime.container.TestGatewayNetwork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lifecycle on the container runtime, with real gateway containers on the tests'
 * gateway network (see {@code ContainerRuntimeTests}): the pool fills with a gateway that
 * was warmed up through the model proxy (so the one way out of its network works), a
 * sign-up makes it the user's without a new container, and a killed container is started
 * again by the reconciler with the user's agents intact.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
@Import(ContainerLifecycleTests.Cleanup.class)
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerLifecycleTests {

	static final String PREFIX = "lingxi-lifecycle-gw-";

	static final FakeModel model = new FakeModel("0.0.0.0", TestGatewayNetwork.PROXY_PORT, TestGatewayNetwork.HOST);

	static final FakePlatform platform = new FakePlatform();

	static final UUID alice = Ids.uuidV7();

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		TestGatewayNetwork.up();
		for (String service : List.of("billing-service", "config-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", platform::url);
		}
		registry.add("lingxi.instances.runtime", () -> "container");
		registry.add("lingxi.instances.container.engine",
				() -> System.getenv().getOrDefault("LINGXI_CONTAINER_ENGINE", "unix:///run/lingxi/podman.sock"));
		registry.add("lingxi.instances.container.image",
				() -> System.getenv().getOrDefault("LINGXI_GATEWAY_IMAGE", "localhost/lingxi/gateway:0.1.0-SNAPSHOT"));
		registry.add("lingxi.instances.container.network", () -> TestGatewayNetwork.NAME);
		registry.add("lingxi.instances.container.name-prefix", () -> PREFIX);
		registry.add("lingxi.instances.container.stop-timeout", () -> "10s");
		registry.add("lingxi.instances.model-base-url", model::baseUrl);
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
	ContainerEngine engine;

	private Instance alicesInstance() {
		return this.instances.byUser(alice).block();
	}

	private Set<String> agents(Instance instance) {
		return this.gateways.agents(instance.endpoint(), this.secrets.gatewayToken(instance)).block();
	}

	@Test
	@Order(1)
	void thePoolFillsWithAGatewayContainerWarmedUpThroughTheModelProxy() {
		await().atMost(Duration.ofSeconds(180))
			.until(() -> this.instances.inStates(Set.of(InstanceState.WARM))
				.filter(Instance::warmed)
				.hasElements()
				.block());
		Instance warm = this.instances.inStates(Set.of(InstanceState.WARM)).blockFirst();
		assertThat(warm.runtime()).isEqualTo("container");
		assertThat(warm.ref("container")).startsWith(PREFIX);
		assertThat(warm.endpoint()).startsWith("http://10.89.61.");
		assertThat(model.requests).as("the warm-up chat reached the model proxy from inside the container")
			.anySatisfy((request) -> assertThat(request.path("lingxi_agent").asString()).isEqualTo("assistant"));
	}

	@Test
	@Order(2)
	void aSignUpMakesTheWarmContainerTheUsersWithoutANewOne() {
		Instance warm = this.instances.inStates(Set.of(InstanceState.WARM)).blockFirst();
		platform.configure(alice, 1, Bundles.bundle(List.of("assistant", "coder"), "v1"));
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, alice,
					new UserRegistered(alice, "free", "Alice", Instant.now())))
			.block();
		await().atMost(Duration.ofSeconds(60)).until(() -> {
			Instance mine = alicesInstance();
			return mine != null && mine.state() == InstanceState.READY;
		});
		Instance mine = alicesInstance();
		assertThat(mine.id()).isEqualTo(warm.id());
		assertThat(mine.ref("id")).as("the same container: applied live").isEqualTo(warm.ref("id"));
		assertThat(agents(mine)).contains("assistant", "coder");
		assertThat(platform.keyOwners).containsEntry(mine.modelKeyId(), alice);
	}

	@Test
	@Order(3)
	void aKilledContainerIsStartedAgainByTheReconciler() {
		Instance before = alicesInstance();
		this.engine.kill(before.ref("container"), "KILL").block();
		await().atMost(Duration.ofSeconds(180)).until(() -> {
			Instance now = alicesInstance();
			return now.state() == InstanceState.READY && now.restarts() > before.restarts()
					&& Boolean.TRUE.equals(this.gateways.ready(now.endpoint()).block());
		});
		Instance after = alicesInstance();
		assertThat(after.ref("id")).as("the same container, started again").isEqualTo(before.ref("id"));
		assertThat(agents(after)).contains("assistant", "coder");
	}

	/**
	 * Removes the test's containers and volumes when its context closes, after the
	 * launcher and reconciler have stopped.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Cleanup {

		@Bean
		DisposableBean removeTestContainers(ContainerEngine engine, ContainerRuntimeProperties properties) {
			return () -> {
				for (JsonNode container : engine.containers("cloud.lingxi.managed-by", "instance-service")
					.collectList()
					.block()) {
					String name = container.path("Names").path(0).asString("").replaceFirst("^/", "");
					if (name.startsWith(properties.namePrefix())) {
						engine.remove(name).then(engine.removeVolume(name)).block();
					}
				}
			};
		}

	}

}
