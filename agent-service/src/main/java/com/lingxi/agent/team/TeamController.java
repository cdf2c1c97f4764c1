package com.lingxi.agent.team;

import java.net.URI;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.skill.SkillCatalog;
import com.lingxi.agent.skill.SkillView;
import com.lingxi.common.identity.CurrentUser;

/** {@code /api/agents}: the caller's own team. There is no way to name another user's. */
@RestController
class TeamController {

	private final TeamService team;

	private final SkillCatalog skills;

	TeamController(TeamService team, SkillCatalog skills) {
		this.team = team;
		this.skills = skills;
	}

	/**
	 * The team.
	 *
	 * @param plan the caller's plan
	 * @param limit agents the plan allows
	 * @param agents the agents
	 */
	record Team(String plan, int limit, List<TeamMember> agents) {

	}

	@GetMapping("/api/agents")
	Mono<Team> team(CurrentUser caller) {
		return this.team.team(caller)
			.map((configs) -> new Team((caller.plan() != null) ? caller.plan() : "free",
					this.team.properties().limitFor(caller.plan()), configs.stream().map(this::member).toList()));
	}

	/**
	 * {@code POST /api/agents}.
	 *
	 * @param agentId catalog agent id
	 * @param skills skills to start with (default: the template's)
	 * @param customSoul a SOUL.md of the caller's own
	 */
	record AddAgent(@NotBlank @Size(max = 32) String agentId, @Size(max = 64) List<@NotBlank String> skills,
			String customSoul) {

	}

	@PostMapping("/api/agents")
	Mono<ResponseEntity<TeamMember>> add(CurrentUser caller, @Valid @RequestBody AddAgent request) {
		return this.team.add(caller, request.agentId(), request.skills(), request.customSoul())
			.map((config) -> ResponseEntity.created(URI.create("/api/agents/" + config.agentId()))
				.body(member(config)));
	}

	@GetMapping("/api/agents/{agentId}")
	Mono<TeamMember> get(CurrentUser caller, @PathVariable String agentId) {
		return this.team.member(caller, agentId).map(this::member);
	}

	@PutMapping("/api/agents/{agentId}")
	Mono<TeamMember> update(CurrentUser caller, @PathVariable String agentId, @RequestBody AgentUpdate update) {
		update.validate();
		return this.team.update(caller, agentId, update.enabled(), update.soulPresent(), update.customSoul())
			.map(this::member);
	}

	@DeleteMapping("/api/agents/{agentId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> remove(CurrentUser caller, @PathVariable String agentId) {
		return this.team.remove(caller, agentId);
	}

	/**
	 * An agent's skills.
	 *
	 * @param agentId the agent
	 * @param skills its skills, in installation order
	 */
	record AgentSkills(String agentId, List<SkillView> skills) {

	}

	@GetMapping("/api/agents/{agentId}/skills")
	Mono<AgentSkills> skills(CurrentUser caller, @PathVariable String agentId) {
		return this.team.member(caller, agentId).flatMap(this::agentSkills);
	}

	/**
	 * {@code POST /api/agents/{agentId}/skills}.
	 *
	 * @param skillId the skill to install
	 */
	record InstallSkill(@NotBlank @Size(max = 64) String skillId) {

	}

	@PostMapping("/api/agents/{agentId}/skills")
	Mono<ResponseEntity<AgentSkills>> install(CurrentUser caller, @PathVariable String agentId,
			@Valid @RequestBody InstallSkill request) {
		return this.team.installSkill(caller, agentId, request.skillId())
			.flatMap((installed) -> agentSkills(installed.agent())
				.map((body) -> ResponseEntity.status(installed.added() ? HttpStatus.CREATED : HttpStatus.OK)
					.body(body)));
	}

	@DeleteMapping("/api/agents/{agentId}/skills/{skillId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> uninstall(CurrentUser caller, @PathVariable String agentId, @PathVariable String skillId) {
		return this.team.removeSkill(caller, agentId, skillId).then();
	}

	private Mono<AgentSkills> agentSkills(AgentConfig config) {
		return this.skills.findAll(config.skills()).collectMap((entry) -> entry.id()).map((found) -> {
			Map<String, com.lingxi.agent.skill.store.SkillEntry> byId = found;
			List<SkillView> views = config.skills()
				.stream()
				.filter(byId::containsKey)
				.map((id) -> SkillView.of(byId.get(id)))
				.toList();
			return new AgentSkills(config.agentId(), views);
		});
	}

	private TeamMember member(AgentConfig config) {
		return TeamMember.of(config, this.team.template(config.agentId()));
	}

}
