package com.lingxi.config;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.ProfileView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView.AgentView;

/** Realistic render inputs for tests. */
public final class Samples {

	public static final Instant T0 = Instant.parse("2026-11-01T08:00:00Z");

	private Samples() {
	}

	public static AgentView agent(String id, boolean enabled, String tier, List<String> skills) {
		return new AgentView(id, enabled, Character.toUpperCase(id.charAt(0)) + id.substring(1), "中文-" + id, "🤖",
				"The " + id, "负责" + id, tier, "# SOUL of " + id + "\n\nBe excellent.\n",
				"# AGENTS\n\nWork carefully.\n", "# IDENTITY\n\n- Name: " + id + "\n", skills, T0);
	}

	public static SkillBundle skill(String id) {
		return new SkillBundle(
				id, "1.0.0", List.of(
						new SkillBundle.SkillFile("SKILL.md",
								"---\nname: " + id + "\ndescription: Does " + id + " things.\n---\n\n# " + id
										+ "\n\nSteps.\n",
								"utf-8"),
						new SkillBundle.SkillFile("scripts/run.sh", "IyEvYmluL3NoCmVjaG8gb2sK", "base64")));
	}

	public static RenderInputs team(UUID user, AgentView... agents) {
		return new RenderInputs(user, List.of(agents),
				Map.of("code-reviewer", skill("code-reviewer"), "fix", skill("fix"), "searxng", skill("searxng")),
				"pro", List.of("standard", "pro"), new ProfileView(user, "小明", "pro", T0),
				List.of(new MemoryView(UUID.fromString("00000000-0000-7000-8000-000000000001"), "work", "preference",
						"Prefers TypeScript over Python", 8, T0),
						new MemoryView(UUID.fromString("00000000-0000-7000-8000-000000000002"), "life", "fact",
								"Has a cat called 团子", 5, T0.plusSeconds(60))));
	}

}
