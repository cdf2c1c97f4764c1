package com.lingxi.agent;

import java.net.URI;

import com.lingxi.common.problem.ProblemTypes;

/** Problem types of agent-service, part of its API. */
public final class AgentProblems {

	/** The agent id names no agent in the catalog. */
	public static final URI UNKNOWN_AGENT = ProblemTypes.of("unknown-agent");

	/** The skill id names no skill in the marketplace. */
	public static final URI UNKNOWN_SKILL = ProblemTypes.of("unknown-skill");

	/** The agent is already in the caller's team. */
	public static final URI AGENT_ALREADY_IN_TEAM = ProblemTypes.of("agent-already-in-team");

	/** The agent is not in the caller's team. */
	public static final URI AGENT_NOT_IN_TEAM = ProblemTypes.of("agent-not-in-team");

	/** The caller's plan allows no more agents. */
	public static final URI AGENT_LIMIT_REACHED = ProblemTypes.of("agent-limit-reached");

	/** The agent has as many skills as allowed. */
	public static final URI SKILL_LIMIT_REACHED = ProblemTypes.of("skill-limit-reached");

	/** The skill is not installed on that agent. */
	public static final URI SKILL_NOT_INSTALLED = ProblemTypes.of("skill-not-installed");

	/** The memory does not exist (or is someone else's). */
	public static final URI MEMORY_NOT_FOUND = ProblemTypes.of("memory-not-found");

	/** The caller has as many memories as allowed. */
	public static final URI MEMORY_LIMIT_REACHED = ProblemTypes.of("memory-limit-reached");

	/** A skill bundle failed validation (front matter, size, paths). */
	public static final URI INVALID_SKILL_BUNDLE = ProblemTypes.of("invalid-skill-bundle");

	/** The skill registry could not be reached or answered nonsense. */
	public static final URI REGISTRY_UNAVAILABLE = ProblemTypes.of("registry-unavailable");

	private AgentProblems() {
	}

}
