package com.lingxi.agent.catalog;

import java.util.List;

/**
 * A built-in agent a user can put in their team.
 *
 * @param id agent id, lowercase {@code [a-z][a-z0-9-]{1,31}}; it becomes the OpenClaw
 * agent id
 * @param name English display name
 * @param nameZh Chinese display name
 * @param emoji the agent's emoji (OpenClaw identity)
 * @param description English one-paragraph description
 * @param descriptionZh Chinese description
 * @param modelTier suggested model tier: {@code basic}, {@code standard} or
 * {@code advanced}
 * @param defaultSkills skills the agent gets when added without a skill list
 * @param suggestedSkills further skills that suit it (marketplace recommendations)
 * @param soul default SOUL.md
 * @param agentsMd default AGENTS.md
 * @param identityMd default IDENTITY.md
 */
public record AgentTemplate(String id, String name, String nameZh, String emoji, String description,
		String descriptionZh, String modelTier, List<String> defaultSkills, List<String> suggestedSkills, String soul,
		String agentsMd, String identityMd) {

}
