package com.lingxi.agent.wizard;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.lingxi.agent.wizard.Recommendation.AgentPick;
import com.lingxi.agent.wizard.Recommendation.Reason;
import com.lingxi.agent.wizard.Recommendation.SkillPick;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviours of the wizard a user would notice, one by one. */
class WizardTests {

	private final Recommender wizard = WizardFixtures.recommender();

	private List<String> agents(String text) {
		return this.wizard.recommend(text).agents().stream().map(AgentPick::agentId).toList();
	}

	private List<String> skills(String text) {
		return this.wizard.recommend(text).skills().stream().map(SkillPick::skillId).toList();
	}

	@Test
	void theSpecsFourRulesHold() {
		assertThat(agents("帮我看看运营数据和增长报表")).first().isEqualTo("ops");
		assertThat(skills("帮我看看运营数据和增长报表")).contains("data-analysis");
		assertThat(agents("重构一下这个 API，顺便修个 bug")).containsExactly("coder");
		assertThat(skills("重构一下这个 API，顺便修个 bug")).contains("code-reviewer", "fix");
		assertThat(agents("给新品牌来点创意文案和想法，头脑风暴一下")).first().isEqualTo("inventor");
		assertThat(agents("梳理产品需求，定义 MVP")).containsExactly("pm");
	}

	@Test
	void explainsEachRecommendationWithTheWordsThatMatched() {
		Recommendation answer = this.wizard.recommend("我想做数据分析，还要写 Python 脚本");
		AgentPick ops = answer.agents().stream().filter((a) -> a.agentId().equals("ops")).findFirst().orElseThrow();
		assertThat(ops.reasons()).extracting(Reason::matched).contains("数据分析");
		assertThat(ops.score()).isBetween(0.0, 1.0);
		AgentPick coder = answer.agents().stream().filter((a) -> a.agentId().equals("coder")).findFirst().orElseThrow();
		assertThat(coder.reasons()).extracting(Reason::matched).contains("python", "脚本");
		assertThat(answer.needs()).extracting(Recommendation.NeedMatch::id).contains("data-analysis", "coding");
		assertThat(answer.rulesVersion()).isEqualTo("2026.11.1");
		assertThat(answer.fallback()).isFalse();
	}

	@Test
	void negationRemovesWhatTheUserDoesNotWant() {
		Recommendation answer = this.wizard.recommend("我想做数据分析，但是不需要写代码");
		assertThat(answer.agents()).extracting(AgentPick::agentId).doesNotContain("coder");
		assertThat(answer.excluded()).extracting(Recommendation.Exclusion::agentId).contains("coder");
		assertThat(answer.excluded().get(0).reasons().get(0).negatedBy()).isEqualTo("不需要");
		assertThat(agents("不需要写代码，只要做数据分析")).doesNotContain("coder").contains("ops");
		assertThat(agents("代码就不用写了，帮我做个竞品分析")).doesNotContain("coder");
		assertThat(agents("I don't need coding, just data analysis")).doesNotContain("coder").contains("ops");
		// Inability is a need, not a negation.
		assertThat(agents("我不会写代码，想做个网站")).containsExactly("coder");
		assertThat(agents("我特别需要写代码")).containsExactly("coder");
		assertThat(agents("I have no idea how to build an app")).contains("coder");
	}

	@Test
	void foldsWidthCaseAndTraditionalCharacters() {
		assertThat(agents("ＰＹＴＨＯＮ 写个爬虫")).containsExactly("coder");
		assertThat(agents("PYTHON 写个爬虫")).isEqualTo(agents("python 写个爬虫"));
		assertThat(agents("幫我分析銷售數據")).isEqualTo(agents("帮我分析销售数据"));
		assertThat(agents("DATA ANALYSIS")).first().isEqualTo("ops");
	}

	@Test
	void understandsSeveralNeedsInOneSentence() {
		assertThat(agents("我需要分析运营数据、写周报，还要给新活动想几个创意点子")).contains("ops", "inventor");
		assertThat(agents("帮我修复登录接口的 bug，再把部署流程自动化")).contains("coder", "devops");
		assertThat(agents("Our team needs a PM and a data analyst")).contains("pm", "analyst");
	}

	@Test
	void toleratesOneTypoInLongWords() {
		Recommendation answer = this.wizard.recommend("I want to do some brainstroming");
		assertThat(answer.agents()).extracting(AgentPick::agentId).containsExactly("inventor");
		assertThat(answer.agents().get(0).reasons().get(0).fuzzy()).isTrue();
		assertThat(agents("translte this please")).contains("translator");
		// Short words are never fuzzy-matched: "code" vs "mode".
		assertThat(agents("switch to dark mode")).containsExactly("assistant");
	}

	@Test
	void textThatNamesNoNeedGetsTheGeneralAssistant() {
		for (String text : List.of("你好", "今天天气不错", "hello there", "🙂🙂🙂", "12345")) {
			Recommendation answer = this.wizard.recommend(text);
			assertThat(answer.fallback()).as(text).isTrue();
			assertThat(answer.agents()).extracting(AgentPick::agentId).containsExactly("assistant");
			assertThat(answer.message()).contains("通用助理");
		}
		Recommendation onlyNegated = this.wizard.recommend("我不需要写代码");
		assertThat(onlyNegated.fallback()).isTrue();
		assertThat(onlyNegated.excluded()).extracting(Recommendation.Exclusion::agentId).contains("coder");
	}

	@Test
	void specificTermsWinOverTheWordsInsideThem() {
		// 竞品分析 is competitor analysis, not data analysis; 大模型 is not modelling.
		assertThat(agents("做个竞品分析")).doesNotContain("analyst");
		assertThat(agents("研究一下大模型行业")).doesNotContain("analyst");
		// 排查 (troubleshoot) is not 查一下 (look up).
		assertThat(agents("帮我排查一下这个 bug")).containsExactly("coder");
	}

	@Test
	void assignsEachRecommendedSkillToTheAgentItBelongsWith() {
		Recommendation answer = this.wizard.recommend("分析销售数据，另外帮我修个 bug");
		SkillPick fix = answer.skills().stream().filter((s) -> s.skillId().equals("fix")).findFirst().orElseThrow();
		assertThat(fix.agentId()).isEqualTo("coder");
		SkillPick data = answer.skills()
			.stream()
			.filter((s) -> s.skillId().equals("data-analysis"))
			.findFirst()
			.orElseThrow();
		assertThat(data.agentId()).isEqualTo("ops");
		AgentPick coder = answer.agents().stream().filter((a) -> a.agentId().equals("coder")).findFirst().orElseThrow();
		assertThat(coder.skills()).contains("code-reviewer", "fix");
	}

}
