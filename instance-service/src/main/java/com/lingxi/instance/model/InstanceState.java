package com.lingxi.instance.model;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where an instance is in its life. The database holds the desired state; runtimes and
 * the reconciler move the actual gateway toward it.
 */
public enum InstanceState {

	/** Waiting for capacity before it can be started for its user. */
	QUEUED,

	/** Being created for the pool: runtime objects made, gateway starting. */
	PROVISIONING,

	/** In the pool: running, ready, warmed, no user. */
	WARM,

	/** Claimed for a user: key bound, configuration being applied live. */
	ASSIGNING,

	/** Serving its user. */
	READY,

	/** Starting for its user: cold start, wake from hibernation, restart. */
	STARTING,

	/** Stopped because idle; its state (workspace, sessions) is kept for waking. */
	HIBERNATED,

	/** Failed; the error says why. The reconciler retries what can be retried. */
	ERROR,

	/** Runtime objects being removed. */
	DELETING,

	/** Gone. Kept as a row for history. */
	DELETED;

	/** States in which a gateway process/pod should be running. */
	public static final Set<InstanceState> RUNNING = EnumSet.of(PROVISIONING, WARM, ASSIGNING, READY, STARTING);

	/** States that count against the machine's capacity. */
	public static final Set<InstanceState> OCCUPYING = EnumSet.of(PROVISIONING, WARM, ASSIGNING, READY, STARTING, ERROR,
			DELETING);

	/** States of an instance that belongs to a user and still exists. */
	public static final Set<InstanceState> LIVE = EnumSet.of(QUEUED, ASSIGNING, READY, STARTING, HIBERNATED, ERROR);

}
