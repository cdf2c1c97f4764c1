package com.lingxi.agent.team;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.agent.AgentProblems;
import com.lingxi.agent.catalog.AgentCatalog;
import com.lingxi.agent.catalog.AgentTemplate;
import com.lingxi.agent.skill.SkillCatalog;
import com.lingxi.agent.support.FieldErrors;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.AgentsChanged;
import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;

/**
 * A user's agent team: the rules (catalog agents only, plan limits, skill limits, soul
 * size) and the transactions. Every change locks the user's team row first, so limits
 * hold under concurrent requests, and publishes {@code agents.changed} in the same
 * transaction.
 */
public final class TeamService {

	private static final Logger log = LoggerFactory.getLogger(TeamService.class);

	private final Teams teams;

	private final AgentCatalog catalog;

	private final SkillCatalog skills;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final TeamProperties properties;

	public TeamService(Teams teams, AgentCatalog catalog, SkillCatalog skills, EventPublisher events,
			TransactionalOperator tx, TeamProperties properties) {
		this.teams = teams;
		this.catalog = catalog;
		this.skills = skills;
		this.events = events;
		this.tx = tx;
		this.properties = properties;
	}

	public TeamProperties properties() {
		return this.properties;
	}

	// --- reads -------------------------------------------------------------------------

	/** The caller's team, created with the default agent on first use. */
	public Mono<List<AgentConfig>> team(CurrentUser caller) {
		return this.tx.transactional(ensureTeam(caller.id()).thenMany(this.teams.members(caller.id())).collectList());
	}

	public Mono<AgentConfig> member(CurrentUser caller, String agentId) {
		return this.teams.member(caller.id(), agentId).switchIfEmpty(Mono.error(() -> notInTeam(agentId)));
	}

	/**
	 * A user's team for config-service. A user without a team row (the sign-up event not
	 * handled yet) gets the default team, marked provisional, without writing anything.
	 */
	public Mono<TeamDocument> document(UUID userId) {
		return this.teams.updatedAt(userId)
			.flatMap((updatedAt) -> this.teams.members(userId)
				.map(this::documentAgent)
				.collectList()
				.map((agents) -> new TeamDocument(userId, agents, updatedAt, null)))
			.switchIfEmpty(Mono.fromSupplier(() -> {
				AgentTemplate template = this.catalog.find(AgentCatalog.DEFAULT_AGENT).orElseThrow();
				AgentConfig virtual = new AgentConfig(null, userId, template.id(), true, template.defaultSkills(), null,
						null, null);
				return new TeamDocument(userId, List.of(documentAgent(virtual)), null, true);
			}));
	}

	private TeamDocument.Agent documentAgent(AgentConfig config) {
		AgentTemplate template = template(config.agentId());
		String soul = (config.customSoul() != null) ? config.customSoul() : template.soul();
		return new TeamDocument.Agent(config.agentId(), config.enabled(), template.name(), template.nameZh(),
				template.emoji(), template.description(), template.descriptionZh(), template.modelTier(), soul,
				template.agentsMd(), template.identityMd(), config.skills(), config.updatedAt());
	}

	/**
	 * The template of a team member; an agent that left the catalog keeps working with
	 * the general assistant's files under its own id.
	 */
	public AgentTemplate template(String agentId) {
		return this.catalog.find(agentId).orElseGet(() -> {
			AgentTemplate fallback = this.catalog.find(AgentCatalog.DEFAULT_AGENT).orElseThrow();
			return new AgentTemplate(agentId, agentId, agentId, fallback.emoji(), fallback.description(),
					fallback.descriptionZh(), fallback.modelTier(), List.of(), List.of(), fallback.soul(),
					fallback.agentsMd(), fallback.identityMd());
		});
	}

	// --- changes -----------------------------------------------------------------------

	/** Adds a catalog agent; skills default to the template's. */
	public Mono<AgentConfig> add(CurrentUser caller, String agentId, List<String> requestedSkills, String customSoul) {
		AgentTemplate template = this.catalog.find(agentId).orElseThrow(() -> unknownAgent(agentId));
		checkSoul(customSoul);
		List<String> skillIds = (requestedSkills != null) ? distinct(requestedSkills) : template.defaultSkills();
		checkSkillCount(skillIds.size());
		return checkSkillsExist(skillIds, "skills")
			.then(this.tx.transactional(lockTeam(caller.id()).then(this.teams.member(caller.id(), agentId))
				.flatMap((existing) -> Mono.<AgentConfig>error(alreadyInTeam(agentId)))
				.switchIfEmpty(Mono
					.defer(() -> this.teams.count(caller.id())
						.flatMap((count) -> (count >= limit(caller)) ? Mono.error(limitReached(caller, count))
								: this.teams.insert(caller.id(), agentId, skillIds, customSoul)))
					.flatMap((added) -> announce(caller.id(), "agent.added").thenReturn(added)))))
			.onErrorMap(DataIntegrityViolationException.class, (ex) -> alreadyInTeam(agentId));
	}

	/**
	 * Enables/disables an agent and/or sets its SOUL.md ({@code setSoul} with a null soul
	 * goes back to the template's).
	 */
	public Mono<AgentConfig> update(CurrentUser caller, String agentId, Boolean enabled, boolean setSoul, String soul) {
		checkSoul(soul);
		return this.tx.transactional(lockTeam(caller.id()).then(member(caller, agentId)).flatMap((current) -> {
			boolean enabledChanges = enabled != null && enabled != current.enabled();
			boolean soulChanges = setSoul && !java.util.Objects.equals(soul, current.customSoul());
			if (!enabledChanges && !soulChanges) {
				return Mono.just(current);
			}
			String change = enabledChanges ? (enabled ? "agent.enabled" : "agent.disabled") : "agent.soul-updated";
			return this.teams.update(caller.id(), agentId, enabled, setSoul, soul)
				.flatMap((updated) -> announce(caller.id(), change).thenReturn(updated));
		}));
	}

	public Mono<Void> remove(CurrentUser caller, String agentId) {
		return this.tx.transactional(lockTeam(caller.id()).then(this.teams.delete(caller.id(), agentId))
			.flatMap((deleted) -> deleted ? announce(caller.id(), "agent.removed") : Mono.error(notInTeam(agentId))));
	}

	/**
	 * The outcome of installing a skill.
	 *
	 * @param agent the agent after the change
	 * @param added false if the skill was already installed
	 */
	public record Installed(AgentConfig agent, boolean added) {

	}

	/** Installs a skill on a team member; installing it twice changes nothing. */
	public Mono<Installed> installSkill(CurrentUser caller, String agentId, String skillId) {
		return checkSkillsExist(List.of(skillId), "skillId")
			.then(this.tx.transactional(lockTeam(caller.id()).then(member(caller, agentId)).flatMap((current) -> {
				if (current.skills().contains(skillId)) {
					return Mono.just(new Installed(current, false));
				}
				if (current.skills().size() >= this.properties.maxSkillsPerAgent()) {
					return Mono.error(ProblemException
						.conflict(AgentProblems.SKILL_LIMIT_REACHED, "Skill limit reached",
								"An agent can have at most " + this.properties.maxSkillsPerAgent()
										+ " skills; remove one first.")
						.with("limit", this.properties.maxSkillsPerAgent()));
				}
				List<String> skills = new ArrayList<>(current.skills());
				skills.add(skillId);
				return this.teams.setSkills(caller.id(), agentId, skills)
					.flatMap((updated) -> this.skills.countInstall(skillId)
						.then(announce(caller.id(), "skill.installed"))
						.thenReturn(new Installed(updated, true)));
			})));
	}

	public Mono<AgentConfig> removeSkill(CurrentUser caller, String agentId, String skillId) {
		return this.tx.transactional(lockTeam(caller.id()).then(member(caller, agentId)).flatMap((current) -> {
			if (!current.skills().contains(skillId)) {
				return Mono.error(ProblemException.of(HttpStatus.NOT_FOUND, AgentProblems.SKILL_NOT_INSTALLED,
						"Skill not installed", "The agent '" + agentId + "' has no skill '" + skillId + "'."));
			}
			List<String> skills = new ArrayList<>(current.skills());
			skills.remove(skillId);
			return this.teams.setSkills(caller.id(), agentId, skills)
				.flatMap((updated) -> announce(caller.id(), "skill.removed").thenReturn(updated));
		}));
	}

	/**
	 * One agent of a plan to apply.
	 *
	 * @param agentId catalog agent id
	 * @param skills skills it should have (added to what it has)
	 */
	public record PlannedAgent(String agentId, List<String> skills) {

	}

	/**
	 * The outcome of applying a plan.
	 *
	 * @param team the team afterwards
	 * @param skipped planned agents left out because the plan allows no more
	 */
	public record Applied(List<AgentConfig> team, List<String> skipped) {

	}

	/**
	 * Adopts a set of agents in one transaction: missing agents are added, existing ones
	 * get the planned skills added; with {@code replace}, agents outside the plan are
	 * removed. If the resulting team would pass the plan's limit, {@code fitToPlan}
	 * leaves out the last planned new agents (the plan is best first) and reports them;
	 * without it nothing changes and the answer is the 403 problem.
	 */
	public Mono<Applied> apply(CurrentUser caller, List<PlannedAgent> plan, boolean replace, boolean fitToPlan) {
		Set<String> allSkills = new LinkedHashSet<>();
		for (PlannedAgent planned : plan) {
			this.catalog.find(planned.agentId()).orElseThrow(() -> unknownAgent(planned.agentId()));
			checkSkillCount(planned.skills().size());
			allSkills.addAll(planned.skills());
		}
		Map<String, PlannedAgent> byId = plan.stream()
			.collect(Collectors.toMap(PlannedAgent::agentId, Function.identity(), (a, b) -> a,
					java.util.LinkedHashMap::new));
		return checkSkillsExist(List.copyOf(allSkills), "skills").then(this.tx.transactional(
				lockTeam(caller.id()).then(this.teams.members(caller.id()).collectList()).flatMap((current) -> {
					Set<String> present = current.stream().map(AgentConfig::agentId).collect(Collectors.toSet());
					List<String> skipped = new ArrayList<>();
					long kept = replace ? 0 : present.size();
					Map<String, PlannedAgent> admitted = new java.util.LinkedHashMap<>();
					for (PlannedAgent planned : byId.values()) {
						boolean needsSlot = replace || !present.contains(planned.agentId());
						if (needsSlot && kept + 1 > limit(caller)) {
							if (!fitToPlan) {
								long requested = replace ? byId.size() : present.size()
										+ byId.keySet().stream().filter((id) -> !present.contains(id)).count();
								return Mono.error(limitReached(caller, present.size()).with("requested", requested));
							}
							skipped.add(planned.agentId());
							continue;
						}
						kept += needsSlot ? 1 : 0;
						admitted.put(planned.agentId(), planned);
					}
					Flux<AgentConfig> removals = replace ? Flux.fromIterable(current)
						.filter((config) -> !admitted.containsKey(config.agentId()))
						.concatMap((config) -> this.teams.delete(caller.id(), config.agentId()).then(Mono.empty()))
							: Flux.empty();
					Flux<AgentConfig> upserts = Flux.fromIterable(admitted.values())
						.concatMap((planned) -> upsert(caller, current, planned));
					return removals.thenMany(upserts)
						.then(announce(caller.id(), "team.applied"))
						.then(this.teams.members(caller.id()).collectList())
						.map((team) -> new Applied(team, List.copyOf(skipped)));
				})));
	}

	private Mono<AgentConfig> upsert(CurrentUser caller, List<AgentConfig> current, PlannedAgent planned) {
		AgentConfig existing = current.stream()
			.filter((config) -> config.agentId().equals(planned.agentId()))
			.findFirst()
			.orElse(null);
		if (existing == null) {
			return this.teams.insert(caller.id(), planned.agentId(), distinct(planned.skills()), null);
		}
		List<String> merged = distinct(concat(existing.skills(), planned.skills()));
		if (merged.size() > this.properties.maxSkillsPerAgent()) {
			return Mono.error(ProblemException.conflict(AgentProblems.SKILL_LIMIT_REACHED, "Skill limit reached",
					"'" + planned.agentId() + "' would have more than " + this.properties.maxSkillsPerAgent()
							+ " skills."));
		}
		return merged.equals(existing.skills()) ? Mono.just(existing)
				: this.teams.setSkills(caller.id(), planned.agentId(), merged);
	}

	/**
	 * Gives a new user the default team; does nothing if they already have a team, so a
	 * redelivered sign-up event neither duplicates nor fails.
	 */
	public Mono<Boolean> createDefaultTeam(UUID userId) {
		return this.tx.transactional(ensureTeam(userId));
	}

	// --- helpers -----------------------------------------------------------------------

	/** Creates the team with the default agent if the user has none; true if it did. */
	private Mono<Boolean> ensureTeam(UUID userId) {
		return this.teams.createIfAbsent(userId).flatMap((created) -> {
			if (!created) {
				return Mono.just(false);
			}
			AgentTemplate assistant = this.catalog.find(AgentCatalog.DEFAULT_AGENT).orElseThrow();
			log.info("Creating the default team for user {}", userId);
			return this.teams.insert(userId, assistant.id(), assistant.defaultSkills(), null)
				.then(announce(userId, "team.created"))
				.thenReturn(true);
		});
	}

	private Mono<Long> lockTeam(UUID userId) {
		return ensureTeam(userId).then(this.teams.touch(userId));
	}

	private Mono<Void> announce(UUID userId, String change) {
		return this.events.publish(AgentsChanged.TOPIC, userId, new AgentsChanged(userId, change, Instant.now()))
			.then();
	}

	private int limit(CurrentUser caller) {
		return this.properties.limitFor(caller.plan());
	}

	private Mono<Void> checkSkillsExist(List<String> skillIds, String field) {
		if (skillIds.isEmpty()) {
			return Mono.empty();
		}
		return this.skills.existing(skillIds).flatMap((existing) -> {
			List<String> unknown = skillIds.stream().filter((id) -> !existing.contains(id)).toList();
			return unknown.isEmpty() ? Mono.empty()
					: Mono.error(ProblemException
						.of(HttpStatus.BAD_REQUEST, AgentProblems.UNKNOWN_SKILL, "Unknown skill",
								"No skill in the marketplace is called " + String.join(", ", unknown) + ".")
						.with("field", field)
						.with("skills", unknown));
		});
	}

	private void checkSoul(String soul) {
		if (soul == null) {
			return;
		}
		if (FieldErrors.utf8Length(soul) > this.properties.soulMaxBytes()) {
			throw FieldErrors.single("customSoul", "must be at most " + this.properties.soulMaxBytes() + " bytes");
		}
		if (soul.isBlank()) {
			throw FieldErrors.single("customSoul", "must not be blank (send null to use the template's)");
		}
		if (FieldErrors.hasForbiddenControl(soul)) {
			throw FieldErrors.single("customSoul", "must not contain control characters");
		}
	}

	private void checkSkillCount(int count) {
		if (count > this.properties.maxSkillsPerAgent()) {
			throw FieldErrors.single("skills", "must list at most " + this.properties.maxSkillsPerAgent() + " skills");
		}
	}

	private static List<String> distinct(List<String> values) {
		return List.copyOf(new LinkedHashSet<>(values));
	}

	private static List<String> concat(List<String> a, List<String> b) {
		List<String> all = new ArrayList<>(a);
		all.addAll(b);
		return all;
	}

	static ProblemException unknownAgent(String agentId) {
		return ProblemException
			.of(HttpStatus.BAD_REQUEST, AgentProblems.UNKNOWN_AGENT, "Unknown agent",
					"No agent in the catalog is called '" + agentId + "'. GET /api/agents/catalog lists them.")
			.with("agentId", agentId);
	}

	static ProblemException notInTeam(String agentId) {
		return ProblemException.of(HttpStatus.NOT_FOUND, AgentProblems.AGENT_NOT_IN_TEAM, "Agent not in your team",
				"Your team has no agent '" + agentId + "'.");
	}

	private static ProblemException alreadyInTeam(String agentId) {
		return ProblemException.conflict(AgentProblems.AGENT_ALREADY_IN_TEAM, "Agent already in your team",
				"'" + agentId + "' is already in your team; use PUT /api/agents/" + agentId + " to change it.");
	}

	private ProblemException limitReached(CurrentUser caller, long count) {
		int limit = limit(caller);
		String plan = (caller.plan() != null) ? caller.plan() : "free";
		return ProblemException
			.of(HttpStatus.FORBIDDEN, AgentProblems.AGENT_LIMIT_REACHED, "Agent limit reached",
					"Your plan (" + plan + ") allows " + limit + " agents and your team has " + count
							+ ". Remove an agent or upgrade your plan.")
			.with("plan", plan)
			.with("limit", limit)
			.with("count", count);
	}

}
