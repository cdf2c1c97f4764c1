package com.lingxi.instance.runtime.kubernetes;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The Kubernetes runtime: one Deployment (and its PVC, Secrets and Service) per gateway,
 * in a namespace of their own. The gateways' network rules are not settings: they are
 * static NetworkPolicies of the cluster ({@code k8s/instance-runtime}), which
 * instance-service has no right to change.
 *
 * @param namespace the namespace the gateways run in (never the platform's own)
 * @param apiServerUrl when set, the API server is reached at this URL without credentials
 * ({@code kubectl proxy}, tests); empty: the pod's service account, or the kubeconfig
 * when run outside a cluster
 * @param image the gateway image: OpenClaw, Node and the file-sync script (built from
 * {@code deploy/openclaw-image})
 * @param imagePullPolicy {@code IfNotPresent}, {@code Always} or {@code Never}
 * @param imagePullSecrets Secrets (in {@link #namespace}) for pulling the image from a
 * private registry
 * @param openclawEntry OpenClaw's entry script inside the image
 * @param fileSyncScript the file-sync script inside the image (seed step and sidecar)
 * @param storageClass storage class of the state volumes; empty: the cluster's default
 * @param gatewayPort the gateway's port in the pod (the cluster's NetworkPolicy
 * {@code gateway-ingress} admits instance-service on it)
 * @param fileSyncPort the file-sync sidecar's port (outside the gateway's port … port+110
 * range; admitted by {@code gateway-ingress} too)
 * @param endpointTemplate the gateway's base URL as instance-service reaches it;
 * {@code {name}}, {@code {namespace}}, {@code {instanceId}} and {@code {port}} are
 * replaced
 * @param filesEndpointTemplate the file-sync sidecar's base URL, same placeholders
 * ({@code {port}} is the file-sync port)
 * @param maxInstances most gateways the platform runs at once (pooled, starting, serving)
 * @param tmpSize size limit of each gateway's {@code /tmp} (an emptyDir: the root file
 * system is read-only)
 * @param startupTimeout how long the startup probe gives a gateway to start
 * ({@code /startupz}) before it is restarted
 * @param terminationGracePeriod how long a gateway gets to drain after SIGTERM
 * @param seedLimit largest set of initial files (openclaw.json, workspaces, skills)
 * carried by the seed Secret; Kubernetes keeps objects under 1 MiB
 * @param fileSyncTimeout how long a live file write through the sidecar may take
 * @param sidecar resources of the file-sync sidecar and of the seed step
 */
@ConfigurationProperties(prefix = KubernetesRuntimeProperties.PREFIX)
public record KubernetesRuntimeProperties(@DefaultValue("lingxi-instances") String namespace,
		@DefaultValue("") String apiServerUrl, @DefaultValue("lingxi/gateway:0.1.0-SNAPSHOT") String image,
		@DefaultValue("IfNotPresent") String imagePullPolicy, @DefaultValue List<String> imagePullSecrets,
		@DefaultValue("/opt/openclaw/node_modules/openclaw/openclaw.mjs") String openclawEntry,
		@DefaultValue("/opt/lingxi/lingxi-files.mjs") String fileSyncScript, @DefaultValue("") String storageClass,
		@DefaultValue("18789") int gatewayPort, @DefaultValue("18950") int fileSyncPort,
		@DefaultValue("http://{name}.{namespace}.svc:{port}") String endpointTemplate,
		@DefaultValue("http://{name}.{namespace}.svc:{port}") String filesEndpointTemplate,
		@DefaultValue("200") int maxInstances, @DefaultValue("1Gi") String tmpSize,
		@DefaultValue("180s") Duration startupTimeout, @DefaultValue("60s") Duration terminationGracePeriod,
		@DefaultValue("900KB") DataSize seedLimit, @DefaultValue("30s") Duration fileSyncTimeout,
		@DefaultValue Sidecar sidecar) {

	/** Prefix of these properties. */
	public static final String PREFIX = "lingxi.instances.kubernetes";

	public KubernetesRuntimeProperties {
		if (namespace.isBlank()) {
			throw new IllegalArgumentException(PREFIX + ".namespace must not be blank");
		}
		if (fileSyncPort > gatewayPort && fileSyncPort <= gatewayPort + 110) {
			throw new IllegalArgumentException(PREFIX + ".file-sync-port " + fileSyncPort
					+ " lies in the range OpenClaw keeps for its own features (" + gatewayPort + "…"
					+ (gatewayPort + 110) + ")");
		}
		imagePullSecrets = (imagePullSecrets != null) ? List.copyOf(imagePullSecrets) : List.of();
	}

	/**
	 * Resources of the file-sync sidecar (a small Node HTTP server) and of the seed step
	 * (an init container that copies the initial files).
	 *
	 * @param cpuRequest CPU request
	 * @param cpuLimit CPU limit
	 * @param memoryRequest memory request
	 * @param memoryLimit memory limit
	 */
	public record Sidecar(@DefaultValue("10m") String cpuRequest, @DefaultValue("200m") String cpuLimit,
			@DefaultValue("48Mi") String memoryRequest, @DefaultValue("128Mi") String memoryLimit) {

	}

}
