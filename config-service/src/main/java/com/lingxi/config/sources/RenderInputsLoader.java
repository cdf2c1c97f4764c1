package com.lingxi.config.sources;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import feign.FeignException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.config.ConfigProblems;
import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.render.RenderProperties;

/**
 * Gathers a render's inputs from their owners: the team, its skills and the memories from
 * agent-service, the plan from billing-service, the profile from user-service. The team
 * is required (without it there is nothing to render: 503, retried by event consumers); a
 * user billing-service does not know yet gets the default plan.
 */
public final class RenderInputsLoader {

	private static final Logger log = LoggerFactory.getLogger(RenderInputsLoader.class);

	private final RemoteCalls remote;

	private final PlatformClients.AgentService agents;

	private final PlatformClients.BillingService billing;

	private final PlatformClients.UserService users;

	private final RenderProperties properties;

	public RenderInputsLoader(RemoteCalls remote, PlatformClients.AgentService agents,
			PlatformClients.BillingService billing, PlatformClients.UserService users, RenderProperties properties) {
		this.remote = remote;
		this.agents = agents;
		this.billing = billing;
		this.users = users;
		this.properties = properties;
	}

	public Mono<RenderInputs> load(UUID userId) {
		Mono<TeamView> team = this.remote.call("agent-service", () -> this.agents.team(userId))
			.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> unavailable("agent-service", ex));
		Mono<List<MemoryView>> memories = this.remote
			.call("agent-service", () -> this.agents.importantMemories(userId, this.properties.memoriesInPrompt()))
			.onErrorMap((ex) -> unavailable("agent-service", ex));
		Mono<PlanView> plan = this.remote.call("billing-service", () -> this.billing.plan(userId))
			.onErrorResume(FeignException.NotFound.class, (ex) -> Mono.just(defaultPlan(userId)))
			.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> unavailable("billing-service", ex));
		Mono<ProfileView> profile = this.remote.call("user-service", () -> this.users.user(userId))
			.onErrorResume(FeignException.NotFound.class, (ex) -> Mono.just(new ProfileView(userId, null, null, null)))
			.onErrorMap((ex) -> !(ex instanceof ProblemException), (ex) -> unavailable("user-service", ex));
		return Mono.zip(team, memories, plan, profile)
			.flatMap((all) -> skills(all.getT1()).map((skills) -> new RenderInputs(userId, all.getT1().agents(), skills,
					all.getT3().plan(), aliases(all.getT3()), all.getT4(), all.getT2())));
	}

	private Mono<Map<String, SkillBundle>> skills(TeamView team) {
		return Flux.fromIterable(team.agents())
			.filter(TeamView.AgentView::enabled)
			.flatMapIterable(TeamView.AgentView::skills)
			.distinct()
			.flatMap((skillId) -> this.remote.call("agent-service", () -> this.agents.skill(skillId))
				.onErrorResume(FeignException.NotFound.class, (ex) -> {
					log.warn("Skill {} of user {}'s team is not in the catalog; leaving it out", skillId,
							team.userId());
					return Mono.empty();
				})
				.onErrorMap((ex) -> unavailable("agent-service", ex)), 4)
			.collectMap(SkillBundle::skillId);
	}

	private List<String> aliases(PlanView plan) {
		return (plan.limits() != null && plan.limits().modelAliases() != null
				&& !plan.limits().modelAliases().isEmpty()) ? plan.limits().modelAliases()
						: this.properties.defaultModelAliases();
	}

	private PlanView defaultPlan(UUID userId) {
		return new PlanView(userId, "free", new PlanView.Limits(null, this.properties.defaultModelAliases()));
	}

	private static ProblemException unavailable(String service, Throwable cause) {
		log.warn("Cannot read render inputs from {}: {}", service, cause.toString());
		return ProblemException
			.of(HttpStatus.SERVICE_UNAVAILABLE, ConfigProblems.INPUTS_UNAVAILABLE, "Configuration inputs unavailable",
					service + " could not be reached; the configuration was not rendered. Try again shortly.")
			.with("service", service)
			.retryAfter(Duration.ofSeconds(5));
	}

}
