package com.lingxi.instance.runtime;

/**
 * What a runtime sees of a gateway.
 *
 * @param phase running, starting, stopped, failed or missing
 * @param exitCode the process's exit code when it failed and it is known (78: bad config)
 * @param detail a human note
 */
public record RuntimeStatus(Phase phase, Integer exitCode, String detail) {

	/** OpenClaw's exit code for a configuration it refuses. */
	public static final int CONFIG_ERROR_EXIT = 78;

	public static RuntimeStatus of(Phase phase) {
		return new RuntimeStatus(phase, null, null);
	}

	public boolean configError() {
		return this.exitCode != null && this.exitCode == CONFIG_ERROR_EXIT;
	}

	/** Coarse runtime phase. */
	public enum Phase {

		/** Process/pod up (readiness is asked of the gateway itself). */
		RUNNING,

		/** Being started. */
		STARTING,

		/** Stopped on purpose (hibernation). */
		STOPPED,

		/** Exited or crashed. */
		FAILED,

		/** Nothing exists for it. */
		MISSING

	}

}
