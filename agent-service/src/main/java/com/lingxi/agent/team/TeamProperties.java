package com.lingxi.agent.team;

import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Agent teams.
 *
 * @param catalogLocation folder of the built-in agent catalog
 * @param maxAgents agents a team may have, per plan ({@code free}, {@code pro},
 * {@code team}, {@code enterprise}); billing-service will own this later
 * @param defaultMaxAgents limit for a plan missing from {@code maxAgents}
 * @param soulMaxBytes largest custom SOUL.md, in UTF-8 bytes
 * @param maxSkillsPerAgent most skills one agent may have
 */
@ConfigurationProperties(prefix = "lingxi.agents")
public record TeamProperties(@DefaultValue("classpath:catalog/agents/") String catalogLocation,
		Map<String, Integer> maxAgents, @DefaultValue("3") int defaultMaxAgents,
		@DefaultValue("16384") int soulMaxBytes, @DefaultValue("24") int maxSkillsPerAgent) {

	public TeamProperties {
		maxAgents = (maxAgents != null) ? Map.copyOf(maxAgents) : Map.of();
	}

	/**
	 * The plan's agent limit; an unknown or missing plan gets {@code defaultMaxAgents}.
	 */
	public int limitFor(String plan) {
		String key = (plan != null) ? plan.toLowerCase(Locale.ROOT) : "free";
		return this.maxAgents.getOrDefault(key, this.defaultMaxAgents);
	}

}
