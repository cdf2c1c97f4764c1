package com.lingxi.billing.plans;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The plans a user can be on. Plans are configuration, not data: changing a limit here
 * changes it for everyone on that plan at the next start (or Nacos refresh).
 *
 * @param defaultPlan the plan of a user who has no subscription yet
 * @param plans plans by name ({@code free}, {@code pro}, {@code team},
 * {@code enterprise}), in the order the public plan list shows them
 */
@ConfigurationProperties(prefix = PlanProperties.PREFIX)
public record PlanProperties(@DefaultValue("free") String defaultPlan, Map<String, Plan> plans) {

	public static final String PREFIX = "lingxi.billing";

	/**
	 * One plan's limits.
	 *
	 * @param displayName name shown to people
	 * @param monthlyTokens model tokens (input + output) per billing month
	 * @param requestsPerMinute model calls per minute
	 * @param tokensPerMinute model tokens per minute
	 * @param agentsPerTeam agents a user's team may have (agent-service enforces it)
	 * @param instanceCpu CPU of the user's OpenClaw instance, a Kubernetes quantity
	 * @param instanceMemory memory of the user's OpenClaw instance, a Kubernetes quantity
	 * @param hibernateAfter idle time after which the instance hibernates
	 * @param modelAliases platform model aliases the plan may use ({@code standard},
	 * {@code pro})
	 * @param exhaustedFallbackAlias when set, calls made after the monthly tokens are
	 * used up are served by this (cheaper) alias instead of being refused; they are
	 * recorded but not charged to the allowance, and the rate limits still apply
	 * @param concurrentCalls model calls a user may have in progress at once, over all
	 * their instances and all replicas (0: any number); one more is refused with 429
	 * @param meteringOutage what model calls get while the quota ledger (Redis) cannot be
	 * reached: {@code refuse} (503 "metering is unavailable, try again shortly") or
	 * {@code admit} (served without the allowance and rate checks, the concurrent calls
	 * capped per replica; recorded and billed as always, and charged to the allowance
	 * once Redis is back)
	 */
	public record Plan(String displayName, @DefaultValue("0") long monthlyTokens,
			@DefaultValue("0") int requestsPerMinute, @DefaultValue("0") long tokensPerMinute,
			@DefaultValue("1") int agentsPerTeam, @DefaultValue("500m") String instanceCpu,
			@DefaultValue("1536Mi") String instanceMemory, @DefaultValue("30m") Duration hibernateAfter,
			@DefaultValue("standard") List<String> modelAliases, String exhaustedFallbackAlias,
			@DefaultValue("4") int concurrentCalls, @DefaultValue("refuse") MeteringOutage meteringOutage) {

	}

	/** What model calls get while the quota ledger cannot be reached. */
	public enum MeteringOutage {

		/** Refused with 503: nothing is served that cannot be metered (the default). */
		REFUSE,

		/**
		 * Served, recorded and billed; the allowance, rate limits and the cross-replica
		 * concurrency cap are not checked until the ledger is back.
		 */
		ADMIT

	}

}
