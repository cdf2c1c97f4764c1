package com.lingxi.config.render;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.config.OpenClawCli;
import com.lingxi.config.Samples;
import com.lingxi.config.validation.OpenClawSchema;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigRendererTests {

	private static final UUID USER = UUID.fromString("01a21700-0000-7000-8000-000000000042");

	private final ConfigRenderer renderer = new ConfigRenderer(
			new RenderProperties("loopback", "lingxi", "LINGXI_MODEL_BASE_URL", List.of("standard"), 20, "assistant"));

	private final JsonMapper json = JsonMapper.builder().build();

	private static final OpenClawSchema schema = new OpenClawSchema();

	private RenderInputs threeAgents() {
		return Samples.team(USER, Samples.agent("coder", true, "pro", List.of("code-reviewer", "fix", "missing-skill")),
				Samples.agent("assistant", true, "standard", List.of("searxng")),
				Samples.agent("ops", false, "standard", List.of("searxng")));
	}

	@Test
	void rendersOneEntryPerEnabledAgentWithItsWorkspaceModelSkillsAndFiles() {
		Bundle bundle = this.renderer.render(threeAgents());
		JsonNode agents = bundle.openclaw().path("agents");
		assertThat(agents.path("entries").propertyNames()).containsExactlyInAnyOrder("assistant", "coder");
		assertThat(agents.path("ownership").asString()).isEqualTo("explicit");
		assertThat(agents.path("defaults").path("systemAgent").path("agentId").asString()).isEqualTo("assistant");
		JsonNode coder = agents.path("entries").path("coder");
		assertThat(coder.path("workspace").asString()).isEqualTo("~/.openclaw/workspaces/coder");
		assertThat(coder.path("model").asString()).isEqualTo("lingxi/pro");
		assertThat(coder.path("params").path("extraBody").path("lingxi_agent").asString()).isEqualTo("coder");
		assertThat(coder.path("skills").valueStream().map(JsonNode::asString)).containsExactly("code-reviewer", "fix");
		assertThat(agents.path("entries").path("assistant").path("model").asString()).isEqualTo("lingxi/standard");
		assertThat(bundle.files()).extracting(Bundle.BundleFile::path)
			.contains("workspaces/coder/SOUL.md", "workspaces/coder/USER.md", "workspaces/assistant/MEMORY.md",
					"skills/code-reviewer/SKILL.md", "skills/fix/scripts/run.sh", "skills/searxng/SKILL.md")
			.noneMatch((path) -> path.startsWith("workspaces/ops/"));
		String memory = content(bundle, "workspaces/coder/MEMORY.md");
		assertThat(memory.indexOf("TypeScript")).isLessThan(memory.indexOf("团子"));
		assertThat(content(bundle, "workspaces/coder/USER.md")).contains("小明");
	}

	@Test
	void keepsSecretsOutAndQuietensBackgroundWork() {
		Bundle bundle = this.renderer.render(threeAgents());
		JsonNode config = bundle.openclaw();
		assertThat(config.path("gateway").path("auth").path("token").asString()).isEqualTo("${OPENCLAW_GATEWAY_TOKEN}");
		JsonNode provider = config.path("models").path("providers").path("lingxi");
		assertThat(provider.path("apiKey").asString()).isEqualTo("${LINGXI_MODEL_KEY}");
		assertThat(provider.path("baseUrl").asString()).isEqualTo("${LINGXI_MODEL_BASE_URL}");
		assertThat(config.path("models").path("mode").asString()).isEqualTo("replace");
		assertThat(config.path("agents").path("defaults").path("heartbeat").path("every").asString()).isEqualTo("0m");
		assertThat(config.path("update").path("checkOnStart").asBoolean()).isFalse();
		assertThat(config.path("plugins")
			.path("entries")
			.path("memory-core")
			.path("config")
			.path("dreaming")
			.path("enabled")
			.asBoolean(true)).isFalse();
		assertThat(config.path("gateway")
			.path("http")
			.path("endpoints")
			.path("chatCompletions")
			.path("enabled")
			.asBoolean()).isTrue();
	}

	@Test
	void identicalInputsGiveIdenticalBytesWhateverTheirOrder() {
		RenderInputs inputs = threeAgents();
		List<com.lingxi.config.sources.TeamView.AgentView> shuffled = new ArrayList<>(inputs.agents());
		Collections.reverse(shuffled);
		List<com.lingxi.config.sources.MemoryView> memories = new ArrayList<>(inputs.memories());
		Collections.reverse(memories);
		RenderInputs reordered = new RenderInputs(inputs.userId(), shuffled, inputs.skills(), inputs.plan(),
				inputs.modelAliases(), inputs.profile(), memories);
		Bundle a = this.renderer.render(inputs);
		Bundle b = this.renderer.render(reordered);
		assertThat(a.canonicalBytes(this.json)).isEqualTo(b.canonicalBytes(this.json));
		assertThat(a.sha256(this.json)).isEqualTo(b.sha256(this.json)).hasSize(64);
		assertThat(Bundle.fromCanonical(a.canonical()).sha256(this.json)).isEqualTo(a.sha256(this.json));
	}

	@Test
	void aPlanWithoutTheSuggestedTierGetsItsOwnModel() {
		RenderInputs inputs = threeAgents();
		RenderInputs free = new RenderInputs(USER, inputs.agents(), inputs.skills(), "free", List.of("standard"),
				inputs.profile(), inputs.memories());
		JsonNode coder = this.renderer.render(free).openclaw().path("agents").path("entries").path("coder");
		assertThat(coder.path("model").asString()).isEqualTo("lingxi/standard");
	}

	@Test
	void aTeamWithNoEnabledAgentStillGetsAnAssistant() {
		Bundle bundle = this.renderer.render(Samples.team(USER, Samples.agent("ops", false, "standard", List.of())));
		assertThat(bundle.openclaw().path("agents").path("entries").propertyNames()).containsExactly("assistant");
	}

	@Test
	void renderedAndWarmConfigurationsPassTheSchemaAndTheRealOpenClawValidator() throws Exception {
		for (Bundle bundle : List.of(this.renderer.render(threeAgents()), this.renderer.renderWarm())) {
			assertThat(schema.validate(bundle.openclaw())).isEmpty();
			JsonNode verdict = OpenClawCli.validate(bundle);
			assertThat(verdict.path("valid").asBoolean()).as(verdict.toString()).isTrue();
			assertThat(verdict.path("warnings")).isEmpty();
		}
	}

	@Test
	void theSchemaAndTheRealValidatorRejectTheSameMistakes() throws Exception {
		Bundle bundle = this.renderer.render(threeAgents());
		((tools.jackson.databind.node.ObjectNode) bundle.openclaw().path("gateway")).put("bind", "galaxy");
		((tools.jackson.databind.node.ObjectNode) bundle.openclaw().path("agents").path("entries").path("coder"))
			.put("flavour", "spicy");
		List<OpenClawSchema.Violation> violations = schema.validate(bundle.openclaw());
		assertThat(violations).extracting(OpenClawSchema.Violation::path)
			.anyMatch((path) -> path.contains("gateway.bind"))
			.anyMatch((path) -> path.contains("agents.entries.coder"));
		JsonNode verdict = OpenClawCli.validate(bundle);
		assertThat(verdict.path("valid").asBoolean()).isFalse();
	}

	private static String content(Bundle bundle, String path) {
		return bundle.files().stream().filter((f) -> f.path().equals(path)).findFirst().orElseThrow().content();
	}

}
