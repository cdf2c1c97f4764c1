package com.lingxi.config.sources;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A user's agent team as agent-service describes it ({@code GET
 * /internal/users/{id}/team}).
 *
 * @param userId the user
 * @param agents every agent of the team, enabled or not
 * @param updatedAt the team's latest change
 */
public record TeamView(UUID userId, List<AgentView> agents, Instant updatedAt) {

	/**
	 * One agent.
	 *
	 * @param agentId stable id, also the OpenClaw agent id
	 * @param enabled whether it runs
	 * @param name English name
	 * @param nameZh Chinese name
	 * @param emoji identity emoji
	 * @param description English description
	 * @param descriptionZh Chinese description
	 * @param modelTier suggested model tier ({@code standard}, {@code pro})
	 * @param soul the effective SOUL.md
	 * @param agentsMd AGENTS.md
	 * @param identityMd IDENTITY.md
	 * @param skills skill ids the agent may use
	 * @param updatedAt last change
	 */
	public record AgentView(String agentId, boolean enabled, String name, String nameZh, String emoji,
			String description, String descriptionZh, String modelTier, String soul, String agentsMd, String identityMd,
			List<String> skills, Instant updatedAt) {
	}

}
