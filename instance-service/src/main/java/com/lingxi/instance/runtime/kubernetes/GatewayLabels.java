package com.lingxi.instance.runtime.kubernetes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Names, labels and annotations of the objects the Kubernetes runtime makes, so that an
 * SRE finds everything with {@code kubectl -l}.
 */
public final class GatewayLabels {

	/** {@code app.kubernetes.io/name}: what runs. */
	public static final String NAME = "app.kubernetes.io/name";

	/** The value of {@link #NAME}. */
	public static final String GATEWAY = "openclaw-gateway";

	/** {@code app.kubernetes.io/managed-by}: who made it. */
	public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

	/** The value of {@link #MANAGED_BY}, also the server-side apply field manager. */
	public static final String MANAGER = "lingxi-instance-service";

	/** {@code app.kubernetes.io/part-of}. */
	public static final String PART_OF = "app.kubernetes.io/part-of";

	/** {@code app.kubernetes.io/component}: which object of an instance. */
	public static final String COMPONENT = "app.kubernetes.io/component";

	/** The instance id (on every object and on the pods). */
	public static final String INSTANCE_ID = "lingxi.cloud/instance-id";

	/**
	 * The user an instance serves (on the objects, not on the pods: a pod template change
	 * would restart a warm gateway as it is assigned).
	 */
	public static final String USER_ID = "lingxi.cloud/user-id";

	/** The plan an instance was last started for. */
	public static final String PLAN = "lingxi.cloud/plan";

	/**
	 * Pod template annotation: the hash of the seed files. A new seed changes the
	 * template, so the Deployment starts a new pod whose seed step copies it.
	 */
	public static final String SEED_SHA256 = "lingxi.cloud/seed-sha256";

	/** Field manager for scaling (stop), so the main apply keeps its fields. */
	public static final String SCALE_MANAGER = MANAGER + "-scale";

	/** Field manager for the labels set when a pooled gateway is assigned. */
	public static final String ASSIGNMENT_MANAGER = MANAGER + "-assignment";

	private GatewayLabels() {
	}

	/** The name of an instance's objects: {@code oc-<instanceId>}. */
	public static String name(UUID instanceId) {
		return "oc-" + instanceId;
	}

	/** The name of an instance's seed Secret. */
	public static String seedName(UUID instanceId) {
		return name(instanceId) + "-seed";
	}

	/** What selects an instance's pods (immutable: the Deployment's selector). */
	public static Map<String, String> selector(UUID instanceId) {
		Map<String, String> labels = new LinkedHashMap<>();
		labels.put(NAME, GATEWAY);
		labels.put(INSTANCE_ID, instanceId.toString());
		return labels;
	}

	/**
	 * Labels of an instance's pods. The cluster's static NetworkPolicies (gateways'
	 * ingress and egress in {@code lingxi-instances}, the model proxy's ingress in
	 * {@code lingxi-system}) select gateway pods by {@link #NAME} and
	 * {@link #MANAGED_BY}: a pod without both would get no network at all.
	 */
	public static Map<String, String> podLabels(UUID instanceId) {
		Map<String, String> labels = selector(instanceId);
		labels.put(MANAGED_BY, MANAGER);
		labels.put(PART_OF, "lingxi-cloud");
		return labels;
	}

	/** Labels of an instance's objects. */
	public static Map<String, String> objectLabels(UUID instanceId, String component, UUID userId, String plan) {
		Map<String, String> labels = podLabels(instanceId);
		labels.put(COMPONENT, component);
		if (userId != null) {
			labels.put(USER_ID, userId.toString());
		}
		if (plan != null && !plan.isBlank()) {
			labels.put(PLAN, plan);
		}
		return labels;
	}

}
