package com.lingxi.agent.team;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A row of {@code agent_configs}: one agent in one user's team.
 *
 * @param id row id
 * @param userId owner
 * @param agentId catalog agent id
 * @param enabled whether the agent runs
 * @param skills installed skill ids, in installation order
 * @param customSoul the user's SOUL.md, null to use the template's
 * @param createdAt added to the team
 * @param updatedAt last changed
 */
public record AgentConfig(UUID id, UUID userId, String agentId, boolean enabled, List<String> skills, String customSoul,
		Instant createdAt, Instant updatedAt) {

}
