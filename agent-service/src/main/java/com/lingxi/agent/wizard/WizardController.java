package com.lingxi.agent.wizard;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.support.FieldErrors;
import com.lingxi.agent.team.TeamMember;
import com.lingxi.agent.team.TeamService;
import com.lingxi.common.identity.CurrentUser;

/** {@code POST /api/agents/recommend} and {@code /recommend/apply}: the Lingxi wizard. */
@RestController
class WizardController {

	private final Recommender wizard;

	private final TeamService team;

	private final WizardProperties properties;

	WizardController(Recommender wizard, TeamService team, WizardProperties properties) {
		this.wizard = wizard;
		this.team = team;
		this.properties = properties;
	}

	/**
	 * What the user wants, in their words.
	 *
	 * @param text Chinese, English or both
	 */
	record RecommendRequest(String text) {

	}

	@PostMapping("/api/agents/recommend")
	Recommendation recommend(CurrentUser caller, @RequestBody RecommendRequest request) {
		return this.wizard.recommend(checkText(request.text()));
	}

	/**
	 * {@code POST /api/agents/recommend/apply}: either the text (the wizard's current
	 * recommendation for it is applied, best agents first as far as the plan allows) or
	 * an explicit list of agents (e.g. the recommendation after the user unticked some;
	 * all or nothing against the plan limit).
	 *
	 * @param text request text
	 * @param agents agents to adopt, with the skills each should get
	 * @param replace true to remove team members outside the recommendation
	 */
	record ApplyRequest(String text, @Valid @Size(max = 20) List<PlannedAgent> agents, Boolean replace) {

	}

	/**
	 * An agent to adopt.
	 *
	 * @param agentId catalog agent id
	 * @param skills skills it should have (default: none beyond what it has)
	 */
	record PlannedAgent(@NotBlank @Size(max = 32) String agentId, @Size(max = 64) List<@NotBlank String> skills) {

	}

	/**
	 * The outcome of applying.
	 *
	 * @param recommendation the recommendation applied, when the request gave a text
	 * @param agents the caller's team afterwards
	 * @param skipped recommended agents left out because the plan allows no more
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record Applied(Recommendation recommendation, List<TeamMember> agents, List<String> skipped) {

	}

	@PostMapping("/api/agents/recommend/apply")
	Mono<Applied> apply(CurrentUser caller, @Valid @RequestBody ApplyRequest request) {
		boolean hasText = request.text() != null;
		boolean hasAgents = request.agents() != null;
		if (hasText == hasAgents) {
			throw FieldErrors.single("body", "must contain either text or agents");
		}
		Recommendation recommendation = hasText ? this.wizard.recommend(checkText(request.text())) : null;
		List<TeamService.PlannedAgent> plan = hasText
				? recommendation.agents()
					.stream()
					.map((pick) -> new TeamService.PlannedAgent(pick.agentId(), pick.skills()))
					.toList()
				: request.agents()
					.stream()
					.map((agent) -> new TeamService.PlannedAgent(agent.agentId(),
							(agent.skills() != null) ? agent.skills() : List.of()))
					.toList();
		if (plan.isEmpty()) {
			throw FieldErrors.single("agents", "must name at least one agent");
		}
		return this.team.apply(caller, plan, Boolean.TRUE.equals(request.replace()), hasText)
			.map((applied) -> new Applied(recommendation,
					applied.team().stream().map((c) -> TeamMember.of(c, this.team.template(c.agentId()))).toList(),
					applied.skipped()));
	}

	private String checkText(String text) {
		if (text == null || text.isBlank()) {
			throw FieldErrors.single("text", "must not be blank");
		}
		if (text.length() > this.properties.maxTextLength()) {
			throw FieldErrors.single("text", "must be at most " + this.properties.maxTextLength() + " characters");
		}
		return text;
	}

}
