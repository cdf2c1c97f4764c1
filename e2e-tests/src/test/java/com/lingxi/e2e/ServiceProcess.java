package com.lingxi.e2e;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service of the platform as a real process: its repackaged jar, started with
 * {@code java -jar} and the given arguments, its output in {@code target/e2e-logs/}.
 */
final class ServiceProcess {

	private final String name;

	private final Process process;

	private final Path log;

	private ServiceProcess(String name, Process process, Path log) {
		this.name = name;
		this.process = process;
		this.log = log;
	}

	static ServiceProcess start(String module, List<String> arguments) throws IOException {
		Path jar = Path.of("..", module, "target", module + ".jar").toAbsolutePath().normalize();
		if (!Files.exists(jar)) {
			throw new IllegalStateException(jar + " is missing: build the reactor (./mvnw verify) first");
		}
		Path logs = Path.of("target", "e2e-logs");
		Files.createDirectories(logs);
		Path log = logs.resolve(module + ".log");
		List<String> command = new ArrayList<>(
				List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString()));
		command.addAll(arguments);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new ServiceProcess(module, process, log);
	}

	/** Waits until {@code healthUrl} reports UP, or fails with the end of the log. */
	ServiceProcess awaitHealthy(String healthUrl, Duration timeout) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						this.name + " exited with " + this.process.exitValue() + ":\n" + tail());
			}
			try {
				HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(healthUrl)).build(),
						HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
					return this;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		throw new IllegalStateException(this.name + " not healthy after " + timeout + ":\n" + tail());
	}

	String tail() throws IOException {
		List<String> lines = Files.readAllLines(this.log);
		return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

	private static String javaBinary() {
		return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
	}

	/** Stops the process: SIGTERM, then SIGKILL after 20 seconds. */
	void close() throws InterruptedException {
		this.process.destroy();
		if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
			this.process.destroyForcibly();
		}
	}

}
