package com.lingxi.config.versions;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import feign.FeignException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.config.ConfigProblems;
import com.lingxi.config.render.Bundle;
import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.sources.PlatformClients;
import com.lingxi.config.sources.RenderInputsLoader;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView.AgentView;

/**
 * Rolling back to an earlier version: its team (agents, their SOUL.md, AGENTS.md,
 * IDENTITY.md, model and skills) rendered with today's memories, skill catalog, profile
 * and plan, and published as a version like any render. Republishing the old bundle as it
 * was would bring back memories the user had deleted, a plan's models they no longer
 * have, skill files the catalog replaced and agents that no longer exist; so agents
 * deleted since, and skills gone from the catalog, are left out and reported.
 */
public final class Rollbacks {

	private static final Logger log = LoggerFactory.getLogger(Rollbacks.class);

	private final ConfigVersions versions;

	private final RenderInputsLoader inputs;

	private final RemoteCalls remote;

	private final PlatformClients.AgentService agents;

	private final ConfigPublisher publisher;

	private final JsonMapper json;

	public Rollbacks(ConfigVersions versions, RenderInputsLoader inputs, RemoteCalls remote,
			PlatformClients.AgentService agents, ConfigPublisher publisher, JsonMapper json) {
		this.versions = versions;
		this.inputs = inputs;
		this.remote = remote;
		this.agents = agents;
		this.publisher = publisher;
		this.json = json;
	}

	/** 404 if the user has no such version; 503/422 as for any render. */
	public Mono<Outcome> rollback(UUID userId, long version) {
		return this.versions.get(userId, version)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Configuration version " + version)))
			.map((stored) -> RecordedTeam.of(Bundle.fromCanonical(this.json.readTree(stored.bundleJson()))))
			.flatMap((team) -> this.inputs.load(userId).flatMap((today) -> withTeam(today, team)))
			.flatMap((rollback) -> this.publisher.publish(userId, rollback.inputs(), "rollback to v" + version)
				.map((published) -> new Outcome(published, version, rollback.leftOutAgents(),
						rollback.leftOutSkills())));
	}

	/** Today's inputs with the recorded team, less the agents that no longer exist. */
	private Mono<Rollback> withTeam(RenderInputs today, List<AgentView> recorded) {
		Set<String> existing = today.agents().stream().map(AgentView::agentId).collect(Collectors.toSet());
		List<AgentView> kept = recorded.stream().filter((agent) -> existing.contains(agent.agentId())).toList();
		List<String> gone = recorded.stream()
			.map(AgentView::agentId)
			.filter((agentId) -> !existing.contains(agentId))
			.sorted()
			.toList();
		Set<String> skillIds = kept.stream()
			.flatMap((agent) -> agent.skills().stream())
			.collect(Collectors.toCollection(TreeSet::new));
		return skills(skillIds).map((bundles) -> {
			List<String> missing = skillIds.stream().filter((skillId) -> !bundles.containsKey(skillId)).toList();
			RenderInputs inputs = new RenderInputs(today.userId(), kept, bundles, today.plan(), today.modelAliases(),
					today.profile(), today.memories());
			return new Rollback(inputs, gone, missing);
		});
	}

	/** The skills as the catalog has them today; one it no longer has is left out. */
	private Mono<Map<String, SkillBundle>> skills(Collection<String> skillIds) {
		return Flux.fromIterable(skillIds)
			.flatMap((skillId) -> this.remote.call("agent-service", () -> this.agents.skill(skillId))
				.onErrorResume(FeignException.NotFound.class, (ex) -> {
					log.info("Skill {} is no longer in the catalog; the rollback leaves it out", skillId);
					return Mono.empty();
				})
				.onErrorMap((ex) -> !(ex instanceof ProblemException), Rollbacks::unavailable), 4)
			.collectMap(SkillBundle::skillId);
	}

	private static ProblemException unavailable(Throwable cause) {
		log.warn("Cannot read skills for a rollback from agent-service: {}", cause.toString());
		return ProblemException
			.of(HttpStatus.SERVICE_UNAVAILABLE, ConfigProblems.INPUTS_UNAVAILABLE, "Configuration inputs unavailable",
					"agent-service could not be reached; nothing was rolled back. Try again shortly.")
			.with("service", "agent-service")
			.retryAfter(Duration.ofSeconds(5));
	}

	private record Rollback(RenderInputs inputs, List<String> leftOutAgents, List<String> leftOutSkills) {
	}

	/**
	 * What a rollback did.
	 *
	 * @param published the version now current (new, or an existing one with the same
	 * content)
	 * @param basedOn the version whose team was rendered
	 * @param leftOutAgents agents of that version that no longer exist
	 * @param leftOutSkills skills of that version's agents that the catalog no longer has
	 */
	public record Outcome(ConfigPublisher.Published published, long basedOn, List<String> leftOutAgents,
			List<String> leftOutSkills) {
	}

}
