package com.lingxi.instance.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus;
import com.lingxi.instance.runtime.RuntimeStatus.Phase;
import com.lingxi.instance.runtime.kubernetes.GatewayLabels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The runtime's view of a gateway follows the cluster through its watches: as the
 * Deployment and its pods change on the (mock) API server, {@code status()} changes with
 * them, and asking for it costs no request to the API server. A gateway that exits with
 * 78 (OpenClaw's "bad configuration") is reported with that exit code so the reconciler
 * records a configuration error instead of restarting it forever.
 */
class KubernetesInformerTests {

	MockCluster cluster;

	RuntimeFixture fixture;

	UUID id;

	Instance instance;

	@BeforeEach
	void createGateway() {
		this.cluster = new MockCluster();
		this.fixture = new RuntimeFixture(this.cluster, Map.of());
		this.id = Ids.uuidV7();
		Placement placement = this.fixture.runtime
			.create(this.fixture.spec(this.id, null, "gw_informer", RuntimeFixture.FREE, "warm"))
			.block();
		this.instance = this.fixture.instance(this.id, null, null, "gw_informer", placement);
	}

	@AfterEach
	void stop() {
		this.fixture.close();
		this.cluster.close();
	}

	private RuntimeStatus status() {
		return this.fixture.runtime.status(this.instance).block();
	}

	private void awaitPhase(Phase phase) {
		await().atMost(Duration.ofSeconds(10)).until(() -> status().phase() == phase);
	}

	@Test
	void statusFollowsTheDeploymentAndPodsWithoutAskingTheApiServer() {
		assertThat(this.fixture.informers.synced()).isTrue();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.fixture.informers.deployment(this.id)
				.map((deployment) -> deployment.getSpec().getReplicas() == 1)
				.orElse(false));
		assertThat(status()).isEqualTo(new RuntimeStatus(Phase.STARTING, null, "no pod yet"));

		int before = this.cluster.requestCount();
		for (int i = 0; i < 50; i++) {
			assertThat(status().phase()).isEqualTo(Phase.STARTING);
		}
		assertThat(this.cluster.requestCount()).as("status() reads the watch cache, it does not poll")
			.isEqualTo(before);

		// The kubelet reports a pod starting, then the Deployment controller an
		// available replica.
		this.cluster.client().pods().inNamespace(RuntimeFixture.NAMESPACE).resource(pod("starting")).create();
		awaitPhase(Phase.STARTING);
		deploymentStatus(1);
		awaitPhase(Phase.RUNNING);
		before = this.cluster.requestCount();
		assertThat(status()).isEqualTo(RuntimeStatus.of(Phase.RUNNING));
		assertThat(this.cluster.requestCount()).isEqualTo(before);
	}

	@Test
	void aGatewayThatRefusesItsConfigurationIsReportedWithExitCode78() {
		this.cluster.client()
			.pods()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.resource(pod("crashing", crashed("gateway", 78)))
			.create();
		await().atMost(Duration.ofSeconds(10)).until(() -> status().phase() == Phase.FAILED);
		RuntimeStatus status = status();
		assertThat(status.exitCode()).isEqualTo(78);
		assertThat(status.configError()).isTrue();
		assertThat(status.detail()).contains("gateway", "78");
	}

	@Test
	void aSeedStepWithNothingToStartFromIsAConfigurationErrorToo() {
		ContainerStatus seed = new ContainerStatusBuilder().withName("seed")
			.withReady(false)
			.withNewState()
			.withNewTerminated()
			.withExitCode(78)
			.withReason("Error")
			.endTerminated()
			.endState()
			.build();
		this.cluster.client()
			.pods()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.resource(podWithInit("seeding", seed))
			.create();
		await().atMost(Duration.ofSeconds(10)).until(() -> status().phase() == Phase.FAILED);
		assertThat(status().exitCode()).isEqualTo(78);
	}

	@Test
	void otherCrashesAndStuckRolloutsAreFailuresWithoutAConfigurationError() {
		this.cluster.client()
			.pods()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.resource(pod("crashing", crashed("gateway", 137)))
			.create();
		await().atMost(Duration.ofSeconds(10)).until(() -> status().phase() == Phase.FAILED);
		assertThat(status().exitCode()).isEqualTo(137);
		assertThat(status().configError()).isFalse();
		assertThat(status().detail()).contains("CrashLoopBackOff");

		this.cluster.client().pods().inNamespace(RuntimeFixture.NAMESPACE).withName("crashing").delete();
		awaitPhase(Phase.STARTING);
		this.cluster.client()
			.apps()
			.deployments()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withName(GatewayLabels.name(this.id))
			.editStatus((deployment) -> {
				deployment.setStatus(new DeploymentStatusBuilder().withReplicas(1)
					.withUnavailableReplicas(1)
					.withConditions(new DeploymentConditionBuilder().withType("Progressing")
						.withStatus("False")
						.withReason("ProgressDeadlineExceeded")
						.withMessage("ReplicaSet has timed out progressing.")
						.build())
					.build());
				return deployment;
			});
		awaitPhase(Phase.FAILED);
		assertThat(status().detail()).startsWith("ProgressDeadlineExceeded");
	}

	@Test
	void stoppedDeletedAndStartedAgainAsTheClusterSaysSo() {
		deploymentStatus(1);
		awaitPhase(Phase.RUNNING);
		this.fixture.runtime.stop(this.instance).block();
		awaitPhase(Phase.STOPPED);
		this.fixture.runtime.start(this.instance, this.fixture.bare(this.id, null, "gw_informer", RuntimeFixture.FREE))
			.block();
		awaitPhase(Phase.RUNNING);
		this.fixture.runtime.delete(this.instance).block();
		awaitPhase(Phase.MISSING);
		assertThat(this.fixture.runtime.instanceIds().collectList().block()).doesNotContain(this.id.toString());
	}

	@Test
	void stoppingWaitsUntilThePodIsGoneSoThatARestartIsOne() {
		ContainerStatus running = new ContainerStatusBuilder().withName("gateway")
			.withReady(true)
			.withStarted(true)
			.withNewState()
			.withNewRunning()
			.endRunning()
			.endState()
			.build();
		this.cluster.client().pods().inNamespace(RuntimeFixture.NAMESPACE).resource(pod("up", running)).create();
		awaitPhase(Phase.RUNNING);
		CompletableFuture<Void> stopped = this.fixture.runtime.stop(this.instance).toFuture();
		await().atMost(Duration.ofSeconds(10)).until(() -> status().phase() == Phase.STOPPED);
		await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !stopped.isDone());
		// The kubelet has stopped the container: the pod goes away.
		this.cluster.client().pods().inNamespace(RuntimeFixture.NAMESPACE).withName("up").delete();
		await().atMost(Duration.ofSeconds(10)).until(stopped::isDone);
		assertThat(stopped).isCompleted();
	}

	private void deploymentStatus(int available) {
		this.cluster.client()
			.apps()
			.deployments()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withName(GatewayLabels.name(this.id))
			.editStatus((deployment) -> {
				deployment.setStatus(new DeploymentStatusBuilder().withReplicas(1)
					.withReadyReplicas(available)
					.withAvailableReplicas(available)
					.build());
				return deployment;
			});
	}

	private static ContainerStatus crashed(String container, int exitCode) {
		return new ContainerStatusBuilder().withName(container)
			.withReady(false)
			.withStarted(false)
			.withRestartCount(3)
			.withNewState()
			.withNewWaiting()
			.withReason("CrashLoopBackOff")
			.withMessage("back-off 40s restarting failed container")
			.endWaiting()
			.endState()
			.withNewLastState()
			.withNewTerminated()
			.withExitCode(exitCode)
			.withReason("Error")
			.endTerminated()
			.endLastState()
			.build();
	}

	private Pod pod(String name, ContainerStatus... containers) {
		return new PodBuilder().withNewMetadata()
			.withName(name)
			.withNamespace(RuntimeFixture.NAMESPACE)
			.withLabels(GatewayLabels.podLabels(this.id))
			.endMetadata()
			.withNewStatus()
			.withPhase("Running")
			.withContainerStatuses(containers)
			.endStatus()
			.build();
	}

	private Pod podWithInit(String name, ContainerStatus init) {
		Pod pod = pod(name);
		pod.getStatus().setPhase("Pending");
		pod.getStatus().setInitContainerStatuses(List.of(init));
		return pod;
	}

}
