package com.lingxi.instance.runtime.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus;

/**
 * Gateways as Kubernetes workloads, one Deployment per instance with the objects it owns
 * (see {@link GatewayManifests}), all written with server-side apply under the field
 * manager {@value GatewayLabels#MANAGER}: applying again is a no-op, and after a crash of
 * instance-service it adopts what exists instead of failing or duplicating.
 *
 * <p>
 * Files: the initial ones travel in a seed Secret that an init container copies to the
 * state volume before the gateway starts (once per seed hash); later ones are written
 * while the gateway runs by a file-sync sidecar in the same pod, which instance-service
 * calls with the gateway's token. Statuses come from {@link GatewayInformers}' caches.
 *
 * <p>
 * The fabric8 client blocks: every API call runs on {@code boundedElastic}.
 */
public final class KubernetesRuntime implements InstanceRuntime {

	private static final Logger log = LoggerFactory.getLogger(KubernetesRuntime.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final KubernetesClient client;

	private final KubernetesRuntimeProperties properties;

	private final GatewayManifests manifests;

	private final GatewayInformers informers;

	private final InstanceSecrets secrets;

	private final WebClient http;

	public KubernetesRuntime(KubernetesClient client, KubernetesRuntimeProperties properties,
			GatewayInformers informers, InstanceSecrets secrets, WebClient.Builder http) {
		this.client = client;
		this.properties = properties;
		this.manifests = new GatewayManifests(properties);
		this.informers = informers;
		this.secrets = secrets;
		this.http = http.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(64 * 1024)).build();
	}

	@Override
	public String name() {
		return "kubernetes";
	}

	@Override
	public Mono<Placement> create(InstanceSpec spec) {
		return blocking(() -> apply(spec.instanceId(), spec.userId(), spec.plan(), spec));
	}

	@Override
	public Mono<Placement> start(Instance instance, InstanceSpec spec) {
		UUID user = (instance.userId() != null) ? instance.userId() : spec.userId();
		return blocking(() -> apply(instance.id(), user, instance.plan(), spec));
	}

	/**
	 * Scales to 0 and waits (as the local runtime waits for the process) until the pod is
	 * gone, so that a restart really starts a new one.
	 */
	@Override
	public Mono<Void> stop(Instance instance) {
		return blocking(() -> scaleToZero(instance.id()))
			.flatMap((scaled) -> scaled ? podsGone(instance.id()) : Mono.empty());
	}

	@Override
	public Mono<Void> delete(Instance instance) {
		return blocking(() -> {
			remove(instance.id());
			return true;
		}).then();
	}

	/**
	 * Writes files through the pod's file-sync sidecar (each atomically, on the state
	 * volume). A gateway that was pooled learns its user here: its objects get the user
	 * and plan labels (the pods keep theirs: changing them would restart the gateway).
	 */
	@Override
	public Mono<Void> writeFiles(Instance instance, List<GatewayFile> files) {
		if (files.isEmpty()) {
			return labelAssigned(instance);
		}
		return labelAssigned(instance).then(push(instance, files));
	}

	/**
	 * From the watch caches when they are in sync (no API call); from the API server
	 * otherwise (just after start-up, during an outage of the watch).
	 */
	@Override
	public Mono<RuntimeStatus> status(Instance instance) {
		return Mono.defer(() -> {
			if (this.informers.synced()) {
				return Mono.just(GatewayStatus.of(this.informers.deployment(instance.id()).orElse(null),
						this.informers.pods(instance.id())));
			}
			return blocking(() -> GatewayStatus.of(deployments().withName(GatewayLabels.name(instance.id())).get(),
					this.client.pods()
						.inNamespace(this.properties.namespace())
						.withLabel(GatewayLabels.INSTANCE_ID, instance.id().toString())
						.list()
						.getItems()));
		});
	}

	/**
	 * Instances with a managed Deployment, from the watch cache; none while it is not in
	 * sync (an empty cache must not make every instance look orphaned).
	 */
	@Override
	public Flux<String> instanceIds() {
		return Flux.defer(() -> {
			if (!this.informers.synced()) {
				return Flux.empty();
			}
			List<String> ids = new ArrayList<>();
			for (Deployment deployment : this.informers.deployments()) {
				Map<String, String> labels = deployment.getMetadata().getLabels();
				if (labels != null && labels.get(GatewayLabels.INSTANCE_ID) != null) {
					ids.add(labels.get(GatewayLabels.INSTANCE_ID));
				}
			}
			return Flux.fromIterable(ids);
		});
	}

	/** The gateway's base URL as instance-service reaches it. */
	public String endpoint(UUID instanceId) {
		return expand(this.properties.endpointTemplate(), instanceId, this.properties.gatewayPort());
	}

	/** The file-sync sidecar's base URL. */
	public String filesEndpoint(UUID instanceId) {
		return expand(this.properties.filesEndpointTemplate(), instanceId, this.properties.fileSyncPort());
	}

	// --- applying ---

	/**
	 * Applies every object of the instance. A Deployment that does not exist yet is first
	 * applied with 0 replicas: the objects it owns need its uid, and its pod must not
	 * start before its Secrets and volume exist. Then the rest, then the Deployment with
	 * 1 replica. The network rules around the pod are the cluster's static policies, in
	 * force before the pod exists.
	 */
	private Placement apply(UUID id, UUID userId, String plan, InstanceSpec spec) {
		String name = GatewayLabels.name(id);
		Deployment existing = deployments().withName(name).get();
		if (existing != null && existing.getMetadata().getDeletionTimestamp() != null) {
			throw new IllegalStateException("The previous objects of instance " + id + " are still being deleted");
		}
		Seed seed = spec.files().isEmpty() ? null : Seed.of(spec.files(), this.properties.seedLimit());
		String seedSha = (seed != null) ? seed.sha256() : seedOf(existing);
		GatewayManifests.Desired desired = new GatewayManifests.Desired(id, userId, plan, spec.resources(),
				spec.modelBaseUrl(), spec.gatewayToken(), spec.modelKey(), seedSha);
		Deployment parent = (existing != null) ? existing : serverSideApply(this.manifests.deployment(desired, 0));
		OwnerReference owner = GatewayManifests.owner(parent);
		serverSideApply(this.manifests.credentials(desired, owner));
		if (seed != null) {
			serverSideApply(this.manifests.seed(desired, seed, owner));
		}
		PersistentVolumeClaim volume = this.client.persistentVolumeClaims()
			.inNamespace(this.properties.namespace())
			.withName(name)
			.get();
		serverSideApply(this.manifests.stateVolume(desired, owner, volume));
		serverSideApply(this.manifests.service(desired, owner));
		Deployment applied = serverSideApply(this.manifests.deployment(desired, 1));
		log.info("Applied gateway objects of instance {} ({}{})", id, (existing != null) ? "adopted" : "created",
				(seed != null) ? ", seed " + seed.sha256().substring(0, 12) : "");
		return new Placement(endpoint(id), ref(applied, seedSha));
	}

	private <T extends HasMetadata> T serverSideApply(T object) {
		return this.client.resource(object)
			.inNamespace(this.properties.namespace())
			.fieldManager(GatewayLabels.MANAGER)
			.forceConflicts()
			.serverSideApply();
	}

	private static String seedOf(Deployment deployment) {
		if (deployment == null || deployment.getSpec() == null || deployment.getSpec().getTemplate() == null
				|| deployment.getSpec().getTemplate().getMetadata() == null
				|| deployment.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
			return null;
		}
		return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get(GatewayLabels.SEED_SHA256);
	}

	/**
	 * Hibernation: 0 replicas, everything else (the state volume above all) kept. A field
	 * manager of its own owns the replica count, so the main apply's other fields stay as
	 * they are; the next start takes the count back.
	 */
	private boolean scaleToZero(UUID id) {
		if (deployments().withName(GatewayLabels.name(id)).get() == null) {
			return false;
		}
		Deployment scale = new DeploymentBuilder().withApiVersion("apps/v1")
			.withKind("Deployment")
			.withNewMetadata()
			.withName(GatewayLabels.name(id))
			.withNamespace(this.properties.namespace())
			.endMetadata()
			.withNewSpec()
			.withReplicas(0)
			.endSpec()
			.build();
		this.client.resource(scale)
			.inNamespace(this.properties.namespace())
			.fieldManager(GatewayLabels.SCALE_MANAGER)
			.forceConflicts()
			.serverSideApply();
		log.info("Scaled the gateway of instance {} to 0", id);
		return true;
	}

	private Mono<Void> podsGone(UUID id) {
		Duration patience = this.properties.terminationGracePeriod().plusSeconds(30);
		return Flux.interval(Duration.ZERO, Duration.ofMillis(500))
			.onBackpressureDrop()
			.filter((tick) -> this.informers.pods(id).isEmpty())
			.next()
			.then()
			.timeout(patience, Mono
				.fromRunnable(() -> log.warn("The pod of instance {} is still terminating after {}", id, patience)));
	}

	/**
	 * Deletes the Deployment (the garbage collector removes what it owns) and, so that
	 * nothing is left where no collector runs or when an owner reference was lost, each
	 * owned object too.
	 */
	private void remove(UUID id) {
		String name = GatewayLabels.name(id);
		String namespace = this.properties.namespace();
		deployments().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
		this.client.services().inNamespace(namespace).withName(name).delete();
		this.client.secrets().inNamespace(namespace).withName(GatewayLabels.seedName(id)).delete();
		this.client.secrets().inNamespace(namespace).withName(name).delete();
		this.client.persistentVolumeClaims().inNamespace(namespace).withName(name).delete();
		log.info("Deleted the gateway objects of instance {}", id);
	}

	// --- assignment and files ---

	private Mono<Void> labelAssigned(Instance instance) {
		if (instance.userId() == null) {
			return Mono.empty();
		}
		String user = instance.userId().toString();
		String plan = GatewayManifests.planLabel(instance.plan());
		boolean labelled = this.informers.deployment(instance.id()).map((deployment) -> {
			Map<String, String> labels = deployment.getMetadata().getLabels();
			return labels != null && user.equals(labels.get(GatewayLabels.USER_ID))
					&& (plan == null || plan.equals(labels.get(GatewayLabels.PLAN)));
		}).orElse(false);
		if (labelled) {
			return Mono.empty();
		}
		return blocking(() -> {
			label(instance.id(), user, plan);
			return true;
		}).then().onErrorResume((ex) -> {
			log.warn("Could not label the objects of instance {} with user {}: {}", instance.id(), user, ex.toString());
			return Mono.empty();
		});
	}

	/**
	 * Adds the user and plan labels with a JSON merge patch, which (unlike an apply)
	 * never creates an object that does not exist. Each patch is handed the object's name
	 * rather than left to look the object up: fabric8 reads an object it is not given
	 * before patching it, and instance-service may not read Secrets (or Services).
	 */
	private void label(UUID id, String user, String plan) {
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put(GatewayLabels.USER_ID, user);
		if (plan != null) {
			labels.put(GatewayLabels.PLAN, plan);
		}
		String patch = JSON.writeValueAsString(Map.of("metadata", Map.of("labels", labels)));
		PatchContext context = PatchContext.of(PatchType.JSON_MERGE);
		context.setFieldManager(GatewayLabels.ASSIGNMENT_MANAGER);
		String name = GatewayLabels.name(id);
		String namespace = this.properties.namespace();
		List<Resource<? extends HasMetadata>> objects = List.of(deployments().resource(named(new Deployment(), name)),
				this.client.persistentVolumeClaims()
					.inNamespace(namespace)
					.resource(named(new PersistentVolumeClaim(), name)),
				this.client.secrets().inNamespace(namespace).resource(named(new Secret(), name)),
				this.client.secrets().inNamespace(namespace).resource(named(new Secret(), GatewayLabels.seedName(id))),
				this.client.services().inNamespace(namespace).resource(named(new Service(), name)));
		for (Resource<? extends HasMetadata> object : objects) {
			try {
				object.patch(context, patch);
			}
			catch (KubernetesClientException ex) {
				if (ex.getCode() != 404) {
					throw ex;
				}
			}
		}
		log.info("Labelled the objects of instance {} with user {}", id, user);
	}

	/** An object that is nothing but its name, to address a patch. */
	private <T extends HasMetadata> T named(T object, String name) {
		object.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(this.properties.namespace()).build());
		return object;
	}

	/** Sends the files to the file-sync sidecar; retried while the pod is unreachable. */
	private Mono<Void> push(Instance instance, List<GatewayFile> files) {
		List<Map<String, String>> body = files.stream()
			.map((file) -> Map.of("path", file.path(), "content", file.content(), "encoding",
					Objects.requireNonNullElse(file.encoding(), "utf-8")))
			.toList();
		return Mono
			.defer(() -> this.http.put()
				.uri(filesEndpoint(instance.id()) + "/v1/files")
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + this.secrets.gatewayToken(instance))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("files", body))
				.exchangeToMono((response) -> response.statusCode().is2xxSuccessful() ? response.releaseBody()
						: response.bodyToMono(String.class)
							.defaultIfEmpty("")
							.flatMap((text) -> Mono.error(new FileSyncException("file sync of instance " + instance.id()
									+ " answered " + response.statusCode().value() + ": "
									+ text.substring(0, Math.min(200, text.length())))))))
			.retryWhen(Retry.backoff(3, Duration.ofMillis(300))
				.filter(WebClientRequestException.class::isInstance)
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()))
			.timeout(this.properties.fileSyncTimeout())
			.doOnSuccess((done) -> log.debug("Wrote {} files to instance {}", files.size(), instance.id()));
	}

	// --- helpers ---

	private NonNamespaceOperation<Deployment, DeploymentList, RollableScalableResource<Deployment>> deployments() {
		return this.client.apps().deployments().inNamespace(this.properties.namespace());
	}

	private String expand(String template, UUID instanceId, int port) {
		return template.replace("{name}", GatewayLabels.name(instanceId))
			.replace("{namespace}", this.properties.namespace())
			.replace("{instanceId}", instanceId.toString())
			.replace("{port}", Integer.toString(port));
	}

	private ObjectNode ref(Deployment deployment, String seedSha) {
		ObjectNode ref = JsonNodeFactory.instance.objectNode();
		ref.put("namespace", this.properties.namespace());
		ref.put("deployment", deployment.getMetadata().getName());
		ref.put("uid", deployment.getMetadata().getUid());
		ref.put("service", deployment.getMetadata().getName());
		ref.put("seedSha256", seedSha);
		return ref;
	}

	private static <T> Mono<T> blocking(Callable<T> work) {
		return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
	}

	/** The file-sync sidecar refused or failed a write. */
	public static final class FileSyncException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		FileSyncException(String message) {
			super(message);
		}

	}

}
