package com.lingxi.instance;

import java.net.URI;

import com.lingxi.common.problem.ProblemTypes;

/** Problem types of instance-service. */
public final class InstanceProblems {

	/** The user has no instance (yet, or any more). */
	public static final URI NO_INSTANCE = ProblemTypes.of("no-instance");

	/**
	 * The instance exists but cannot serve chats right now (starting, assigning, error).
	 */
	public static final URI NOT_READY = ProblemTypes.of("instance-not-ready");

	/** The agent is not in the user's applied configuration. */
	public static final URI UNKNOWN_AGENT = ProblemTypes.of("unknown-agent");

	/** The user's gateway failed while answering. */
	public static final URI GATEWAY_FAILED = ProblemTypes.of("gateway-failed");

	/** A WebSocket ticket that is unknown, used or expired. */
	public static final URI BAD_TICKET = ProblemTypes.of("bad-ticket");

	private InstanceProblems() {
	}

}
