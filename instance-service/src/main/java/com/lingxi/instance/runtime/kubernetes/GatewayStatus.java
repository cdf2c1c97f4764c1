package com.lingxi.instance.runtime.kubernetes;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;

import com.lingxi.instance.runtime.RuntimeStatus;
import com.lingxi.instance.runtime.RuntimeStatus.Phase;

/**
 * What a gateway's Deployment and pods say about it, as a {@link RuntimeStatus}:
 * <ul>
 * <li>no Deployment (or one being deleted): {@code MISSING};</li>
 * <li>scaled to 0: {@code STOPPED} (hibernated, state kept);</li>
 * <li>a container (the gateway, or the seed step) that exited with 78 and is not ready
 * again: {@code FAILED} with exit code 78, OpenClaw's "bad configuration";</li>
 * <li>an available replica, or a started gateway container: {@code RUNNING};</li>
 * <li>a crash loop, an image that cannot be pulled, a progress deadline passed, pods the
 * ReplicaSet cannot create: {@code FAILED} with the reason;</li>
 * <li>otherwise {@code STARTING} (scheduling, pulling, seeding, starting).</li>
 * </ul>
 */
final class GatewayStatus {

	private static final Set<String> FAILING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "InvalidImageName",
			"CreateContainerConfigError", "CreateContainerError", "RunContainerError");

	private GatewayStatus() {
	}

	static RuntimeStatus of(Deployment deployment, List<Pod> pods) {
		if (deployment == null) {
			return RuntimeStatus.of(Phase.MISSING);
		}
		if (deployment.getMetadata().getDeletionTimestamp() != null) {
			return new RuntimeStatus(Phase.MISSING, null, "being deleted");
		}
		Integer replicas = (deployment.getSpec() != null) ? deployment.getSpec().getReplicas() : null;
		if (replicas != null && replicas == 0) {
			return new RuntimeStatus(Phase.STOPPED, null, "scaled to 0");
		}
		for (Pod pod : pods) {
			for (ContainerStatus container : containers(pod)) {
				Integer exit = exitCode(container);
				if (exit != null && exit == RuntimeStatus.CONFIG_ERROR_EXIT
						&& !Boolean.TRUE.equals(container.getReady())) {
					return new RuntimeStatus(Phase.FAILED, exit, "container " + container.getName() + " of pod "
							+ pod.getMetadata().getName() + " exited with 78: OpenClaw refused its configuration");
				}
			}
		}
		Integer available = (deployment.getStatus() != null) ? deployment.getStatus().getAvailableReplicas() : null;
		if (available != null && available > 0) {
			return RuntimeStatus.of(Phase.RUNNING);
		}
		for (Pod pod : pods) {
			for (ContainerStatus container : containers(pod)) {
				ContainerState state = container.getState();
				if (state != null && state.getWaiting() != null && FAILING.contains(state.getWaiting().getReason())) {
					String message = state.getWaiting().getMessage();
					return new RuntimeStatus(Phase.FAILED, exitCode(container),
							container.getName() + " of pod " + pod.getMetadata().getName() + ": "
									+ state.getWaiting().getReason() + ((message != null) ? " (" + message + ")" : ""));
				}
				if (GatewayManifests.GATEWAY_CONTAINER.equals(container.getName()) && state != null
						&& state.getRunning() != null && Boolean.TRUE.equals(container.getStarted())) {
					return new RuntimeStatus(Phase.RUNNING, null, "started, not ready");
				}
			}
		}
		if (deployment.getStatus() != null && deployment.getStatus().getConditions() != null) {
			for (DeploymentCondition condition : deployment.getStatus().getConditions()) {
				boolean deadline = "Progressing".equals(condition.getType()) && "False".equals(condition.getStatus())
						&& "ProgressDeadlineExceeded".equals(condition.getReason());
				boolean replicaFailure = "ReplicaFailure".equals(condition.getType())
						&& "True".equals(condition.getStatus());
				if (deadline || replicaFailure) {
					return new RuntimeStatus(Phase.FAILED, null, condition.getReason() + ": " + condition.getMessage());
				}
			}
		}
		return new RuntimeStatus(Phase.STARTING, null, pods.isEmpty() ? "no pod yet" : "pod starting");
	}

	private static List<ContainerStatus> containers(Pod pod) {
		List<ContainerStatus> all = new ArrayList<>();
		if (pod.getStatus() != null) {
			if (pod.getStatus().getInitContainerStatuses() != null) {
				all.addAll(pod.getStatus().getInitContainerStatuses());
			}
			if (pod.getStatus().getContainerStatuses() != null) {
				all.addAll(pod.getStatus().getContainerStatuses());
			}
		}
		return all;
	}

	/** The exit code of the container's current or, failing that, last termination. */
	private static Integer exitCode(ContainerStatus container) {
		if (container.getState() != null && container.getState().getTerminated() != null) {
			return container.getState().getTerminated().getExitCode();
		}
		if (container.getLastState() != null && container.getLastState().getTerminated() != null) {
			return container.getLastState().getTerminated().getExitCode();
		}
		return null;
	}

}
