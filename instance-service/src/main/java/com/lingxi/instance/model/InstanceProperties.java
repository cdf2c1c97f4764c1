package com.lingxi.instance.model;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How instances are run.
 *
 * @param runtime {@code local} (gateway processes on this machine) or {@code kubernetes}
 * @param modelBaseUrl the model proxy's {@code /v1} URL as gateways reach it
 * @param pool the warm pool
 * @param startTimeout how long a gateway may take to become ready
 * @param applyTimeout how long a live configuration change may take
 * @param warmUp whether pooled gateways answer one chat before joining the pool (the
 * first chat of a gateway is the slow one)
 * @param reconcileInterval how often runtimes are compared with the database
 * @param stuckAfter how long an instance may stay in a transitional state before the
 * reconciler acts on it
 * @param hibernation idle instances of these plans are stopped after the given idle time
 * @param plans resources per plan
 * @param maxMessageSize largest chat message accepted
 * @param maxRequestSize largest OpenAI-style chat request accepted (whole conversation)
 */
@ConfigurationProperties(prefix = "lingxi.instances")
public record InstanceProperties(@DefaultValue("local") String runtime,
		@DefaultValue("http://127.0.0.1:8086/v1") String modelBaseUrl, @DefaultValue Pool pool,
		@DefaultValue("180s") Duration startTimeout, @DefaultValue("60s") Duration applyTimeout,
		@DefaultValue("true") boolean warmUp, @DefaultValue("10s") Duration reconcileInterval,
		@DefaultValue("5m") Duration stuckAfter, Map<String, Duration> hibernation, Map<String, Resources> plans,
		@DefaultValue("32KB") DataSize maxMessageSize, @DefaultValue("512KB") DataSize maxRequestSize) {

	public InstanceProperties {
		hibernation = (hibernation != null) ? Map.copyOf(hibernation) : Map.of("free", Duration.ofMinutes(30));
		plans = (plans != null) ? Map.copyOf(plans) : Map.of();
	}

	/** Resources for a plan (CPU and memory requests/limits). */
	public Resources resources(String plan) {
		return this.plans.getOrDefault((plan != null) ? plan : "free", Resources.DEFAULT);
	}

	/**
	 * The warm pool.
	 *
	 * @param target gateways kept running, ready and unassigned
	 * @param maxConcurrentStarts gateways started at once (starting is CPU-heavy)
	 * @param refillInterval how often the pool is topped up
	 */
	public record Pool(@DefaultValue("1") int target, @DefaultValue("1") int maxConcurrentStarts,
			@DefaultValue("2s") Duration refillInterval) {

	}

	/**
	 * Resources of one instance.
	 *
	 * @param cpuRequest CPU request
	 * @param cpuLimit CPU limit
	 * @param memoryRequest memory request
	 * @param memoryLimit memory limit
	 * @param storage state volume size
	 */
	public record Resources(String cpuRequest, String cpuLimit, String memoryRequest, String memoryLimit,
			String storage) {

		static final Resources DEFAULT = new Resources("250m", "1", "1Gi", "2Gi", "2Gi");

	}

}
