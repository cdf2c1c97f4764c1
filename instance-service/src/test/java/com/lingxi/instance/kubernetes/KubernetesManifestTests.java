package com.lingxi.instance.kubernetes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the Kubernetes runtime creates for one gateway, read back from the (mock) API
 * server: the Deployment and the objects it owns, every security setting of the pod,
 * credentials that reach the gateway as environment variables only, probes on the
 * gateway's real health paths, resources of the plan, labels an SRE selects by, and a pod
 * that the cluster's static NetworkPolicies ({@code k8s/instance-runtime}) select, with
 * exactly the ports they let instance-service reach (the runtime writes no policy of its
 * own).
 */
class KubernetesManifestTests {

	static MockCluster cluster;

	static RuntimeFixture fixture;

	static final UUID instanceId = Ids.uuidV7();

	static final UUID userId = Ids.uuidV7();

	static final String token = "gw_manifest_token_0123456789";

	static InstanceSpec spec;

	static Placement placement;

	@BeforeAll
	static void createOneGateway() {
		cluster = new MockCluster();
		fixture = new RuntimeFixture(cluster,
				Map.of("lingxi.instances.kubernetes.storage-class", "fast-ssd", "lingxi.instances.kubernetes.image",
						"registry.example/openclaw-gateway:2026.9.6",
						"lingxi.instances.kubernetes.image-pull-secrets[0]", "registry-login"));
		spec = fixture.spec(instanceId, userId, token, RuntimeFixture.PRO, "v1");
		placement = fixture.runtime.create(spec).block();
	}

	@AfterAll
	static void stop() {
		fixture.close();
		cluster.close();
	}

	private static KubernetesClient api() {
		return cluster.client();
	}

	private static String name() {
		return "oc-" + instanceId;
	}

	private static Deployment deployment() {
		return api().apps().deployments().inNamespace(RuntimeFixture.NAMESPACE).withName(name()).get();
	}

	private static PodSpec pod() {
		return deployment().getSpec().getTemplate().getSpec();
	}

	private static Container container(String name) {
		List<Container> all = new ArrayList<>(pod().getInitContainers());
		all.addAll(pod().getContainers());
		return all.stream().filter((container) -> container.getName().equals(name)).findFirst().orElseThrow();
	}

	private static List<Container> allContainers() {
		List<Container> all = new ArrayList<>(pod().getInitContainers());
		all.addAll(pod().getContainers());
		return all;
	}

	@Test
	void oneDeploymentWithOneReplicaRecreatedNotRolled() {
		Deployment deployment = deployment();
		assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
		assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("Recreate");
		assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsEntry("lingxi.cloud/instance-id",
				instanceId.toString());
		assertThat(pod().getContainers()).extracting(Container::getName).containsExactly("gateway", "file-sync");
		assertThat(pod().getInitContainers()).extracting(Container::getName).containsExactly("seed");
		assertThat(allContainers()).allSatisfy((container) -> {
			assertThat(container.getImage()).isEqualTo("registry.example/openclaw-gateway:2026.9.6");
			assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
		});
		assertThat(pod().getImagePullSecrets()).extracting("name").containsExactly("registry-login");
		assertThat(placement.endpoint()).isEqualTo("http://" + name() + ".lingxi-instances.svc:18789");
		assertThat(placement.ref().path("uid").asString()).isEqualTo(deployment.getMetadata().getUid());
	}

	@Test
	void labelsFindEverythingOfAnInstanceAndOfAUser() {
		String byInstance = "lingxi.cloud/instance-id=" + instanceId;
		String byUser = "lingxi.cloud/user-id=" + userId;
		String managed = "app.kubernetes.io/managed-by=lingxi-instance-service";
		for (String selector : List.of(byInstance, byUser, managed)) {
			String[] label = selector.split("=");
			assertThat(api().apps()
				.deployments()
				.inNamespace(RuntimeFixture.NAMESPACE)
				.withLabel(label[0], label[1])
				.list()
				.getItems()).hasSize(1);
			assertThat(api().secrets()
				.inNamespace(RuntimeFixture.NAMESPACE)
				.withLabel(label[0], label[1])
				.list()
				.getItems()).extracting((secret) -> secret.getMetadata().getName())
				.containsExactlyInAnyOrder(name(), name() + "-seed");
			assertThat(api().persistentVolumeClaims()
				.inNamespace(RuntimeFixture.NAMESPACE)
				.withLabel(label[0], label[1])
				.list()
				.getItems()).hasSize(1);
			assertThat(api().services()
				.inNamespace(RuntimeFixture.NAMESPACE)
				.withLabel(label[0], label[1])
				.list()
				.getItems()).hasSize(1);
		}
		assertThat(deployment().getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "openclaw-gateway");
		Map<String, String> podLabels = deployment().getSpec().getTemplate().getMetadata().getLabels();
		assertThat(podLabels).containsEntry("lingxi.cloud/instance-id", instanceId.toString())
			.containsEntry("app.kubernetes.io/managed-by", "lingxi-instance-service")
			.as("a pod label change would restart a warm gateway as it is assigned")
			.doesNotContainKey("lingxi.cloud/user-id");
	}

	@Test
	void everythingElseIsOwnedByTheDeployment() {
		String uid = deployment().getMetadata().getUid();
		assertThat(uid).isNotBlank();
		List<List<OwnerReference>> owners = List.of(credentials().getMetadata().getOwnerReferences(),
				seed().getMetadata().getOwnerReferences(), volume().getMetadata().getOwnerReferences(),
				service().getMetadata().getOwnerReferences());
		assertThat(owners).allSatisfy((references) -> assertThat(references).singleElement().satisfies((owner) -> {
			assertThat(owner.getKind()).isEqualTo("Deployment");
			assertThat(owner.getApiVersion()).isEqualTo("apps/v1");
			assertThat(owner.getName()).isEqualTo(name());
			assertThat(owner.getUid()).isEqualTo(uid);
			assertThat(owner.getController()).isTrue();
			assertThat(owner.getBlockOwnerDeletion()).isTrue();
		}));
	}

	@Test
	void thePodRunsAsAnUnprivilegedUserOnAReadOnlyRoot() {
		PodSpec pod = pod();
		PodSecurityContext security = pod.getSecurityContext();
		assertThat(security.getRunAsNonRoot()).isTrue();
		assertThat(security.getRunAsUser()).isEqualTo(1000L);
		assertThat(security.getRunAsGroup()).isEqualTo(1000L);
		assertThat(security.getFsGroup()).isEqualTo(1000L);
		assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
		assertThat(pod.getAutomountServiceAccountToken()).isFalse();
		assertThat(pod.getEnableServiceLinks()).as("no environment describing the other gateways' services").isFalse();
		assertThat(pod.getHostNetwork()).isFalse();
		assertThat(pod.getHostPID()).isFalse();
		assertThat(pod.getHostIPC()).isFalse();
		assertThat(pod.getVolumes()).as("only volume types the restricted Pod Security profile allows")
			.allSatisfy((volume) -> assertThat(List.of(volume.getPersistentVolumeClaim() != null,
					volume.getEmptyDir() != null, volume.getSecret() != null))
				.containsOnlyOnce(true));
		assertThat(allContainers()).hasSize(3).allSatisfy((container) -> {
			assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
			assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
			assertThat(container.getSecurityContext().getPrivileged()).isFalse();
			assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
			assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
			assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
			assertThat(container.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
			assertThat(container.getVolumeMounts()).as("a writable /tmp on the read-only root").anySatisfy((mount) -> {
				assertThat(mount.getMountPath()).isEqualTo("/tmp");
				assertThat(volume(mount.getName()).getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("1Gi"));
			});
			assertThat(container.getPorts()).noneMatch((port) -> port.getHostPort() != null);
		});
	}

	@Test
	void theGatewayRunsLikeALocalOneButOnThePodNetwork() {
		Container gateway = container("gateway");
		assertThat(gateway.getCommand()).containsExactly("node", "/opt/openclaw/node_modules/openclaw/openclaw.mjs",
				"gateway", "run", "--port", "18789", "--bind", "lan");
		Map<String, String> values = new java.util.HashMap<>();
		for (EnvVar env : gateway.getEnv()) {
			values.put(env.getName(), env.getValue());
		}
		assertThat(values).containsEntry("OPENCLAW_STATE_DIR", "/data/home/.openclaw")
			.containsEntry("OPENCLAW_CONFIG_PATH", "/data/home/.openclaw/openclaw.json")
			.containsEntry("HOME", "/data/home")
			.containsEntry("TMPDIR", "/tmp")
			.containsEntry("LINGXI_MODEL_BASE_URL", "http://billing:8086/v1")
			.containsEntry("OPENCLAW_DISABLE_BONJOUR", "1")
			.containsEntry("OPENCLAW_NO_RESPAWN", "1")
			.containsEntry("OPENCLAW_NO_AUTO_UPDATE", "1")
			.containsEntry("OPENCLAW_OFFLINE", "1")
			.containsKeys("OPENCLAW_GATEWAY_TOKEN", "LINGXI_MODEL_KEY");
		assertThat(gateway.getVolumeMounts()).anySatisfy((mount) -> {
			assertThat(mount.getMountPath()).isEqualTo("/data");
			assertThat(volume(mount.getName()).getPersistentVolumeClaim().getClaimName()).isEqualTo(name());
		});
	}

	@Test
	void credentialsReachTheContainersAsEnvironmentVariablesOnly() {
		Secret credentials = credentials();
		assertThat(decode(credentials.getData().get("gateway-token"))).isEqualTo(token);
		assertThat(decode(credentials.getData().get("model-key"))).isEqualTo("lx-key-" + instanceId);
		Map<String, String> refs = new java.util.HashMap<>();
		for (Container container : allContainers()) {
			for (EnvVar env : container.getEnv()) {
				assertThat(env.getValue()).as("no secret value inline in the pod spec")
					.isNotEqualTo(token)
					.isNotEqualTo("lx-key-" + instanceId);
				if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
					assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo(name());
					refs.put(container.getName() + "/" + env.getName(), env.getValueFrom().getSecretKeyRef().getKey());
				}
			}
		}
		assertThat(refs).containsOnly(Map.entry("gateway/OPENCLAW_GATEWAY_TOKEN", "gateway-token"),
				Map.entry("gateway/LINGXI_MODEL_KEY", "model-key"),
				Map.entry("file-sync/OPENCLAW_GATEWAY_TOKEN", "gateway-token"));
		assertThat(pod().getVolumes()).as("the credentials Secret is never mounted as files")
			.noneMatch((volume) -> volume.getSecret() != null && volume.getSecret().getSecretName().equals(name()));
	}

	@Test
	void theInitialFilesTravelInASeedThatOnlyTheSeedStepMounts() {
		Secret seed = seed();
		JsonNode files = JsonMapper.builder().build().readTree(decode(seed.getData().get("files.json")));
		assertThat(files).extracting((file) -> file.path("path").asString())
			.contains("workspaces/assistant/SOUL.md", "openclaw.json")
			.last()
			.isEqualTo("openclaw.json");
		String sha = decode(seed.getData().get("sha256"));
		assertThat(deployment().getSpec().getTemplate().getMetadata().getAnnotations())
			.containsEntry("lingxi.cloud/seed-sha256", sha);
		Volume seedVolume = pod().getVolumes()
			.stream()
			.filter((volume) -> volume.getSecret() != null)
			.findFirst()
			.orElseThrow();
		assertThat(seedVolume.getSecret().getSecretName()).isEqualTo(name() + "-seed");
		assertThat(seedVolume.getSecret().getOptional()).isTrue();
		for (Container container : allContainers()) {
			boolean mounted = container.getVolumeMounts()
				.stream()
				.map(VolumeMount::getName)
				.anyMatch(seedVolume.getName()::equals);
			assertThat(mounted).as(container.getName()).isEqualTo(container.getName().equals("seed"));
		}
		assertThat(container("seed").getCommand()).containsExactly("node", "/opt/lingxi/lingxi-files.mjs", "seed");
		assertThat(container("file-sync").getCommand()).containsExactly("node", "/opt/lingxi/lingxi-files.mjs",
				"serve");
	}

	@Test
	void probesUseTheGatewaysOwnHealthPaths() {
		Container gateway = container("gateway");
		assertThat(gateway.getStartupProbe().getHttpGet().getPath()).isEqualTo("/startupz");
		assertThat(gateway.getStartupProbe().getPeriodSeconds() * gateway.getStartupProbe().getFailureThreshold())
			.as("the start-up budget")
			.isEqualTo(180);
		assertThat(gateway.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
		assertThat(gateway.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
		assertThat(List.of(gateway.getStartupProbe(), gateway.getReadinessProbe(), gateway.getLivenessProbe()))
			.allSatisfy((probe) -> assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("gateway"));
		assertThat(container("file-sync").getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
	}

	@Test
	void resourcesComeFromThePlan() {
		Container gateway = container("gateway");
		assertThat(gateway.getResources().getRequests()).containsEntry("cpu", new Quantity("500m"))
			.containsEntry("memory", new Quantity("2Gi"));
		assertThat(gateway.getResources().getLimits()).containsEntry("cpu", new Quantity("2"))
			.containsEntry("memory", new Quantity("4Gi"));
		PersistentVolumeClaim volume = volume();
		assertThat(volume.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("10Gi"));
		assertThat(volume.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
		assertThat(volume.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
		assertThat(List.of(container("file-sync"), container("seed"))).allSatisfy((small) -> {
			assertThat(small.getResources().getLimits()).containsEntry("memory", new Quantity("128Mi"));
			assertThat(small.getResources().getRequests()).containsKeys("cpu", "memory");
		});
	}

	@Test
	void aClusterIpServiceExposesTheGatewayAndTheFileSync() {
		Service service = service();
		assertThat(service.getSpec().getType()).isEqualTo("ClusterIP");
		assertThat(service.getSpec().getPublishNotReadyAddresses())
			.as("instance-service, not the kubelet's readiness, decides whether to talk to the gateway")
			.isTrue();
		assertThat(service.getSpec().getSelector()).containsEntry("lingxi.cloud/instance-id", instanceId.toString());
		assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("gateway", 18789),
					org.assertj.core.groups.Tuple.tuple("files", 18950));
	}

	@Test
	void theClustersStaticPoliciesSelectThePodAndCoverItsPorts() {
		assertThat(api().network().v1().networkPolicies().inNamespace(RuntimeFixture.NAMESPACE).list().getItems())
			.as("the runtime writes no NetworkPolicy (it has no right to)")
			.isEmpty();
		List<NetworkPolicy> policies = ClusterManifests
			.ofKind(ClusterManifests.render(ClusterManifests.INSTANCE_RUNTIME), NetworkPolicy.class);
		Map<String, String> podLabels = deployment().getSpec().getTemplate().getMetadata().getLabels();
		assertThat(NetworkReach.selecting(policies, RuntimeFixture.NAMESPACE, podLabels))
			.extracting((policy) -> policy.getMetadata().getName())
			.containsExactlyInAnyOrder("default-deny", "gateway-ingress", "gateway-egress");

		List<String> containerPorts = pod().getContainers()
			.stream()
			.flatMap((container) -> container.getPorts().stream())
			.map((port) -> port.getProtocol() + "/" + port.getContainerPort())
			.toList();
		String instanceService = "ns lingxi-system pods[app.kubernetes.io/name=instance-service] ";
		assertThat(NetworkReach.ingress(policies, RuntimeFixture.NAMESPACE, podLabels))
			.as("instance-service reaches the gateway and its file-sync sidecar, and nothing else")
			.containsExactlyInAnyOrderElementsOf(containerPorts.stream().map(instanceService::concat).toList());
		assertThat(containerPorts).containsExactlyInAnyOrder("TCP/18789", "TCP/18950");
		assertThat(NetworkReach.egress(policies, RuntimeFixture.NAMESPACE, podLabels)).containsExactlyInAnyOrder(
				"ns kube-system pods[k8s-app=kube-dns] UDP/53", "ns kube-system pods[k8s-app=kube-dns] TCP/53",
				"ns lingxi-system pods[app.kubernetes.io/name=billing-service] TCP/8086");
	}

	@Test
	void aFileSyncPortInsideOpenClawsOwnRangeIsRefused() {
		assertThatThrownBy(
				() -> new RuntimeFixture(cluster, Map.of("lingxi.instances.kubernetes.file-sync-port", "18800")))
			.hasStackTraceContaining("file-sync-port 18800");
	}

	private static Volume volume(String name) {
		return pod().getVolumes().stream().filter((volume) -> volume.getName().equals(name)).findFirst().orElseThrow();
	}

	private static Secret credentials() {
		return api().secrets().inNamespace(RuntimeFixture.NAMESPACE).withName(name()).get();
	}

	private static Secret seed() {
		return api().secrets().inNamespace(RuntimeFixture.NAMESPACE).withName(name() + "-seed").get();
	}

	private static PersistentVolumeClaim volume() {
		return api().persistentVolumeClaims().inNamespace(RuntimeFixture.NAMESPACE).withName(name()).get();
	}

	private static Service service() {
		return api().services().inNamespace(RuntimeFixture.NAMESPACE).withName(name()).get();
	}

	private static String decode(String base64) {
		return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
	}

}
