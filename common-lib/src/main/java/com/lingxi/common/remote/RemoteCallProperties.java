package com.lingxi.common.remote;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Resilience of calls to other services.
 *
 * @param defaults settings for every remote service without its own entry
 * @param services settings by remote service name ({@code agent-service}, ...)
 */
@ConfigurationProperties(prefix = RemoteCallProperties.PREFIX)
public record RemoteCallProperties(@DefaultValue Policy defaults, Map<String, Policy> services) {

	public static final String PREFIX = "lingxi.remote";

	/** The policy for one remote service. */
	public Policy policy(String service) {
		return (this.services != null && this.services.containsKey(service)) ? this.services.get(service)
				: this.defaults;
	}

	/**
	 * How one remote service is called.
	 *
	 * @param timeout time limit of one attempt
	 * @param maxAttempts attempts, the first included, for failures worth retrying
	 * (connection errors, timeouts, 5xx)
	 * @param backoff wait before the second attempt; doubles after that
	 * @param failureRateThreshold percentage of failed calls that opens the circuit
	 * @param slidingWindowSize calls the failure rate is computed over
	 * @param openDuration how long an open circuit refuses calls before it tries again
	 */
	public record Policy(@DefaultValue("3s") Duration timeout, @DefaultValue("3") int maxAttempts,
			@DefaultValue("100ms") Duration backoff, @DefaultValue("50") float failureRateThreshold,
			@DefaultValue("20") int slidingWindowSize, @DefaultValue("10s") Duration openDuration) {

	}

}
