package com.lingxi.config.sources;

import java.util.List;
import java.util.UUID;

/**
 * A user's plan as billing-service describes it ({@code GET /internal/users/{id}/plan}).
 *
 * @param userId the user
 * @param plan plan name
 * @param limits what the plan allows
 */
public record PlanView(UUID userId, String plan, Limits limits) {

	/**
	 * Plan limits (only what rendering needs is read).
	 *
	 * @param agentsPerTeam agents allowed
	 * @param modelAliases model aliases allowed, best last
	 */
	public record Limits(Integer agentsPerTeam, List<String> modelAliases) {
	}

}
