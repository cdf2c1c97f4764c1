package com.lingxi.billing.plans;

import java.util.List;

/**
 * A plan's limits as other services and the console read them.
 *
 * @param monthlyTokens model tokens (input + output) per billing month
 * @param requestsPerMinute model calls per minute
 * @param tokensPerMinute model tokens per minute
 * @param agentsPerTeam agents a team may have
 * @param instanceCpu instance CPU (Kubernetes quantity)
 * @param instanceMemory instance memory (Kubernetes quantity)
 * @param hibernateAfter idle time before the instance hibernates (ISO-8601 duration)
 * @param modelAliases model aliases the plan may use
 * @param concurrentCalls model calls a user may have in progress at once (0: any number)
 */
public record PlanLimits(long monthlyTokens, int requestsPerMinute, long tokensPerMinute, int agentsPerTeam,
		String instanceCpu, String instanceMemory, String hibernateAfter, List<String> modelAliases,
		int concurrentCalls) {

	static PlanLimits of(PlanProperties.Plan plan) {
		return new PlanLimits(plan.monthlyTokens(), plan.requestsPerMinute(), plan.tokensPerMinute(),
				plan.agentsPerTeam(), plan.instanceCpu(), plan.instanceMemory(), plan.hibernateAfter().toString(),
				List.copyOf(plan.modelAliases()), plan.concurrentCalls());
	}

}
