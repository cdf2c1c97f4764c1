package com.lingxi.instance.runtime.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.lingxi.common.test.OpenClawRuntime;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.local.LocalRuntimeProperties.Sandbox;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the sandbox adds to a gateway's start: real gateways started one at a time,
 * alternately sandboxed and not, each timed from the runtime's create to {@code /readyz}
 * ready; and a bare command ({@code /bin/true}) in a sandbox and without. Not part of the
 * suite (the name is not a test's): run it on purpose, on a machine as quiet as possible:
 *
 * <pre>
 * ./mvnw -B -ntp -q -pl instance-service -am verify -Dtest=SandboxStartUpMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dlingxi.measure.runs=5
 * </pre>
 *
 * The numbers are printed (and land in the surefire report's output file).
 */
class SandboxStartUpMeasurement {

	static FakeModel model;

	static Path root;

	@BeforeAll
	static void start() throws Exception {
		model = new FakeModel();
		root = Files.createTempDirectory("lingxi-sandbox-measure");
		GatewaySandboxTests.model = model;
	}

	@AfterAll
	static void stop() {
		OpenClawRuntime.killGateways(root.resolve("bwrap"));
		OpenClawRuntime.killGateways(root.resolve("none"));
		new InstanceFolder(root).delete();
		model.stop();
	}

	@Test
	void gatewayStartUpWithAndWithoutTheSandbox() throws Exception {
		int runs = Integer.getInteger("lingxi.measure.runs", 5);
		Map<Sandbox, LocalRuntime> runtimes = Map.of(Sandbox.BWRAP,
				new LocalRuntime(GatewaySandboxTests.properties(root.resolve("bwrap"), Sandbox.BWRAP, 28000)),
				Sandbox.NONE,
				new LocalRuntime(GatewaySandboxTests.properties(root.resolve("none"), Sandbox.NONE, 28500)));
		Map<Sandbox, List<Long>> startUps = new TreeMap<>(
				Map.of(Sandbox.BWRAP, new ArrayList<>(), Sandbox.NONE, new ArrayList<>()));
		for (int run = 0; run < runs; run++) {
			for (Sandbox sandbox : (run % 2 == 0) ? List.of(Sandbox.BWRAP, Sandbox.NONE)
					: List.of(Sandbox.NONE, Sandbox.BWRAP)) {
				LocalRuntime runtime = runtimes.get(sandbox);
				UUID id = UUID.randomUUID();
				long started = System.nanoTime();
				Placement placement = runtime.create(GatewaySandboxTests.spec(id)).block();
				GatewaySandboxTests.awaitReady(placement);
				startUps.get(sandbox).add((System.nanoTime() - started) / 1_000_000);
				runtime.delete(GatewaySandboxTests.instance(id, placement)).block();
			}
		}
		Map<Sandbox, List<Long>> bare = new TreeMap<>();
		UUID probe = UUID.randomUUID();
		for (Sandbox sandbox : List.of(Sandbox.BWRAP, Sandbox.NONE)) {
			List<Long> times = new ArrayList<>();
			for (int run = 0; run < 20; run++) {
				long started = System.nanoTime();
				Process process = (sandbox == Sandbox.BWRAP)
						? runtimes.get(Sandbox.BWRAP).sandboxed(probe, List.of("/bin/true")).start()
						: new ProcessBuilder("/bin/true").start();
				assertThat(process.waitFor()).isZero();
				times.add((System.nanoTime() - started) / 1_000_000);
			}
			bare.put(sandbox, times);
		}
		String load = Files.readString(Path.of("/proc/loadavg")).strip();
		System.out.println("Gateway start-up, create to /readyz ready, ms (" + runs + " runs each, alternating):");
		startUps.forEach((sandbox, times) -> System.out.println("  " + sandbox + ": " + summary(times)));
		System.out.println("/bin/true, start to exit, ms (20 runs each):");
		bare.forEach((sandbox, times) -> System.out.println("  " + sandbox + ": " + summary(times)));
		System.out
			.println("load average at the end: " + load + ", cores: " + Runtime.getRuntime().availableProcessors());
		assertThat(startUps.get(Sandbox.BWRAP)).hasSize(runs);
	}

	static String summary(List<Long> times) {
		List<Long> sorted = times.stream().sorted().toList();
		long median = sorted.get(sorted.size() / 2);
		return "median " + median + ", min " + sorted.get(0) + ", max " + sorted.get(sorted.size() - 1) + ", all "
				+ times;
	}

}
