package com.lingxi.instance.runtime.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import com.lingxi.common.test.OpenClawRuntime;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.local.LocalRuntimeProperties.Sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two real OpenClaw gateways in their sandboxes, in a project-like {@code var/} that also
 * holds a secrets file. A command run in exactly alice's gateway's sandbox (the runtime's
 * own wrapper, her gateway's user) cannot read the secrets, bob's folder, or the
 * environment of this JVM or of bob's gateway, while it can read its own folder and reach
 * loopback; the gateways themselves run without capabilities in namespaces and a session
 * of their own, still reach the model and answer a chat, and leave nothing behind when
 * stopped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewaySandboxTests {

	static final String SECRET = "LINGXI_CRYPTO_KEYS_LOCAL=sandbox-test-secret-" + UUID.randomUUID();

	static final JsonMapper json = JsonMapper.builder().build();

	static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	static final UUID alice = UUID.randomUUID();

	static final UUID bob = UUID.randomUUID();

	static FakeModel model;

	static Path var;

	static LocalRuntime runtime;

	static Placement alicesGateway;

	static Placement bobsGateway;

	@BeforeAll
	static void startTwoGateways() throws Exception {
		model = new FakeModel();
		var = Files.createTempDirectory("lingxi-sandbox-var");
		Files.writeString(var.resolve("secrets.env"), SECRET + "\n");
		Files.setPosixFilePermissions(var.resolve("secrets.env"), PosixFilePermissions.fromString("rw-------"));
		runtime = new LocalRuntime(properties(var.resolve("instances"), Sandbox.BWRAP, 27000));
		alicesGateway = runtime.create(spec(alice)).block();
		bobsGateway = runtime.create(spec(bob)).block();
		awaitReady(alicesGateway);
		awaitReady(bobsGateway);
	}

	@AfterAll
	static void stop() {
		if (var != null) {
			OpenClawRuntime.killGateways(var.resolve("instances"));
			new InstanceFolder(var).delete();
		}
		model.stop();
	}

	@Test
	@Order(1)
	void theGatewayRunsWithoutCapabilitiesInNamespacesAndASessionOfItsOwn() throws IOException {
		long pid = pid(alicesGateway);
		Map<String, String> status = status(pid);
		assertThat(status.get("CapEff")).isEqualTo("0000000000000000");
		assertThat(status.get("CapPrm")).isEqualTo("0000000000000000");
		assertThat(status.get("CapBnd")).isEqualTo("0000000000000000");
		assertThat(status.get("NoNewPrivs")).isEqualTo("1");
		for (String namespace : List.of("pid", "mnt", "ipc", "uts")) {
			assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", namespace)))
				.as(namespace + " namespace")
				.isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns", namespace)));
		}
		assertThat(sessionId(pid)).isNotEqualTo(sessionId(ProcessHandle.current().pid()));
		// HOME and TMPDIR are inside its own folder.
		String environment = Files.readString(Path.of("/proc", Long.toString(pid), "environ"));
		assertThat(environment).contains("HOME=" + runtime.folder(alice).resolve("home") + "\0")
			.contains("TMPDIR=" + runtime.folder(alice).resolve("tmp") + "\0");
		assertThat(Files.getPosixFilePermissions(runtime.folder(alice)))
			.isEqualTo(PosixFilePermissions.fromString("rwx------"));
	}

	@Test
	@Order(2)
	void asRootEachGatewayRunsAsAUserOfItsOwnThatOwnsItsFolder() throws Exception {
		GatewaySandbox sandbox = GatewaySandbox.of(properties(var.resolve("instances"), Sandbox.BWRAP, 27000));
		int alicesUid = Integer.parseInt(status(pid(alicesGateway)).get("Uid").split("\\s+")[0]);
		int bobsUid = Integer.parseInt(status(pid(bobsGateway)).get("Uid").split("\\s+")[0]);
		if (sandbox.separateUsers()) {
			assertThat(sandbox.isSandboxUid(alicesUid)).isTrue();
			assertThat(sandbox.isSandboxUid(bobsUid)).isTrue();
			assertThat(alicesUid).isNotEqualTo(bobsUid);
			assertThat(Files.getAttribute(runtime.folder(alice), "unix:uid")).isEqualTo(alicesUid);
		}
		else {
			// An ordinary user's gateways run as that user, in a user namespace of
			// theirs.
			assertThat(alicesUid).isEqualTo(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
		}
		assertThat(probe(alice, "id -u").output().strip()).isEqualTo(Integer.toString(alicesUid));
	}

	@Test
	@Order(3)
	void aCommandInTheGatewaysSandboxCannotReadThePlatformsSecrets() throws Exception {
		Probe secrets = probe(alice, "cat " + var.resolve("secrets.env"));
		assertThat(secrets.exitCode()).isNotZero();
		assertThat(secrets.output()).doesNotContain(SECRET);
		// var/ exists inside only as the way to the instance folder: nothing else of it.
		assertThat(probe(alice, "ls -a " + var).output().split("\\s+")).containsOnly(".", "..", "instances");
		assertThat(probe(alice, "ls -a " + var.resolve("instances")).output().split("\\s+")).containsOnly(".", "..",
				alice.toString());
		// Its own folder it can read.
		Probe own = probe(alice, "cat " + runtime.folder(alice).resolve("home/.openclaw/openclaw.json"));
		assertThat(own.exitCode()).isZero();
		assertThat(own.output()).contains("\"loopback\"");
	}

	@Test
	@Order(4)
	void aCommandInTheGatewaysSandboxCannotReadAnotherGatewaysFolder() throws Exception {
		Path bobs = runtime.folder(bob);
		assertThat(bobs.resolve("home/.openclaw/openclaw.json")).exists();
		Probe config = probe(alice, "cat " + bobs.resolve("home/.openclaw/openclaw.json"));
		assertThat(config.exitCode()).isNotZero();
		assertThat(config.output()).doesNotContain("\"loopback\"");
		assertThat(probe(alice, "ls " + bobs).exitCode()).isNotZero();
		assertThat(probe(alice, "ls " + bobs.resolve("home/.openclaw/workspaces")).exitCode()).isNotZero();
	}

	@Test
	@Order(5)
	void aCommandInTheGatewaysSandboxCannotReadOtherProcessesEnvironments() throws Exception {
		long jvm = ProcessHandle.current().pid();
		long bobsPid = pid(bobsGateway);
		assertThat(Files.readString(Path.of("/proc", Long.toString(bobsPid), "environ")))
			.as("bob's gateway has its token in its environment")
			.contains("OPENCLAW_GATEWAY_TOKEN=");
		for (long pid : List.of(jvm, bobsPid, pid(alicesGateway))) {
			Probe environ = probe(alice, "cat /proc/" + pid + "/environ");
			assertThat(environ.exitCode()).as("environ of " + pid).isNotZero();
			assertThat(environ.output()).doesNotContain("OPENCLAW_GATEWAY_TOKEN").doesNotContain("PATH=");
		}
		// Only its own processes exist in its /proc.
		Probe processes = probe(alice, "ls /proc | grep -c '^[0-9]'");
		assertThat(Integer.parseInt(processes.output().strip())).isLessThanOrEqualTo(4);
	}

	@Test
	@Order(6)
	void theSandboxedGatewayStillReachesAndIsReachedOnLoopback() throws Exception {
		// instance-service reaches the gateway, the gateway reaches the model proxy.
		ObjectNode chat = JsonNodeFactory.instance.objectNode();
		chat.put("model", "openclaw/assistant");
		chat.putArray("messages").addObject().put("role", "user").put("content", "ping");
		HttpResponse<String> answer = http
			.send(HttpRequest.newBuilder(URI.create(alicesGateway.endpoint() + "/v1/chat/completions"))
				.header("Authorization", "Bearer " + token(alice))
				.header("Content-Type", "application/json")
				.timeout(Duration.ofSeconds(120))
				.POST(HttpRequest.BodyPublishers.ofString(chat.toString()))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(answer.statusCode()).isEqualTo(200);
		JsonNode body = json.readTree(answer.body());
		assertThat(body.path("choices").path(0).path("message").path("content").asString())
			.contains("Hello from the test model.");
		assertThat(model.requests).isNotEmpty();
		// A command in the sandbox reaches loopback too.
		Path node = OpenClawRuntime.node();
		Probe ready = probe(alice, node + " -e \"fetch('" + alicesGateway.endpoint()
				+ "/readyz').then((r) => r.text()).then(console.log)\"");
		assertThat(ready.output()).contains("\"ready\":true");
	}

	@Test
	@Order(7)
	void filesAreNeverWrittenThroughALinkTheGatewayPlanted() throws Exception {
		Path workspaces = runtime.folder(alice).resolve("home/.openclaw/workspaces");
		Files.createSymbolicLink(workspaces.resolve("evil"), var);
		assertThatThrownBy(() -> runtime
			.writeFiles(instance(alice, alicesGateway), List.of(GatewayFile.text("workspaces/evil/SOUL.md", "x")))
			.block()).hasMessageContaining("symbolic link");
		assertThat(var.resolve("SOUL.md")).doesNotExist();
		Files.delete(workspaces.resolve("evil"));
		// An ordinary write goes through, owned by the gateway's user.
		runtime.writeFiles(instance(alice, alicesGateway), List.of(GatewayFile.text("workspaces/new/SOUL.md", "y")))
			.block();
		assertThat(Files.getAttribute(workspaces.resolve("new/SOUL.md"), "unix:uid"))
			.isEqualTo(Files.getAttribute(runtime.folder(alice), "unix:uid"));
	}

	@Test
	@Order(8)
	void stoppingAGatewayTakesItsWholeSandboxAway() throws Exception {
		Instance alices = instance(alice, alicesGateway);
		ProcessHandle gateway = ProcessHandle.of(pid(alicesGateway)).orElseThrow();
		ProcessHandle init = gateway.parent().orElseThrow();
		ProcessHandle launcher = init.parent().orElseThrow();
		assertThat(launcher.info().command()).hasValueSatisfying((command) -> assertThat(command).endsWith("bwrap"));
		runtime.stop(alices).block();
		assertThat(gateway.isAlive()).isFalse();
		await().atMost(Duration.ofSeconds(5)).until(() -> !init.isAlive() && !launcher.isAlive());
		assertThat(processesIn(runtime.folder(alice))).isEmpty();
		// Bob's is untouched.
		assertThat(ProcessHandle.of(pid(bobsGateway)).map(ProcessHandle::isAlive)).hasValue(true);
	}

	static LocalRuntimeProperties properties(Path directory, Sandbox sandbox, int basePort) {
		return new LocalRuntimeProperties(directory, OpenClawRuntime.directory(), basePort, 120, 100,
				DataSize.ofGigabytes(6), DataSize.ofMegabytes(1200), Duration.ofSeconds(20), sandbox, 1900000000);
	}

	static InstanceSpec spec(UUID instance) {
		ObjectNode bundle = Bundles.bundle(List.of("assistant"), "sandbox");
		List<GatewayFile> files = new ArrayList<>();
		for (JsonNode file : bundle.path("files")) {
			files.add(GatewayFile.text(file.path("path").asString(), file.path("content").asString()));
		}
		files.add(GatewayFile.text("openclaw.json", json.writeValueAsString(bundle.path("openclaw"))));
		return new InstanceSpec(instance, null, null, token(instance), "lx-test-" + instance, model.baseUrl(), null,
				files);
	}

	static String token(UUID instance) {
		return "gw_sandbox_" + instance;
	}

	static Instance instance(UUID id, Placement placement) {
		return new Instance(id, null, InstanceState.WARM, "local", placement.endpoint(), null, null, null, null, null,
				null, null, placement.ref(), false, 0, null, null, null, Instant.now(), Instant.now());
	}

	static void awaitReady(Placement placement) {
		String[] last = { "nothing yet" };
		await().atMost(Duration.ofSeconds(240))
			.pollInterval(Duration.ofMillis(500))
			.conditionEvaluationListener((condition) -> {
				if (!condition.isSatisfied() && condition.getElapsedTimeInMS() % 30000 < 500) {
					System.out.println(placement.endpoint() + ": " + last[0]);
				}
			})
			.until(() -> {
				try {
					HttpResponse<String> ready = http
						.send(HttpRequest.newBuilder(URI.create(placement.endpoint() + "/readyz"))
							.timeout(Duration.ofSeconds(5))
							.build(), HttpResponse.BodyHandlers.ofString());
					last[0] = ready.statusCode() + " " + ready.body();
					return ready.body().contains("\"ready\":true");
				}
				catch (IOException ex) {
					last[0] = ex.toString();
					return false;
				}
			});
	}

	static long pid(Placement placement) {
		return Long.parseLong(placement.ref().path("pid").asString());
	}

	static Map<String, String> status(long pid) throws IOException {
		Map<String, String> fields = new java.util.HashMap<>();
		for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
			int colon = line.indexOf(':');
			fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
		}
		return fields;
	}

	static String sessionId(long pid) throws IOException {
		String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
		// pid (comm) state ppid pgrp session ...
		return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3];
	}

	static List<Long> processesIn(Path folder) throws IOException {
		List<Long> found = new ArrayList<>();
		try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
			for (Path entry : proc.filter((path) -> path.getFileName().toString().matches("\\d+")).toList()) {
				try {
					if (Files.readSymbolicLink(entry.resolve("cwd")).startsWith(folder)) {
						found.add(Long.parseLong(entry.getFileName().toString()));
					}
				}
				catch (IOException ex) {
					// gone, or not ours to look at
				}
			}
		}
		return found;
	}

	/** Runs a shell command in the instance's gateway's sandbox. */
	static Probe probe(UUID instance, String command) throws IOException, InterruptedException {
		Process process = runtime.sandboxed(instance, List.of("/bin/sh", "-c", command)).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
		return new Probe(process.exitValue(), output);
	}

	record Probe(int exitCode, String output) {
	}

}
