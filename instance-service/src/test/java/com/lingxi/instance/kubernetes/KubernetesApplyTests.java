package com.lingxi.instance.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus.Phase;
import com.lingxi.instance.runtime.kubernetes.GatewayLabels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Creating is server-side apply, so it can be repeated: twice, or again by a restarted
 * instance-service, gives the same objects and no duplicates. Stopping (hibernation)
 * scales to 0 and keeps the state volume; starting again keeps the volume's files unless
 * new ones are given; deleting removes everything. Live files go through the file-sync
 * sidecar with the gateway's token, and an assigned gateway's objects get its user's
 * label without restarting its pod.
 */
class KubernetesApplyTests {

	MockCluster cluster;

	GatewayStandIn pods;

	RuntimeFixture fixture;

	@BeforeEach
	void start() {
		this.cluster = new MockCluster();
		this.pods = new GatewayStandIn(this.cluster.client(), RuntimeFixture.NAMESPACE);
		this.fixture = new RuntimeFixture(this.cluster,
				Map.of("lingxi.instances.kubernetes.endpoint-template", this.pods.gatewayTemplate(),
						"lingxi.instances.kubernetes.files-endpoint-template", this.pods.filesTemplate()));
	}

	@AfterEach
	void stop() {
		this.fixture.close();
		this.pods.close();
		this.cluster.close();
	}

	private KubernetesClient api() {
		return this.cluster.client();
	}

	private Deployment deployment(UUID id) {
		return api().apps().deployments().inNamespace(RuntimeFixture.NAMESPACE).withName(GatewayLabels.name(id)).get();
	}

	/** Every object of an instance, by kind. */
	private Map<String, List<String>> objectsOf(UUID id) {
		String label = GatewayLabels.INSTANCE_ID;
		String value = id.toString();
		String ns = RuntimeFixture.NAMESPACE;
		return Map.of("deployments",
				names(api().apps().deployments().inNamespace(ns).withLabel(label, value).list().getItems()), "secrets",
				names(api().secrets().inNamespace(ns).withLabel(label, value).list().getItems()), "volumes",
				names(api().persistentVolumeClaims().inNamespace(ns).withLabel(label, value).list().getItems()),
				"services", names(api().services().inNamespace(ns).withLabel(label, value).list().getItems()));
	}

	private static List<String> names(List<? extends HasMetadata> items) {
		return items.stream().map((item) -> item.getMetadata().getName()).sorted().toList();
	}

	@Test
	void creatingTwiceOrAfterARestartGivesTheSameObjects() {
		UUID id = Ids.uuidV7();
		InstanceSpec spec = this.fixture.spec(id, null, "gw_twice", RuntimeFixture.FREE, "warm");
		Placement first = this.fixture.runtime.create(spec).block();
		Map<String, List<String>> objects = objectsOf(id);
		String name = GatewayLabels.name(id);
		assertThat(objects).containsEntry("deployments", List.of(name))
			.containsEntry("secrets", List.of(name, name + "-seed"))
			.containsEntry("volumes", List.of(name))
			.containsEntry("services", List.of(name));
		assertThat(api().network().v1().networkPolicies().inNamespace(RuntimeFixture.NAMESPACE).list().getItems())
			.as("no policy of its own: the cluster's static policies select the gateway's pod")
			.isEmpty();
		String uid = deployment(id).getMetadata().getUid();
		Long generation = deployment(id).getMetadata().getGeneration();
		assertThat(generation).isPositive();

		Placement second = this.fixture.runtime.create(spec).block();
		assertThat(objectsOf(id)).isEqualTo(objects);
		assertThat(second).isEqualTo(first);

		// instance-service restarted: a new runtime adopts what exists.
		try (RuntimeFixture restarted = new RuntimeFixture(this.cluster, Map.of())) {
			Placement adopted = restarted.runtime.create(spec).block();
			assertThat(adopted.ref().path("uid").asString()).isEqualTo(uid);
		}
		assertThat(objectsOf(id)).isEqualTo(objects);
		assertThat(deployment(id).getMetadata().getUid()).isEqualTo(uid);
		assertThat(deployment(id).getSpec().getTemplate().getMetadata().getAnnotations())
			.as("the same seed does not restart the pod")
			.containsEntry(GatewayLabels.SEED_SHA256, first.ref().path("seedSha256").asString());
		assertThat(deployment(id).getMetadata().getGeneration()).as("re-applying the same template changes nothing")
			.isEqualTo(generation);
		assertThat(api().apps().deployments().inNamespace(RuntimeFixture.NAMESPACE).list().getItems()).hasSize(1);

		assertThat(this.cluster.writes()).as("every write is a server-side apply by instance-service")
			.allSatisfy((write) -> assertThat(write).startsWith("PATCH ")
				.contains("fieldManager=lingxi-instance-service&force=true")
				.contains("[application/apply-patch+yaml"));
	}

	@Test
	void stoppingKeepsTheStateVolumeAndStartingAgainKeepsItsFiles() {
		UUID id = Ids.uuidV7();
		Placement placement = this.fixture.runtime
			.create(this.fixture.spec(id, null, "gw_stop", RuntimeFixture.FREE, "warm"))
			.block();
		Instance instance = this.fixture.instance(id, null, null, "gw_stop", placement);
		String seed = placement.ref().path("seedSha256").asString();

		this.fixture.runtime.stop(instance).block();
		assertThat(deployment(id).getSpec().getReplicas()).isZero();
		assertThat(objectsOf(id).get("volumes")).as("hibernation keeps the state").hasSize(1);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.fixture.runtime.status(instance).block().phase() == Phase.STOPPED);
		assertThat(this.cluster.writes())
			.anySatisfy((write) -> assertThat(write).contains("fieldManager=lingxi-instance-service-scale&force=true"));

		this.fixture.runtime.start(instance, this.fixture.bare(id, null, "gw_stop", RuntimeFixture.FREE)).block();
		assertThat(deployment(id).getSpec().getReplicas()).isEqualTo(1);
		assertThat(deployment(id).getSpec().getTemplate().getMetadata().getAnnotations())
			.as("no files given: the pod starts from what its volume has")
			.containsEntry(GatewayLabels.SEED_SHA256, seed);

		// A fresh launch (after a refused configuration) brings new files: a new seed,
		// and so a new pod whose seed step copies them.
		Placement reseeded = this.fixture.runtime
			.start(instance, this.fixture.spec(id, null, "gw_stop", RuntimeFixture.FREE, "v2"))
			.block();
		String newSeed = reseeded.ref().path("seedSha256").asString();
		assertThat(newSeed).isNotEqualTo(seed);
		assertThat(deployment(id).getSpec().getTemplate().getMetadata().getAnnotations())
			.containsEntry(GatewayLabels.SEED_SHA256, newSeed);
		String seedSecret = api().secrets()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withName(GatewayLabels.seedName(id))
			.get()
			.getData()
			.get("sha256");
		assertThat(new String(java.util.Base64.getDecoder().decode(seedSecret))).isEqualTo(newSeed);
	}

	@Test
	void aPlanWithSmallerStorageNeverShrinksTheVolume() {
		UUID id = Ids.uuidV7();
		UUID user = Ids.uuidV7();
		Placement placement = this.fixture.runtime
			.create(this.fixture.spec(id, user, "gw_plan", RuntimeFixture.PRO, "pro"))
			.block();
		Instance instance = this.fixture.instance(id, user, "free", "gw_plan", placement);
		this.fixture.runtime.start(instance, this.fixture.bare(id, user, "gw_plan", RuntimeFixture.FREE)).block();
		assertThat(api().persistentVolumeClaims()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withName(GatewayLabels.name(id))
			.get()
			.getSpec()
			.getResources()
			.getRequests()
			.get("storage")
			.toString()).isEqualTo("10Gi");
		assertThat(deployment(id).getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
			.as("CPU and memory follow the plan at the next start")
			.containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("2Gi"));
		assertThat(deployment(id).getMetadata().getLabels()).containsEntry(GatewayLabels.PLAN, "free");
	}

	@Test
	void deletingRemovesEverything() {
		UUID id = Ids.uuidV7();
		UUID other = Ids.uuidV7();
		Placement placement = this.fixture.runtime
			.create(this.fixture.spec(id, null, "gw_delete", RuntimeFixture.FREE, "warm"))
			.block();
		this.fixture.runtime.create(this.fixture.spec(other, null, "gw_other", RuntimeFixture.FREE, "warm")).block();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.fixture.runtime.instanceIds().collectList().block().size() == 2);
		assertThat(this.fixture.runtime.instanceIds().collectList().block()).containsExactlyInAnyOrder(id.toString(),
				other.toString());

		Instance instance = this.fixture.instance(id, null, null, "gw_delete", placement);
		this.fixture.runtime.delete(instance).block();
		assertThat(objectsOf(id)).allSatisfy((kind, names) -> assertThat(names).as(kind).isEmpty());
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.fixture.runtime.status(instance).block().phase() == Phase.MISSING);
		assertThat(this.fixture.runtime.instanceIds().collectList().block()).containsExactly(other.toString());
		assertThat(objectsOf(other).get("deployments")).as("the other gateway is untouched").hasSize(1);
		this.fixture.runtime.delete(instance).block();
	}

	@Test
	void liveFilesGoThroughTheSidecarAndTheAssignedUserIsLabelled() {
		UUID id = Ids.uuidV7();
		Placement placement = this.fixture.runtime
			.create(this.fixture.spec(id, null, "gw_files", RuntimeFixture.FREE, "warm"))
			.block();
		Deployment pooled = deployment(id);
		UUID user = Ids.uuidV7();
		Instance assigned = this.fixture.instance(id, user, "pro", "gw_files", placement);

		List<GatewayFile> files = List.of(GatewayFile.text("workspaces/coder/SOUL.md", "# coder"),
				GatewayFile.text("workspaces/coder/USER.md", "# about you"));
		this.fixture.runtime.writeFiles(assigned, files).block();

		assertThat(this.pods.files.get(id.toString())).containsEntry("workspaces/coder/SOUL.md", "# coder")
			.containsEntry("workspaces/coder/USER.md", "# about you");
		assertThat(this.pods.unauthorized).hasValue(0);
		for (Map.Entry<String, List<String>> kind : objectsOf(id).entrySet()) {
			assertThat(kind.getValue()).as(kind.getKey()).isNotEmpty();
		}
		assertThat(api().apps()
			.deployments()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withLabel(GatewayLabels.USER_ID, user.toString())
			.list()
			.getItems()).hasSize(1);
		assertThat(api().persistentVolumeClaims()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withLabel(GatewayLabels.USER_ID, user.toString())
			.list()
			.getItems()).hasSize(1);
		assertThat(api().secrets()
			.inNamespace(RuntimeFixture.NAMESPACE)
			.withLabel(GatewayLabels.USER_ID, user.toString())
			.list()
			.getItems()).hasSize(2);
		assertThat(deployment(id).getMetadata().getLabels()).containsEntry(GatewayLabels.PLAN, "pro");
		assertThat(deployment(id).getSpec().getTemplate()).as("the warm pod keeps running: its template is unchanged")
			.isEqualTo(pooled.getSpec().getTemplate());

		Instance impostor = this.fixture.instance(id, user, "pro", "gw_wrong_token", placement);
		assertThatThrownBy(() -> this.fixture.runtime.writeFiles(impostor, files).block()).hasMessageContaining("401");
	}

	@Test
	void theSeedHasALimit() {
		UUID id = Ids.uuidV7();
		String big = "x".repeat(1024 * 1024);
		InstanceSpec spec = new InstanceSpec(id, null, null, "gw_big", "key", "http://billing:8086/v1",
				RuntimeFixture.FREE, List.of(GatewayFile.text("workspaces/a/MEMORY.md", big)));
		assertThatThrownBy(() -> this.fixture.runtime.create(spec).block()).hasMessageContaining("seed limit");
		assertThat(objectsOf(id).get("deployments")).isEmpty();
	}

}
