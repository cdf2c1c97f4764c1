package com.lingxi.instance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Test clean-up for the local runtime: gateway processes outlive the JVM that started
 * them (by design: instance-service adopts them after a restart), so tests kill the ones
 * they started.
 */
public final class LocalGateways {

	private LocalGateways() {
	}

	/** Kills every gateway (and its helpers) started under {@code directory}. */
	public static void killAll(Path directory) {
		if (!Files.isDirectory(directory)) {
			return;
		}
		try (Stream<Path> folders = Files.list(directory)) {
			folders.map((folder) -> folder.resolve("pid")).filter(Files::exists).forEach((pidFile) -> {
				try {
					long pid = Long.parseLong(Files.readString(pidFile).strip());
					ProcessHandle.of(pid).ifPresent((handle) -> {
						handle.descendants().forEach(ProcessHandle::destroyForcibly);
						handle.destroyForcibly();
					});
				}
				catch (IOException | NumberFormatException ex) {
					// gone already
				}
			});
		}
		catch (IOException ex) {
			// nothing to clean
		}
	}

}
