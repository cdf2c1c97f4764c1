package com.lingxi.instance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.lingxi.common.test.OpenClawRuntime;

/**
 * Test clean-up for the local runtime: gateway processes outlive the JVM that started
 * them (by design: instance-service adopts them after a restart), so tests kill the ones
 * they started.
 */
public final class LocalGateways {

	private LocalGateways() {
	}

	/**
	 * Settings for a test whose instance-service runs real gateways on this machine: the
	 * stand-in billing and config services, a folder of its own, OpenClaw installed by
	 * the project's script, ports from {@code basePort}, and the stand-in model.
	 */
	public static void register(DynamicPropertyRegistry registry, FakePlatform platform, FakeModel model, String name,
			int basePort) throws IOException {
		for (String service : List.of("billing-service", "config-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", platform::url);
		}
		Path directory = Files.createTempDirectory("lingxi-instances-" + name);
		registry.add("lingxi.instances.local.directory", directory::toString);
		registry.add("lingxi.instances.local.openclaw-runtime", () -> OpenClawRuntime.directory().toString());
		registry.add("lingxi.instances.local.base-port", () -> Integer.toString(basePort));
		registry.add("lingxi.instances.model-base-url", model::baseUrl);
	}

	/** Kills every gateway (and its helpers) started under {@code directory}. */
	public static void killAll(Path directory) {
		OpenClawRuntime.killGateways(directory);
	}

}
