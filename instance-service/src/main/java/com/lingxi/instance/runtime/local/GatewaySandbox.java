package com.lingxi.instance.runtime.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.lingxi.instance.runtime.local.LocalRuntimeProperties.Sandbox;

/**
 * How a gateway process is confined on this machine. With {@code sandbox=bwrap} (the
 * default) every gateway runs inside bubblewrap:
 * <ul>
 * <li>a file system of its own: the system's programs and libraries ({@code /usr},
 * {@code /etc} and the {@code /bin}, {@code /lib} links) and the OpenClaw installation
 * read-only, its instance folder read-write, empty {@code /tmp}, {@code /dev} and its own
 * {@code /proc}. Nothing else of the host exists inside: not the project's {@code var/}
 * (secrets, databases, other instances), not the home directories, not {@code /run}
 * (sockets of the Docker daemon, D-Bus, SSH agents);</li>
 * <li>PID, IPC, UTS and cgroup namespaces of its own: it sees only its own processes, so
 * no other process's {@code /proc/<pid>/environ} or command line;</li>
 * <li>no capabilities, {@code no_new_privs} (set-uid programs do nothing), a new session
 * (no terminal to inject into), and killed with its sandbox when it ends;</li>
 * <li>the host's network: it reaches instance-service and the model proxy on loopback,
 * and they reach its port.</li>
 * </ul>
 * Its identity: run by an ordinary user, the sandbox is a user namespace of that user
 * (which may not create further user namespaces); run by root, each gateway gets a user
 * id of its own ({@code sandbox-uid-base} + slot, owner of its folder, mode 700, no
 * supplementary groups), so that even a gateway that escaped its mounts could not read
 * root's files or another gateway's.
 *
 * <p>
 * Process tree: {@code setsid bwrap} (the launcher, the JVM's child, in a session of its
 * own so that signals to instance-service's terminal or process group do not reach it),
 * bwrap's init (PID 1 of the sandbox), and the gateway, whose pid is recorded. The
 * gateway's exit code becomes the launcher's; when the gateway ends, the launcher ends
 * and the kernel kills whatever the gateway left running in its sandbox.
 */
final class GatewaySandbox {

	/** How long bwrap gets to set a sandbox up and start the command in it. */
	private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);

	private static final List<String> ROOT_LINKS = List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");

	private final Sandbox mode;

	private final boolean root;

	private final Path runtime;

	private final int uidBase;

	private final int uids;

	private final String bwrap;

	private final String setsid;

	private final String setpriv;

	private GatewaySandbox(Sandbox mode, boolean root, Path runtime, int uidBase, int uids, String bwrap, String setsid,
			String setpriv) {
		this.mode = mode;
		this.root = root;
		this.runtime = runtime;
		this.uidBase = uidBase;
		this.uids = uids;
		this.bwrap = bwrap;
		this.setsid = setsid;
		this.setpriv = setpriv;
	}

	/** The sandbox the settings ask for, with its programs found on {@code PATH}. */
	static GatewaySandbox of(LocalRuntimeProperties properties) {
		return of(properties, System.getenv("PATH"), runsAsRoot());
	}

	/**
	 * The sandbox the settings ask for, its programs looked up on {@code searchPath}.
	 * @throws IllegalStateException when bubblewrap (or, as root, setpriv) is missing
	 */
	static GatewaySandbox of(LocalRuntimeProperties properties, String searchPath, boolean root) {
		Path runtime = properties.openclawRuntime().toAbsolutePath().normalize();
		if (properties.sandbox() == Sandbox.NONE) {
			return new GatewaySandbox(Sandbox.NONE, root, runtime, 0, 0, null, null, null);
		}
		String bwrap = find("bwrap", searchPath).orElseThrow(() -> new IllegalStateException(
				"bwrap (bubblewrap) is not installed: the local runtime runs every gateway inside it. Install it "
						+ "(apt-get install bubblewrap; ./lingxi up does), or, only on a machine without user "
						+ "namespaces, set lingxi.instances.local.sandbox=none (unsafe: gateways can then read the "
						+ "platform's secrets and each other's files)"));
		String setsid = find("setsid", searchPath)
			.orElseThrow(() -> new IllegalStateException("setsid (util-linux) is not installed"));
		String setpriv = root
				? find("setpriv", searchPath).orElseThrow(() -> new IllegalStateException(
						"setpriv (util-linux) is not installed: as root, each gateway runs as a user id of its own"))
				: null;
		return new GatewaySandbox(Sandbox.BWRAP, root, runtime, properties.sandboxUidBase(), properties.maxInstances(),
				bwrap, setsid, setpriv);
	}

	/** Whether gateways run in bubblewrap ({@code false}: unconfined). */
	boolean confined() {
		return this.mode == Sandbox.BWRAP;
	}

	/** Whether each gateway runs as a user id of its own (confined, run by root). */
	boolean separateUsers() {
		return confined() && this.root;
	}

	/** The user id of a gateway slot, {@code 0 ≤ slot < max-instances}. */
	int uid(int slot) {
		return this.uidBase + slot;
	}

	/** Whether a user id is one this sandbox hands out. */
	boolean isSandboxUid(int uid) {
		return uid >= this.uidBase && uid < this.uidBase + this.uids;
	}

	/** Number of user ids this sandbox hands out. */
	int uids() {
		return this.uids;
	}

	/**
	 * The command line that runs {@code command} confined to {@code folder}, as
	 * {@code uid} (only when {@link #separateUsers()}; otherwise {@code null}).
	 */
	List<String> command(Path folder, Integer uid, List<String> command) {
		if (!confined()) {
			return command;
		}
		if (this.root && uid == null) {
			throw new IllegalArgumentException("A gateway of root's needs a user id of its own: " + folder);
		}
		List<String> line = new ArrayList<>(List.of(this.setsid, this.bwrap));
		if (this.root) {
			// Until the command starts, bwrap keeps what it needs to enter a folder it
			// does not own and to become the gateway's user; setpriv then drops it all.
			line.addAll(List.of("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add",
					"CAP_SETPCAP", "--cap-add", "CAP_DAC_OVERRIDE"));
		}
		else {
			line.addAll(List.of("--unshare-user", "--disable-userns", "--cap-drop", "ALL"));
		}
		line.addAll(List.of("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--new-session",
				"--die-with-parent"));
		line.addAll(List.of("--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"));
		for (String name : ROOT_LINKS) {
			Path path = Path.of("/", name);
			if (Files.isSymbolicLink(path)) {
				line.addAll(List.of("--symlink", readLink(path), path.toString()));
			}
			else if (Files.isDirectory(path)) {
				line.addAll(List.of("--ro-bind", path.toString(), path.toString()));
			}
		}
		// Name resolution on hosts with systemd-resolved (/etc/resolv.conf links there).
		line.addAll(List.of("--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"));
		line.addAll(List.of("--ro-bind-try", "/sys", "/sys", "--proc", "/proc", "--dev", "/dev"));
		line.addAll(List.of("--perms", "1777", "--tmpfs", "/tmp"));
		mountPoint(line, this.runtime);
		// "-try": a runtime not installed yet is reported by the launch itself.
		line.addAll(List.of("--ro-bind-try", this.runtime.toString(), this.runtime.toString()));
		mountPoint(line, folder);
		line.addAll(List.of("--bind", folder.toString(), folder.toString()));
		line.addAll(List.of("--remount-ro", "/", "--chdir", folder.toString(), "--"));
		if (this.root) {
			String id = Integer.toString(uid);
			line.addAll(List.of(this.setpriv, "--reuid", id, "--regid", id, "--clear-groups", "--inh-caps=-all",
					"--bounding-set=-all", "--no-new-privs", "--"));
		}
		line.addAll(command);
		return line;
	}

	/**
	 * The confined process among the launcher's: bwrap's init is the launcher's child and
	 * the command its first child. Waits until it exists; when the launcher ends first
	 * (bwrap refused, or the command ended at once) returns the launcher, whose exit code
	 * says why.
	 */
	ProcessHandle confinedProcess(Process launcher) {
		if (!confined()) {
			return launcher.toHandle();
		}
		long deadline = System.nanoTime() + SETUP_TIMEOUT.toNanos();
		while (launcher.isAlive() && System.nanoTime() < deadline) {
			Optional<ProcessHandle> command = launcher.toHandle()
				.children()
				.findFirst()
				.flatMap((init) -> init.children().findFirst());
			if (command.isPresent()) {
				return command.get();
			}
			try {
				Thread.sleep(5);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		return launcher.toHandle();
	}

	/**
	 * The launcher of a confined process found by pid (after a restart of
	 * instance-service): the sandbox's init's parent, if it is bwrap.
	 */
	Optional<ProcessHandle> launcherOf(ProcessHandle process) {
		if (!confined()) {
			return Optional.empty();
		}
		return process.parent().flatMap(ProcessHandle::parent).filter(this::isBwrap);
	}

	private boolean isBwrap(ProcessHandle handle) {
		return handle.info().command().map((command) -> command.equals(this.bwrap)).orElse(false);
	}

	/**
	 * Runs {@code true} in a sandbox on {@code folder}, so that a machine where sandboxes
	 * cannot be made (no user namespaces, a kernel or AppArmor policy forbidding them)
	 * fails here, with bwrap's reason, rather than at every gateway start.
	 */
	void check(Path folder) {
		if (!confined()) {
			return;
		}
		Path out = null;
		try {
			out = Files.createTempFile("lingxi-sandbox-check", ".txt");
			Process probe = new ProcessBuilder(command(folder, this.root ? uid(0) : null, List.of("true")))
				.directory(folder.toFile())
				.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
				.redirectErrorStream(true)
				.redirectOutput(out.toFile())
				.start();
			if (!probe.waitFor(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				probe.destroyForcibly();
				throw new IllegalStateException("bwrap did not start a sandbox within " + SETUP_TIMEOUT);
			}
			if (probe.exitValue() != 0) {
				throw new IllegalStateException("bwrap cannot make a gateway sandbox on this machine ("
						+ Files.readString(out, StandardCharsets.UTF_8).strip() + "). Where user namespaces are "
						+ "not allowed (sysctl kernel.unprivileged_userns_clone, AppArmor's "
						+ "apparmor_restrict_unprivileged_userns), allow them; only for development on a machine "
						+ "that cannot, set lingxi.instances.local.sandbox=none (unsafe: gateways can then read "
						+ "the platform's secrets and each other's files)");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run bwrap: " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			if (out != null) {
				out.toFile().delete();
			}
		}
	}

	/** Directories on the way to a bind mount, created world-readable in the sandbox. */
	private static void mountPoint(List<String> line, Path target) {
		List<Path> parents = new ArrayList<>();
		for (Path parent = target.getParent(); parent != null
				&& parent.getParent() != null; parent = parent.getParent()) {
			parents.add(0, parent);
		}
		for (Path parent : parents) {
			line.addAll(List.of("--dir", parent.toString()));
		}
	}

	private static String readLink(Path link) {
		try {
			return Files.readSymbolicLink(link).toString();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + link, ex);
		}
	}

	private static Optional<String> find(String program, String searchPath) {
		if (searchPath == null) {
			return Optional.empty();
		}
		for (String dir : searchPath.split(File.pathSeparator)) {
			if (dir.isBlank()) {
				continue;
			}
			Path candidate = Path.of(dir, program);
			if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
				try {
					return Optional.of(candidate.toRealPath().toString());
				}
				catch (IOException ex) {
					// vanished meanwhile: look further
				}
			}
		}
		return Optional.empty();
	}

	/**
	 * Whether this process's effective user id is 0 ({@code Uid:} real, effective, …).
	 */
	private static boolean runsAsRoot() {
		try {
			return Files.readAllLines(Path.of("/proc/self/status"))
				.stream()
				.filter((line) -> line.startsWith("Uid:"))
				.map((line) -> line.substring(4).strip().split("\\s+"))
				.anyMatch((ids) -> ids.length > 1 && ids[1].equals("0"));
		}
		catch (IOException ex) {
			return false;
		}
	}

}
