package com.lingxi.agent.team;

import java.time.Instant;
import java.util.List;

import com.lingxi.agent.catalog.AgentTemplate;

/**
 * An agent of the caller's team, as the API shows it.
 *
 * @param agentId agent id
 * @param name English name
 * @param nameZh Chinese name
 * @param emoji emoji
 * @param description English description
 * @param descriptionZh Chinese description
 * @param modelTier suggested model tier
 * @param enabled whether it runs
 * @param skills installed skills
 * @param customSoul the caller's SOUL.md, null when the template's is used
 * @param createdAt added to the team
 * @param updatedAt last changed
 */
public record TeamMember(String agentId, String name, String nameZh, String emoji, String description,
		String descriptionZh, String modelTier, boolean enabled, List<String> skills, String customSoul,
		Instant createdAt, Instant updatedAt) {

	public static TeamMember of(AgentConfig config, AgentTemplate template) {
		return new TeamMember(config.agentId(), template.name(), template.nameZh(), template.emoji(),
				template.description(), template.descriptionZh(), template.modelTier(), config.enabled(),
				config.skills(), config.customSoul(), config.createdAt(), config.updatedAt());
	}

}
