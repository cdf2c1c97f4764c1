package com.lingxi.config.versions;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.config.Samples;
import com.lingxi.config.render.Bundle;
import com.lingxi.config.render.ConfigRenderer;
import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.render.RenderProperties;
import com.lingxi.config.sources.TeamView.AgentView;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a version's team back from its bundle, which a rollback renders again. */
class RecordedTeamTests {

	private final ConfigRenderer renderer = new ConfigRenderer(
			new RenderProperties("loopback", "lingxi", "LINGXI_MODEL_BASE_URL", List.of("standard"), 20, "assistant"));

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void renderingTheRecordedTeamWithTheSameInputsGivesTheSameVersion() {
		UUID user = UUID.randomUUID();
		AgentView englishOnly = new AgentView("writer", true, "Writer", null, null, null, null, "standard", "# SOUL\n",
				"# AGENTS\n", "# IDENTITY\n", List.of(), null);
		AgentView chineseOnly = new AgentView("ops", true, null, "运维", "🛠", null, null, "pro", "# SOUL\n",
				"# AGENTS\n", "# IDENTITY\n", List.of("fix"), null);
		AgentView sameNames = new AgentView("pm", true, "PM", "PM", "📋", null, null, "standard", "# SOUL\n",
				"# AGENTS\n", "# IDENTITY\n", List.of(), null);
		RenderInputs inputs = Samples.team(user, Samples.agent("coder", true, "pro", List.of("code-reviewer", "fix")),
				Samples.agent("idle", false, "standard", List.of("searxng")), englishOnly, chineseOnly, sameNames);
		Bundle rendered = this.renderer.render(inputs);

		List<AgentView> recorded = RecordedTeam.of(rendered);

		assertThat(recorded).extracting(AgentView::agentId).containsExactlyInAnyOrder("coder", "writer", "ops", "pm");
		Bundle again = this.renderer.render(new RenderInputs(user, recorded, inputs.skills(), inputs.plan(),
				inputs.modelAliases(), inputs.profile(), inputs.memories()));
		assertThat(again.sha256(this.json)).isEqualTo(rendered.sha256(this.json));
	}

}
