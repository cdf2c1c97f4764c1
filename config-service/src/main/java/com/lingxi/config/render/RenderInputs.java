package com.lingxi.config.render;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.ProfileView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView;

/**
 * Everything a render depends on. Two renders of equal inputs give identical bytes.
 *
 * @param userId the user
 * @param agents the team, enabled and disabled agents
 * @param skills the bundles of every skill an enabled agent uses, by skill id
 * @param plan plan name
 * @param modelAliases model aliases the plan allows, cheapest first
 * @param profile the user's profile
 * @param memories the user's most important memories
 */
public record RenderInputs(UUID userId, List<TeamView.AgentView> agents, Map<String, SkillBundle> skills, String plan,
		List<String> modelAliases, ProfileView profile, List<MemoryView> memories) {
}
