package com.lingxi.instance.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import com.lingxi.instance.model.InstanceProperties;

/**
 * The objects of one gateway, as they are applied (server-side apply: each object is the
 * complete set of fields instance-service owns):
 * <ul>
 * <li>a Deployment, the parent: one replica, {@code Recreate} (the state volume is
 * ReadWriteOnce), a seed init container, the gateway, a file-sync sidecar;</li>
 * <li>owned by it: a PersistentVolumeClaim (OpenClaw's state), a Secret (gateway token
 * and model key, reaching the containers as environment variables only), a seed Secret
 * (the initial files, mounted into the seed step only) and a ClusterIP Service.</li>
 * </ul>
 * No NetworkPolicy: the gateways' network rules are static policies of the cluster
 * ({@code k8s/instance-runtime/network-policies.yaml}) that select the pods by
 * {@link GatewayLabels#podLabels}, so instance-service needs no right to write them. Pods
 * run as UID/GID 1000, non-root, read-only root file system, no privilege escalation, all
 * capabilities dropped, the runtime's default seccomp profile, no service account token,
 * no host namespaces, no service links.
 */
final class GatewayManifests {

	/** The image's user and group. */
	static final long UID = 1000L;

	/** The state volume's mount point. */
	static final String DATA = "/data";

	/** HOME of the gateway (on the state volume, as the local runtime's home/). */
	static final String HOME = DATA + "/home";

	/** OpenClaw's state directory. */
	static final String STATE = HOME + "/.openclaw";

	/** Key of the gateway token in the credentials Secret. */
	static final String TOKEN_KEY = "gateway-token";

	/** Key of the model-proxy key in the credentials Secret. */
	static final String MODEL_KEY = "model-key";

	static final String GATEWAY_CONTAINER = "gateway";

	static final String SIDECAR_CONTAINER = "file-sync";

	static final String SEED_CONTAINER = "seed";

	private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

	private static final Duration STARTUP_PERIOD = Duration.ofSeconds(2);

	private final KubernetesRuntimeProperties properties;

	GatewayManifests(KubernetesRuntimeProperties properties) {
		this.properties = properties;
	}

	/**
	 * What one gateway should look like.
	 *
	 * @param instanceId the instance
	 * @param userId its user (null while pooled)
	 * @param plan its plan (null when not known)
	 * @param resources CPU, memory and storage
	 * @param modelBaseUrl the model proxy as the gateway reaches it
	 * @param gatewayToken the gateway token
	 * @param modelKey the model-proxy key
	 * @param seedSha256 hash of the seed in force (null: none)
	 */
	record Desired(UUID instanceId, UUID userId, String plan, InstanceProperties.Resources resources,
			String modelBaseUrl, String gatewayToken, String modelKey, String seedSha256) {

		String name() {
			return GatewayLabels.name(this.instanceId);
		}

		@Override
		public String toString() {
			return "Desired[" + this.instanceId + ", user " + this.userId + ", plan " + this.plan + "]";
		}

	}

	// --- the parent ---

	Deployment deployment(Desired desired, int replicas) {
		UUID id = desired.instanceId();
		Map<String, String> annotations = new LinkedHashMap<>();
		if (desired.seedSha256() != null) {
			annotations.put(GatewayLabels.SEED_SHA256, desired.seedSha256());
		}
		return new DeploymentBuilder().withApiVersion("apps/v1")
			.withKind("Deployment")
			.withMetadata(meta(desired, "gateway", null))
			.withNewSpec()
			.withReplicas(replicas)
			.withNewStrategy()
			.withType("Recreate")
			.endStrategy()
			.withRevisionHistoryLimit(2)
			.withNewSelector()
			.withMatchLabels(GatewayLabels.selector(id))
			.endSelector()
			.withNewTemplate()
			.withNewMetadata()
			.withLabels(GatewayLabels.podLabels(id))
			.withAnnotations(annotations.isEmpty() ? null : annotations)
			.endMetadata()
			.withNewSpec()
			.withAutomountServiceAccountToken(false)
			.withEnableServiceLinks(false)
			.withHostNetwork(false)
			.withHostPID(false)
			.withHostIPC(false)
			.withSecurityContext(podSecurity())
			.withTerminationGracePeriodSeconds(this.properties.terminationGracePeriod().toSeconds())
			.withImagePullSecrets(this.properties.imagePullSecrets().stream().map(LocalObjectReference::new).toList())
			.withInitContainers(seedContainer())
			.withContainers(gatewayContainer(desired), sidecarContainer(desired))
			.withVolumes(volumes(desired))
			.endSpec()
			.endTemplate()
			.endSpec()
			.build();
	}

	/** The parent as the owner of the other objects (deleting it deletes them). */
	static OwnerReference owner(Deployment parent) {
		return new OwnerReferenceBuilder().withApiVersion("apps/v1")
			.withKind("Deployment")
			.withName(parent.getMetadata().getName())
			.withUid(parent.getMetadata().getUid())
			.withController(true)
			.withBlockOwnerDeletion(true)
			.build();
	}

	// --- owned by the parent ---

	Secret credentials(Desired desired, OwnerReference owner) {
		Map<String, String> data = new LinkedHashMap<>();
		data.put(TOKEN_KEY, base64(desired.gatewayToken()));
		data.put(MODEL_KEY, base64((desired.modelKey() != null) ? desired.modelKey() : ""));
		return new SecretBuilder().withApiVersion("v1")
			.withKind("Secret")
			.withMetadata(meta(desired, "credentials", owner))
			.withType("Opaque")
			.withData(data)
			.build();
	}

	Secret seed(Desired desired, Seed seed, OwnerReference owner) {
		Map<String, String> data = new LinkedHashMap<>();
		data.put(Seed.FILES_KEY, Base64.getEncoder().encodeToString(seed.json()));
		data.put(Seed.SHA_KEY, base64(seed.sha256()));
		ObjectMeta meta = meta(desired, "seed", owner);
		meta.setName(GatewayLabels.seedName(desired.instanceId()));
		return new SecretBuilder().withApiVersion("v1")
			.withKind("Secret")
			.withMetadata(meta)
			.withType("Opaque")
			.withData(data)
			.build();
	}

	/**
	 * The state volume. An existing claim keeps its storage class and access modes
	 * (immutable) and never shrinks (Kubernetes only grows volumes).
	 */
	PersistentVolumeClaim stateVolume(Desired desired, OwnerReference owner, PersistentVolumeClaim existing) {
		Quantity size = new Quantity(desired.resources().storage());
		String storageClass = this.properties.storageClass().isBlank() ? null : this.properties.storageClass();
		List<String> accessModes = List.of("ReadWriteOnce");
		if (existing != null && existing.getSpec() != null) {
			storageClass = existing.getSpec().getStorageClassName();
			if (existing.getSpec().getAccessModes() != null && !existing.getSpec().getAccessModes().isEmpty()) {
				accessModes = existing.getSpec().getAccessModes();
			}
			Quantity current = (existing.getSpec().getResources() != null
					&& existing.getSpec().getResources().getRequests() != null)
							? existing.getSpec().getResources().getRequests().get("storage") : null;
			if (current != null && current.getNumericalAmount().compareTo(size.getNumericalAmount()) > 0) {
				size = current;
			}
		}
		return new PersistentVolumeClaimBuilder().withApiVersion("v1")
			.withKind("PersistentVolumeClaim")
			.withMetadata(meta(desired, "state", owner))
			.withNewSpec()
			.withAccessModes(accessModes)
			.withStorageClassName(storageClass)
			.withNewResources()
			.addToRequests("storage", size)
			.endResources()
			.endSpec()
			.build();
	}

	/**
	 * The gateway's address. It publishes the pod while it is not ready, too:
	 * instance-service judges readiness itself ({@code /readyz} in the JSON), and a
	 * gateway whose deep readiness fails (a broken channel account) must stay reachable
	 * for chat and for repairs, as must its file-sync sidecar.
	 */
	Service service(Desired desired, OwnerReference owner) {
		return new ServiceBuilder().withApiVersion("v1")
			.withKind("Service")
			.withMetadata(meta(desired, "service", owner))
			.withNewSpec()
			.withType("ClusterIP")
			.withPublishNotReadyAddresses(true)
			.withSelector(GatewayLabels.selector(desired.instanceId()))
			.addNewPort()
			.withName("gateway")
			.withProtocol("TCP")
			.withPort(this.properties.gatewayPort())
			.withTargetPort(new IntOrString("gateway"))
			.endPort()
			.addNewPort()
			.withName("files")
			.withProtocol("TCP")
			.withPort(this.properties.fileSyncPort())
			.withTargetPort(new IntOrString("files"))
			.endPort()
			.endSpec()
			.build();
	}

	// --- the pod ---

	private Container seedContainer() {
		return new ContainerBuilder().withName(SEED_CONTAINER)
			.withImage(this.properties.image())
			.withImagePullPolicy(this.properties.imagePullPolicy())
			.withCommand("node", this.properties.fileSyncScript(), "seed")
			.withEnv(env("OPENCLAW_STATE_DIR", STATE), env("LINGXI_SEED_DIR", "/seed"), env("HOME", HOME),
					env("TMPDIR", "/tmp"))
			.withVolumeMounts(mount("state", DATA, false), mount("seed", "/seed", true), mount("tmp", "/tmp", false))
			.withResources(sidecarResources())
			.withSecurityContext(containerSecurity())
			.build();
	}

	/**
	 * The gateway, with the environment and command line of the local runtime, bound to
	 * the pod network ({@code --bind lan}) instead of loopback.
	 */
	private Container gatewayContainer(Desired desired) {
		String secret = desired.name();
		List<EnvVar> env = new ArrayList<>();
		env.add(env("LANG", "C.UTF-8"));
		env.add(env("HOME", HOME));
		env.add(env("TMPDIR", "/tmp"));
		env.add(env("OPENCLAW_STATE_DIR", STATE));
		env.add(env("OPENCLAW_CONFIG_PATH", STATE + "/openclaw.json"));
		env.add(secretEnv("OPENCLAW_GATEWAY_TOKEN", secret, TOKEN_KEY));
		env.add(secretEnv("LINGXI_MODEL_KEY", secret, MODEL_KEY));
		env.add(env("LINGXI_MODEL_BASE_URL", desired.modelBaseUrl()));
		env.add(env("OPENCLAW_DISABLE_BONJOUR", "1"));
		env.add(env("OPENCLAW_NO_RESPAWN", "1"));
		env.add(env("OPENCLAW_NO_AUTO_UPDATE", "1"));
		env.add(env("OPENCLAW_OFFLINE", "1"));
		InstanceProperties.Resources resources = desired.resources();
		int startupFailures = (int) Math.max(1,
				(this.properties.startupTimeout().toMillis() + STARTUP_PERIOD.toMillis() - 1)
						/ STARTUP_PERIOD.toMillis());
		return new ContainerBuilder().withName(GATEWAY_CONTAINER)
			.withImage(this.properties.image())
			.withImagePullPolicy(this.properties.imagePullPolicy())
			.withCommand("node", this.properties.openclawEntry(), "gateway", "run", "--port",
					Integer.toString(this.properties.gatewayPort()), "--bind", "lan")
			.withWorkingDir(DATA)
			.withEnv(env)
			.addNewPort()
			.withName("gateway")
			.withContainerPort(this.properties.gatewayPort())
			.withProtocol("TCP")
			.endPort()
			.withResources(new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity(resources.cpuRequest()))
				.addToRequests("memory", new Quantity(resources.memoryRequest()))
				.addToLimits("cpu", new Quantity(resources.cpuLimit()))
				.addToLimits("memory", new Quantity(resources.memoryLimit()))
				.build())
			.withStartupProbe(probe("/startupz", "gateway", (int) STARTUP_PERIOD.toSeconds(), 2, startupFailures))
			.withReadinessProbe(probe("/readyz", "gateway", 10, 3, 3))
			.withLivenessProbe(probe("/healthz", "gateway", 20, 5, 3))
			.withVolumeMounts(mount("state", DATA, false), mount("tmp", "/tmp", false))
			.withSecurityContext(containerSecurity())
			.build();
	}

	/**
	 * Writes files to the state volume for instance-service while the gateway runs,
	 * authenticated with the gateway's own token.
	 */
	private Container sidecarContainer(Desired desired) {
		return new ContainerBuilder().withName(SIDECAR_CONTAINER)
			.withImage(this.properties.image())
			.withImagePullPolicy(this.properties.imagePullPolicy())
			.withCommand("node", this.properties.fileSyncScript(), "serve")
			.withEnv(env("OPENCLAW_STATE_DIR", STATE),
					env("LINGXI_FILES_PORT", Integer.toString(this.properties.fileSyncPort())),
					secretEnv("OPENCLAW_GATEWAY_TOKEN", desired.name(), TOKEN_KEY), env("HOME", HOME),
					env("TMPDIR", "/tmp"))
			.addNewPort()
			.withName("files")
			.withContainerPort(this.properties.fileSyncPort())
			.withProtocol("TCP")
			.endPort()
			.withReadinessProbe(probe("/healthz", "files", 10, 2, 3))
			.withVolumeMounts(mount("state", DATA, false), mount("tmp", "/tmp", false))
			.withResources(sidecarResources())
			.withSecurityContext(containerSecurity())
			.build();
	}

	private List<Volume> volumes(Desired desired) {
		return List.of(
				new VolumeBuilder().withName("state")
					.withNewPersistentVolumeClaim()
					.withClaimName(desired.name())
					.endPersistentVolumeClaim()
					.build(),
				new VolumeBuilder().withName("tmp")
					.withNewEmptyDir()
					.withSizeLimit(new Quantity(this.properties.tmpSize()))
					.endEmptyDir()
					.build(),
				new VolumeBuilder().withName("seed")
					.withNewSecret()
					.withSecretName(GatewayLabels.seedName(desired.instanceId()))
					.withOptional(true)
					.withDefaultMode(0440)
					.endSecret()
					.build());
	}

	private static PodSecurityContext podSecurity() {
		return new PodSecurityContextBuilder().withRunAsNonRoot(true)
			.withRunAsUser(UID)
			.withRunAsGroup(UID)
			.withFsGroup(UID)
			.withFsGroupChangePolicy("OnRootMismatch")
			.withNewSeccompProfile()
			.withType("RuntimeDefault")
			.endSeccompProfile()
			.build();
	}

	private static SecurityContext containerSecurity() {
		Capabilities none = new CapabilitiesBuilder().withDrop("ALL").build();
		return new SecurityContextBuilder().withRunAsNonRoot(true)
			.withRunAsUser(UID)
			.withRunAsGroup(UID)
			.withAllowPrivilegeEscalation(false)
			.withPrivileged(false)
			.withReadOnlyRootFilesystem(true)
			.withCapabilities(none)
			.withNewSeccompProfile()
			.withType("RuntimeDefault")
			.endSeccompProfile()
			.build();
	}

	private ResourceRequirements sidecarResources() {
		KubernetesRuntimeProperties.Sidecar sidecar = this.properties.sidecar();
		return new ResourceRequirementsBuilder().addToRequests("cpu", new Quantity(sidecar.cpuRequest()))
			.addToRequests("memory", new Quantity(sidecar.memoryRequest()))
			.addToLimits("cpu", new Quantity(sidecar.cpuLimit()))
			.addToLimits("memory", new Quantity(sidecar.memoryLimit()))
			.build();
	}

	private static Probe probe(String path, String port, int period, int timeout, int failures) {
		return new ProbeBuilder().withNewHttpGet()
			.withPath(path)
			.withPort(new IntOrString(port))
			.endHttpGet()
			.withPeriodSeconds(period)
			.withTimeoutSeconds(timeout)
			.withFailureThreshold(failures)
			.build();
	}

	private ObjectMeta meta(Desired desired, String component, OwnerReference owner) {
		String plan = (desired.plan() != null && LABEL_VALUE.matcher(desired.plan()).matches()) ? desired.plan() : null;
		ObjectMetaBuilder meta = new ObjectMetaBuilder().withName(desired.name())
			.withNamespace(this.properties.namespace())
			.withLabels(GatewayLabels.objectLabels(desired.instanceId(), component, desired.userId(), plan));
		if (owner != null) {
			meta.withOwnerReferences(owner);
		}
		return meta.build();
	}

	private static VolumeMount mount(String volume, String path, boolean readOnly) {
		return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(readOnly).build();
	}

	private static EnvVar env(String name, String value) {
		return new EnvVarBuilder().withName(name).withValue(value).build();
	}

	private static EnvVar secretEnv(String name, String secret, String key) {
		return new EnvVarBuilder().withName(name)
			.withNewValueFrom()
			.withNewSecretKeyRef()
			.withName(secret)
			.withKey(key)
			.withOptional(false)
			.endSecretKeyRef()
			.endValueFrom()
			.build();
	}

	private static String base64(String value) {
		return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
	}

	/** Label value for a plan, or null when it cannot be one. */
	static String planLabel(String plan) {
		return (plan != null && LABEL_VALUE.matcher(plan).matches()) ? plan : null;
	}

}
