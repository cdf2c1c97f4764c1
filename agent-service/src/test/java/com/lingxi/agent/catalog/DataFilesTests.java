package com.lingxi.agent.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.core.io.FileSystemResource;

import com.lingxi.agent.AgentServiceApplication;
import com.lingxi.agent.skill.Zips;
import com.lingxi.agent.skill.bundle.BundleLimits;
import com.lingxi.agent.skill.bundle.BundleValidator;
import com.lingxi.agent.skill.catalog.BundledSkills;
import com.lingxi.agent.support.DataFileException;
import com.lingxi.agent.wizard.WizardRules;
import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The catalog, the bundled skills and the wizard rules are data shipped with the service:
 * anything wrong in them stops the start with a message naming the file and the field.
 */
class DataFilesTests {

	@TempDir
	Path dir;

	private static final BundleValidator VALIDATOR = new BundleValidator(BundleLimits.defaults());

	private String write(String relative, String content) throws IOException {
		Path file = this.dir.resolve(relative);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content, StandardCharsets.UTF_8);
		return file.toString();
	}

	private String agentFolder(String id, String skills) throws IOException {
		write("agents/" + id + "/agent.yaml",
				"id: " + id + "\nname: X\nnameZh: 某\nemoji: \"🤖\"\ndescription: d\ndescriptionZh: 描述\n"
						+ "modelTier: standard\ndefaultSkills: [" + skills + "]\n");
		write("agents/" + id + "/SOUL.md", "# soul");
		write("agents/" + id + "/AGENTS.md", "# agents");
		write("agents/" + id + "/IDENTITY.md", "# identity");
		return "file:" + this.dir.resolve("agents") + "/";
	}

	@Test
	void theShippedDataIsValid() {
		BundledSkills skills = BundledSkills.load("classpath:bundled-skills/", VALIDATOR);
		assertThat(skills.all()).hasSizeGreaterThanOrEqualTo(16);
		assertThat(skills.contains("data-analysis") && skills.contains("searxng") && skills.contains("code-reviewer")
				&& skills.contains("fix"))
			.isTrue();
		AgentCatalog catalog = new AgentCatalogLoader().load("classpath:catalog/agents/", skills::contains);
		assertThat(catalog.templates()).extracting(AgentTemplate::id)
			.contains("assistant", "coder", "ops", "inventor", "pm", "writer", "researcher", "analyst");
		for (AgentTemplate template : catalog.templates()) {
			assertThat(template.soul()).as(template.id()).contains(template.nameZh());
			assertThat(template.identityMd()).as(template.id()).contains("**Emoji:** " + template.emoji());
		}
	}

	@Test
	void aBadAgentCatalogNamesTheFileAndField() throws IOException {
		String base = agentFolder("assistant", "fix");
		write("agents/index.yaml", "version: '1'\nagents: [assistant, Bad_Id]\n");
		assertThatThrownBy(() -> new AgentCatalogLoader().load(base, (s) -> true)).isInstanceOf(DataFileException.class)
			.hasMessageContaining("index.yaml")
			.hasMessageContaining("'Bad_Id' is not a valid agent id");

		write("agents/index.yaml", "version: '1'\nagents: [assistant]\n");
		assertThatThrownBy(() -> new AgentCatalogLoader().load(base, "other"::equals))
			.isInstanceOf(DataFileException.class)
			.hasMessageContaining("assistant/agent.yaml: defaultSkills[0] names 'fix', which is not a bundled skill");

		agentFolder("coder", "");
		write("agents/index.yaml", "version: '1'\nagents: [coder]\n");
		assertThatThrownBy(() -> new AgentCatalogLoader().load(base, (s) -> true))
			.hasMessageContaining("agents must include 'assistant'");

		write("agents/index.yaml", "version: '1'\nagents: [assistant, catalog]\n");
		assertThatThrownBy(() -> new AgentCatalogLoader().load(base, (s) -> true)).hasMessageContaining("reserved");

		write("agents/assistant/agent.yaml", "id: assistant\nname: X\n");
		write("agents/index.yaml", "version: '1'\nagents: [assistant]\n");
		assertThatThrownBy(() -> new AgentCatalogLoader().load(base, (s) -> true))
			.hasMessageContaining("assistant/agent.yaml: modelTier is required");
	}

	@Test
	void badWizardRulesNameTheProblem() throws IOException {
		List<String> problems = new ArrayList<>();
		String good = """
				version: "1"
				scoring: { saturation: 2.5, fuzzyFactor: 0.7, agents: { minScore: 0.3, relativeToTop: 0.4, max: 3 },
				           skills: { minScore: 0.3, relativeToTop: 0.4, max: 3 } }
				negation: { cues: [不要], notCues: [], boundaries: [但是] }
				fold: { 數: 数 }
				intents:
				  - id: data
				    label: { en: Data, zh: 数据 }
				    agents: { ops: 1.0 }
				    skills: { data-analysis: 1.0 }
				    terms: { 数据: 2, data: 2 }
				""";
		String path = write("rules.yaml", good);
		WizardRules rules = WizardRules.load(new FileSystemResource(path), "rules.yaml", "ops"::equals,
				"data-analysis"::equals);
		assertThat(rules.intents()).hasSize(1);
		for (String[] broken : new String[][] { { "agents: { ops: 1.0 }", "agents: { hacker: 1.0 }" },
				{ "skills: { data-analysis: 1.0 }", "skills: { no-skill: 1.0 }" }, { "数据: 2,", "数据: 99," },
				{ "data: 2 }", "data: 2, 数据: 1 }" }, { "cues: [不要]", "cues: []" },
				{ "fold: { 數: 数 }", "fold: { 數: 数数 }" }, { "version: \"1\"\n", "" },
				{ "terms: { 数据: 2, data: 2 }", "terms: [数据]" } }) {
			write("rules.yaml", good.replace(broken[0], broken[1]));
			try {
				WizardRules.load(new FileSystemResource(path), "rules.yaml", "ops"::equals, "data-analysis"::equals);
				problems.add("accepted: " + broken[1]);
			}
			catch (DataFileException ex) {
				assertThat(ex.getMessage()).startsWith("rules.yaml: ");
			}
		}
		write("rules.yaml", "version: 1\nversion: 2\n");
		assertThatThrownBy(() -> WizardRules.load(new FileSystemResource(path), "rules.yaml", (a) -> true, (s) -> true))
			.hasMessageContaining("not valid YAML");
		assertThat(problems).isEmpty();
	}

	@Test
	void badBundledSkillsNameTheFolder() throws IOException {
		write("skills/catalog.yaml", """
				version: "1"
				author: lingxi
				skills:
				  good:
				    name: Good
				    nameZh: 好
				    descriptionZh: 好技能
				    tags: [x]
				    version: 1.0.0
				""");
		write("skills/good/SKILL.md", Zips.skillMd("good", "A good skill."));
		String base = "file:" + this.dir.resolve("skills") + "/";
		assertThat(BundledSkills.load(base, VALIDATOR).all()).hasSize(1);

		write("skills/stray/SKILL.md", Zips.skillMd("stray", "Not listed."));
		assertThatThrownBy(() -> BundledSkills.load(base, VALIDATOR)).isInstanceOf(DataFileException.class)
			.hasMessageContaining("folders not listed in the catalog: [stray]");
		Files.delete(this.dir.resolve("skills/stray/SKILL.md"));
		Files.delete(this.dir.resolve("skills/stray"));

		write("skills/good/SKILL.md", Zips.skillMd("other-name", "Mismatch."));
		assertThatThrownBy(() -> BundledSkills.load(base, VALIDATOR))
			.hasMessageContaining("good/: SKILL.md names the skill 'other-name'");
	}

	@Test
	void theServiceDoesNotStartOnBadData() throws IOException {
		String rules = write("rules.yaml", "version: '1'\nintents: []\n");
		List<String> args = new ArrayList<>(List.of(TestInfrastructure.properties("DataFilesTests", "agent_svc")));
		args.add("lingxi.wizard.rules-location=file:" + rules);
		args.add("lingxi.crypto.keys.test=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
		args.add("lingxi.crypto.active-key=test");
		args.add("server.port=0");
		assertThatThrownBy(() -> new SpringApplicationBuilder(AgentServiceApplication.class)
			.properties(args.toArray(String[]::new))
			.run()
			.close()).hasRootCauseInstanceOf(DataFileException.class).rootCause().hasMessageContaining("rules.yaml");
	}

}
