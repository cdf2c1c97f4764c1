package com.lingxi.agent.team;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code GET /internal/users/{userId}/team}: everything config-service needs to render a
 * user's agents. Disabled agents are listed too (config-service skips them).
 *
 * @param userId the user
 * @param agents team members in the order they joined
 * @param updatedAt last change to the team (null for a provisional team)
 * @param provisional true when the user has no team yet and this is the default team they
 * are about to get (absent otherwise)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TeamDocument(UUID userId, List<Agent> agents, Instant updatedAt, Boolean provisional) {

	/**
	 * One agent, with its effective workspace files.
	 *
	 * @param agentId OpenClaw agent id
	 * @param enabled whether it should run
	 * @param name English name
	 * @param nameZh Chinese name
	 * @param emoji emoji
	 * @param description English description
	 * @param descriptionZh Chinese description
	 * @param modelTier basic, standard or advanced
	 * @param soul effective SOUL.md: the user's if set, else the template's
	 * @param agentsMd AGENTS.md
	 * @param identityMd IDENTITY.md
	 * @param skills skill ids to install in its workspace (GET /internal/skills/{id})
	 * @param updatedAt last change to this agent (null for a provisional team)
	 */
	public record Agent(String agentId, boolean enabled, String name, String nameZh, String emoji, String description,
			String descriptionZh, String modelTier, String soul, String agentsMd, String identityMd,
			List<String> skills, Instant updatedAt) {

	}

}
