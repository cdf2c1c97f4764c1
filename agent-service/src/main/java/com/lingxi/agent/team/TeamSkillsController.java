package com.lingxi.agent.team;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.AgentProblems;
import com.lingxi.agent.catalog.AgentTemplate;
import com.lingxi.agent.skill.SkillCatalog;
import com.lingxi.agent.skill.SkillView;
import com.lingxi.agent.wizard.Recommender;
import com.lingxi.agent.wizard.WizardRules;
import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;

/**
 * {@code GET /api/skills/recommend} (skills that suit the caller's team) and {@code POST
 * /api/skills/{id}/install}.
 */
@RestController
class TeamSkillsController {

	private static final int MAX_SUGGESTIONS = 10;

	private final TeamService team;

	private final SkillCatalog skills;

	private final Recommender wizard;

	TeamSkillsController(TeamService team, SkillCatalog skills, Recommender wizard) {
		this.team = team;
		this.skills = skills;
		this.wizard = wizard;
	}

	/**
	 * A skill worth installing.
	 *
	 * @param skill the skill
	 * @param agentId the team member it suits best
	 * @param score 0..1
	 * @param reasons why, in Chinese and English
	 */
	record Suggestion(SkillView skill, String agentId, double score, List<String> reasons) {

	}

	/**
	 * Suggestions for the caller's team.
	 *
	 * @param items best first
	 */
	record Suggestions(List<Suggestion> items) {

	}

	private record Candidate(String skillId, String agentId, double score, List<String> reasons) {

	}

	/**
	 * For each enabled team member: its template's default skills it lacks (0.9), the
	 * template's suggested skills (0.7), and skills of the needs the wizard links to the
	 * agent (0.5 × link weights). Skills already on that agent are left out; each skill
	 * is suggested once, for the agent it suits best.
	 */
	@GetMapping("/api/skills/recommend")
	Mono<Suggestions> recommend(CurrentUser caller) {
		return this.team.team(caller).flatMap((members) -> {
			Map<String, Candidate> best = new LinkedHashMap<>();
			for (AgentConfig member : members) {
				if (!member.enabled()) {
					continue;
				}
				AgentTemplate template = this.team.template(member.agentId());
				String who = template.nameZh() + "（" + template.name() + "）";
				for (String skill : template.defaultSkills()) {
					offer(best, member, skill, 0.9, who + "的默认技能 / a default skill of " + template.name());
				}
				for (String skill : template.suggestedSkills()) {
					offer(best, member, skill, 0.7, "适合" + who + " / suits " + template.name());
				}
				for (WizardRules.Intent intent : this.wizard.rules().intents()) {
					Double agentLink = intent.agents().get(member.agentId());
					if (agentLink == null) {
						continue;
					}
					intent.skills()
						.forEach((skill, skillLink) -> offer(best, member, skill, 0.5 * agentLink * skillLink,
								who + "常做的事：" + intent.labelZh() + " / " + template.name() + " often does: "
										+ intent.label()));
				}
			}
			List<Candidate> ranked = new ArrayList<>(best.values());
			ranked.sort(Comparator.comparingDouble(Candidate::score).reversed().thenComparing(Candidate::skillId));
			List<Candidate> top = ranked.stream().limit(MAX_SUGGESTIONS).toList();
			return this.skills.findAll(top.stream().map(Candidate::skillId).toList())
				.collectMap((entry) -> entry.id())
				.map((entries) -> new Suggestions(top.stream()
					.filter((c) -> entries.containsKey(c.skillId()))
					.map((c) -> new Suggestion(SkillView.of(entries.get(c.skillId())), c.agentId(),
							Math.round(c.score() * 1000) / 1000.0, c.reasons()))
					.toList()));
		});
	}

	private static void offer(Map<String, Candidate> best, AgentConfig member, String skill, double score,
			String reason) {
		if (member.skills().contains(skill)) {
			return;
		}
		Candidate current = best.get(skill);
		if (current == null || score > current.score()) {
			List<String> reasons = new ArrayList<>();
			reasons.add(reason);
			best.put(skill, new Candidate(skill, member.agentId(), score, reasons));
		}
		else if (current.agentId().equals(member.agentId()) && !current.reasons().contains(reason)
				&& current.reasons().size() < 3) {
			current.reasons().add(reason);
		}
	}

	/**
	 * {@code POST /api/skills/{id}/install}.
	 *
	 * @param agentId the team member to install it on
	 */
	record InstallRequest(@NotBlank @Size(max = 32) String agentId) {

	}

	/**
	 * The outcome of an install.
	 *
	 * @param skillId the skill
	 * @param agentId the agent
	 * @param installed false if the agent already had it
	 * @param skills the agent's skills afterwards
	 */
	record Installed(String skillId, String agentId, boolean installed, List<String> skills) {

	}

	@PostMapping("/api/skills/{skillId}/install")
	Mono<ResponseEntity<Installed>> install(CurrentUser caller, @PathVariable String skillId,
			@Valid @RequestBody InstallRequest request) {
		return this.skills.find(skillId)
			.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.NOT_FOUND, AgentProblems.UNKNOWN_SKILL,
					"Unknown skill", "No skill in the marketplace is called '" + skillId + "'.")))
			.flatMap((entry) -> this.team.installSkill(caller, request.agentId(), skillId))
			.map((result) -> ResponseEntity.status(result.added() ? HttpStatus.CREATED : HttpStatus.OK)
				.body(new Installed(skillId, result.agent().agentId(), result.added(), result.agent().skills())));
	}

}
