package com.lingxi.agent.wizard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.ClassPathResource;

import com.lingxi.agent.support.YamlNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the labelled requests of {@code wizard/eval.yaml} through the wizard and through a
 * baseline that applies the product spec's four rules by plain substring matching, and
 * reports precision and recall of the recommended agents and skills for both (written to
 * {@code target/wizard-evaluation.txt}). The wizard must stay clearly ahead.
 */
class WizardEvaluationTests {

	record Item(String text, Set<String> agents, Set<String> accept, Set<String> skills, Set<String> acceptSkills) {

	}

	record Prediction(List<String> agents, List<String> skills) {

	}

	static final class Score {

		int predicted;

		int correct;

		int expected;

		int found;

		int top1;

		int items;

		double precision() {
			return (this.predicted == 0) ? 1 : (double) this.correct / this.predicted;
		}

		double recall() {
			return (this.expected == 0) ? 1 : (double) this.found / this.expected;
		}

		double top1() {
			return (this.items == 0) ? 1 : (double) this.top1 / this.items;
		}

		void add(List<String> predicted, Set<String> expected, Set<String> acceptable) {
			if (expected.isEmpty() && acceptable.isEmpty()) {
				return;
			}
			this.predicted += predicted.size();
			this.correct += (int) predicted.stream()
				.filter((p) -> expected.contains(p) || acceptable.contains(p))
				.count();
			if (!expected.isEmpty()) {
				this.expected += expected.size();
				this.found += (int) expected.stream().filter(predicted::contains).count();
				this.items++;
				if (!predicted.isEmpty() && expected.contains(predicted.get(0))) {
					this.top1++;
				}
			}
		}

	}

	static List<Item> items(String file) {
		YamlNode root = YamlNode.load(new ClassPathResource(file), file);
		List<Item> items = new ArrayList<>();
		for (YamlNode item : root.get("items").list()) {
			items.add(new Item(item.get("text").text(), set(item.get("agents")), set(item.get("accept")),
					set(item.get("skills")), set(item.get("acceptSkills"))));
		}
		return items;
	}

	private static Set<String> set(YamlNode node) {
		return new LinkedHashSet<>(node.texts());
	}

	/**
	 * The product spec's rules, applied literally: substring matches, no weights, no
	 * negation.
	 */
	static Prediction baseline(String text) {
		String lower = text.toLowerCase(Locale.ROOT);
		Map<List<String>, List<String>> rules = new java.util.LinkedHashMap<>();
		rules.put(List.of("数据", "分析", "运营", "增长", "报表"), List.of("ops", "data-analysis", "searxng"));
		rules.put(List.of("代码", "开发", "bug", "重构", "api"), List.of("coder", "code-reviewer", "fix"));
		rules.put(List.of("创意", "文案", "想法", "头脑风暴"), List.of("inventor"));
		rules.put(List.of("产品", "需求", "用户", "mvp"), List.of("pm"));
		List<String> agents = new ArrayList<>();
		List<String> skills = new ArrayList<>();
		rules.forEach((words, outcome) -> {
			if (words.stream().anyMatch(lower::contains)) {
				agents.add(outcome.get(0));
				skills.addAll(outcome.subList(1, outcome.size()));
			}
		});
		if (agents.isEmpty()) {
			agents.add("assistant");
		}
		return new Prediction(agents, skills);
	}

	record Result(Score agents, Score skills, Score baseAgents, Score baseSkills, String report) {

	}

	static Result evaluate(Recommender wizard, String file) {
		List<Item> items = items(file);
		Score wizardAgents = new Score();
		Score wizardSkills = new Score();
		Score baseAgents = new Score();
		Score baseSkills = new Score();
		StringBuilder misses = new StringBuilder();
		for (Item item : items) {
			Recommendation answer = wizard.recommend(item.text());
			List<String> agents = answer.agents().stream().map(Recommendation.AgentPick::agentId).toList();
			List<String> skills = answer.skills().stream().map(Recommendation.SkillPick::skillId).toList();
			wizardAgents.add(agents, item.agents(), item.accept());
			wizardSkills.add(skills, item.skills(), item.acceptSkills());
			Prediction base = baseline(item.text());
			baseAgents.add(base.agents(), item.agents(), item.accept());
			baseSkills.add(base.skills(), item.skills(), item.acceptSkills());
			boolean wrongAgent = agents.stream()
				.anyMatch((a) -> !item.agents().contains(a) && !item.accept().contains(a))
					|| !agents.containsAll(item.agents());
			boolean wrongSkill = skills.stream()
				.anyMatch((s) -> !item.skills().contains(s) && !item.acceptSkills().contains(s))
					|| !skills.containsAll(item.skills());
			if (wrongAgent || wrongSkill) {
				misses.append(String.format("  %s%n      agents %s (want %s)  skills %s (want %s)%n", item.text(),
						agents, item.agents(), skills, item.skills()));
			}
		}
		String report = String.format(Locale.ROOT, """
				%s: %d labelled requests (rules %s)
				                      precision  recall  top-1
				agents   wizard          %.3f    %.3f   %.3f
				agents   spec baseline   %.3f    %.3f   %.3f
				skills   wizard          %.3f    %.3f   %.3f
				skills   spec baseline   %.3f    %.3f   %.3f
				requests not answered exactly as labelled:
				%s
				""", file, items.size(), wizard.rules().version(), wizardAgents.precision(), wizardAgents.recall(),
				wizardAgents.top1(), baseAgents.precision(), baseAgents.recall(), baseAgents.top1(),
				wizardSkills.precision(), wizardSkills.recall(), wizardSkills.top1(), baseSkills.precision(),
				baseSkills.recall(), baseSkills.top1(), misses);
		return new Result(wizardAgents, wizardSkills, baseAgents, baseSkills, report);
	}

	@Test
	void wizardIsPreciseAndBeatsTheSpecBaseline() throws IOException {
		Recommender wizard = WizardFixtures.recommender();
		assertThat(items("wizard/eval.yaml")).hasSizeGreaterThanOrEqualTo(60);
		Result main = evaluate(wizard, "wizard/eval.yaml");
		Result holdout = evaluate(wizard, "wizard/eval-holdout.yaml");
		String report = main.report() + "\n" + holdout.report();
		System.out.println(report);
		Files.createDirectories(Path.of("target"));
		Files.writeString(Path.of("target", "wizard-evaluation.txt"), report, StandardCharsets.UTF_8);
		assertThat(main.agents().precision()).as("agent precision").isGreaterThanOrEqualTo(0.90);
		assertThat(main.agents().recall()).as("agent recall").isGreaterThanOrEqualTo(0.95);
		assertThat(main.skills().precision()).as("skill precision").isGreaterThanOrEqualTo(0.85);
		assertThat(main.skills().recall()).as("skill recall").isGreaterThanOrEqualTo(0.90);
		for (Result result : List.of(main, holdout)) {
			assertThat(result.agents().precision()).isGreaterThan(result.baseAgents().precision() + 0.15);
			assertThat(result.agents().recall()).isGreaterThan(result.baseAgents().recall() + 0.15);
			assertThat(result.skills().recall()).isGreaterThan(result.baseSkills().recall() + 0.15);
		}
	}

}
