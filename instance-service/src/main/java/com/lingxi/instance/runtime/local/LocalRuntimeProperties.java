package com.lingxi.instance.runtime.local;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The local runtime: gateway processes on this machine (development mode only).
 *
 * @param directory where each instance gets its folder (state, home, logs)
 * @param openclawRuntime where {@code deploy/install-openclaw.sh} installed Node 24 and
 * OpenClaw
 * @param basePort port of the first gateway
 * @param portStep distance between two gateways' ports (OpenClaw uses port+1 … port+110
 * for optional features)
 * @param maxInstances most gateway ports handed out
 * @param memoryBudget memory the gateways together may use on this machine
 * @param instanceMemory memory one gateway is counted for (about 1 GB resident, more
 * after chats)
 * @param stopTimeout how long a gateway gets to exit after SIGTERM before it is killed
 * @param sandbox {@code bwrap}: every gateway runs inside bubblewrap, seeing only the
 * system's programs, the OpenClaw installation and its own folder, in namespaces of its
 * own, without capabilities; {@code none}: gateways run unconfined as the platform's own
 * user and can read its secrets and every other gateway's files (unsafe; only for
 * machines without user namespaces)
 * @param sandboxUidBase when instance-service runs as root, each sandboxed gateway runs
 * as a user id of its own, from this one up ({@code max-instances} ids); unused otherwise
 */
@ConfigurationProperties(prefix = "lingxi.instances.local")
public record LocalRuntimeProperties(@DefaultValue("var/instances") Path directory,
		@DefaultValue(".openclaw-runtime") Path openclawRuntime, @DefaultValue("19000") int basePort,
		@DefaultValue("120") int portStep, @DefaultValue("100") int maxInstances,
		@DefaultValue("6GB") DataSize memoryBudget, @DefaultValue("1200MB") DataSize instanceMemory,
		@DefaultValue("20s") Duration stopTimeout, @DefaultValue("bwrap") Sandbox sandbox,
		@DefaultValue("1900000000") int sandboxUidBase) {

	/** How many gateways fit in the memory budget. */
	public int capacity() {
		return (int) Math.max(1, this.memoryBudget.toBytes() / this.instanceMemory.toBytes());
	}

	/** How gateway processes are confined. */
	public enum Sandbox {

		/** bubblewrap: own mount, PID, IPC and UTS namespaces, no capabilities. */
		BWRAP,

		/** No confinement at all (unsafe). */
		NONE

	}

}
