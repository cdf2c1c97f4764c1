package com.lingxi.instance.runtime.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Watches the gateways' Deployments and pods (by the managed-by label) and keeps them in
 * memory, so that the runtime's status of an instance is a lookup, not an API call: one
 * list and one watch per kind for the whole platform instead of a request per instance
 * per poll. Started before the lifecycle workers (which ask for statuses) and stopped
 * after them.
 */
public final class GatewayInformers implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(GatewayInformers.class);

	/** Index of pods by {@link GatewayLabels#INSTANCE_ID}. */
	static final String BY_INSTANCE = "instance";

	private final String namespace;

	private final SharedIndexInformer<Deployment> deployments;

	private final SharedIndexInformer<Pod> pods;

	private final Duration syncTimeout;

	private volatile boolean running;

	public GatewayInformers(KubernetesClient client, String namespace, Duration syncTimeout) {
		this.namespace = namespace;
		this.syncTimeout = syncTimeout;
		this.deployments = client.apps()
			.deployments()
			.inNamespace(namespace)
			.withLabel(GatewayLabels.MANAGED_BY, GatewayLabels.MANAGER)
			.runnableInformer(0);
		this.pods = client.pods()
			.inNamespace(namespace)
			.withLabel(GatewayLabels.MANAGED_BY, GatewayLabels.MANAGER)
			.runnableInformer(0);
		this.pods.addIndexers(Map.of(BY_INSTANCE, GatewayInformers::instanceOf));
		// An API server outage is not the end: keep watching and retrying.
		this.deployments.exceptionHandler((started, ex) -> retry("deployments", ex));
		this.pods.exceptionHandler((started, ex) -> retry("pods", ex));
	}

	private static boolean retry(String kind, Throwable ex) {
		log.warn("Watch of gateway {} failed (retrying): {}", kind, ex.toString());
		return true;
	}

	private static List<String> instanceOf(Pod pod) {
		Map<String, String> labels = pod.getMetadata().getLabels();
		String id = (labels != null) ? labels.get(GatewayLabels.INSTANCE_ID) : null;
		return (id != null) ? List.of(id) : List.of();
	}

	@Override
	public void start() {
		this.running = true;
		try {
			this.deployments.start().toCompletableFuture().get(this.syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
			this.pods.start().toCompletableFuture().get(this.syncTimeout.toMillis(), TimeUnit.MILLISECONDS);
			log.info("Watching gateways in namespace {}: {} deployments, {} pods", this.namespace,
					this.deployments.getStore().list().size(), this.pods.getStore().list().size());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			// Statuses fall back to API reads until the watches have synced.
			log.warn("Gateway watches in namespace {} not synced yet: {}", this.namespace, ex.toString());
		}
	}

	@Override
	public void stop() {
		this.running = false;
		this.pods.stop();
		this.deployments.stop();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** Before the lifecycle workers start, after they stop. */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 1024;
	}

	/** Whether both watches have listed what exists. */
	public boolean synced() {
		return this.deployments.hasSynced() && this.pods.hasSynced();
	}

	/** The cached Deployment of an instance. */
	public Optional<Deployment> deployment(UUID instanceId) {
		return Optional.ofNullable(this.deployments.getStore()
			.getByKey(Cache.namespaceKeyFunc(this.namespace, GatewayLabels.name(instanceId))));
	}

	/** The cached pods of an instance. */
	public List<Pod> pods(UUID instanceId) {
		return this.pods.getIndexer().byIndex(BY_INSTANCE, instanceId.toString());
	}

	/** Every managed Deployment in the cache. */
	public List<Deployment> deployments() {
		return this.deployments.getStore().list();
	}

}
