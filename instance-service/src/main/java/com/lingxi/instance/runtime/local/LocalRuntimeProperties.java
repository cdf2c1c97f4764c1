package com.lingxi.instance.runtime.local;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The local runtime: gateway processes on this machine.
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
 */
@ConfigurationProperties(prefix = "lingxi.instances.local")
public record LocalRuntimeProperties(@DefaultValue("var/instances") Path directory,
		@DefaultValue(".openclaw-runtime") Path openclawRuntime, @DefaultValue("19000") int basePort,
		@DefaultValue("120") int portStep, @DefaultValue("100") int maxInstances,
		@DefaultValue("6GB") DataSize memoryBudget, @DefaultValue("1200MB") DataSize instanceMemory,
		@DefaultValue("20s") Duration stopTimeout) {

	/** How many gateways fit in the memory budget. */
	public int capacity() {
		return (int) Math.max(1, this.memoryBudget.toBytes() / this.instanceMemory.toBytes());
	}

}
