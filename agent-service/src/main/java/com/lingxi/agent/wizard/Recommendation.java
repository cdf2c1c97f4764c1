package com.lingxi.agent.wizard;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The wizard's answer.
 *
 * @param rulesVersion version of the rules that produced it
 * @param agents recommended agents, best first
 * @param skills recommended skills, best first, each with the agent it goes to
 * @param needs the needs recognised in the text, strongest first
 * @param excluded agents the text ruled out ("不需要写代码"), with the negated terms
 * @param fallback true when nothing specific was recognised and the general assistant is
 * offered
 * @param message a hint for the user when {@code fallback} is true
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Recommendation(String rulesVersion, List<AgentPick> agents, List<SkillPick> skills, List<NeedMatch> needs,
		List<Exclusion> excluded, boolean fallback, String message) {

	/**
	 * A recommended agent.
	 *
	 * @param agentId agent id
	 * @param name English name
	 * @param nameZh Chinese name
	 * @param emoji emoji
	 * @param score 0..1
	 * @param reasons the matched terms that support it, strongest need first
	 * @param skills the skills it would get on apply: its template defaults plus the
	 * recommended skills assigned to it
	 */
	public record AgentPick(String agentId, String name, String nameZh, String emoji, double score,
			List<Reason> reasons, List<String> skills) {

	}

	/**
	 * A recommended skill.
	 *
	 * @param skillId skill id
	 * @param name English name
	 * @param nameZh Chinese name
	 * @param score 0..1
	 * @param agentId the recommended agent it goes to
	 * @param reasons the matched terms that support it
	 */
	public record SkillPick(String skillId, String name, String nameZh, double score, String agentId,
			List<Reason> reasons) {

	}

	/**
	 * One matched term.
	 *
	 * @param need the need it expresses
	 * @param term the rule term
	 * @param matched the words of the request that matched (normalised)
	 * @param weight the weight it contributed
	 * @param fuzzy whether it matched with one typo
	 * @param negatedBy the negation cue that turned it against the need, if any
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record Reason(String need, String term, String matched, double weight, boolean fuzzy, String negatedBy) {

	}

	/**
	 * A recognised need.
	 *
	 * @param id need id
	 * @param label English label
	 * @param labelZh Chinese label
	 * @param score 0..1 from the positive matches
	 * @param matched terms that matched
	 * @param negated terms that matched under a negation
	 */
	public record NeedMatch(String id, String label, String labelZh, double score, List<String> matched,
			List<String> negated) {

	}

	/**
	 * An agent the request ruled out.
	 *
	 * @param agentId agent id
	 * @param reasons the negated terms
	 */
	public record Exclusion(String agentId, List<Reason> reasons) {

	}

}
