package com.lingxi.config;

import java.net.URI;

import com.lingxi.common.problem.ProblemTypes;

/** Problem types of config-service. */
public final class ConfigProblems {

	/**
	 * The rendered configuration does not pass OpenClaw's schema; nothing was published.
	 */
	public static final URI INVALID_CONFIG = ProblemTypes.of("invalid-openclaw-config");

	/** A service the render needs (agent-service) could not be reached. */
	public static final URI INPUTS_UNAVAILABLE = ProblemTypes.of("config-inputs-unavailable");

	private ConfigProblems() {
	}

}
