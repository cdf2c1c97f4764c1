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

import com.lingxi.common.test.TestTrust;

/**
 * One service of the platform as a real process: its repackaged jar, started with
 * {@code java -jar} and the given arguments, its output in {@code target/e2e-logs/}, in
 * development mode, with its own credentials ({@link TestTrust}) in its environment as
 * {@code ./lingxi up} gives them, and its actuator on a management port of its own.
 */
final class ServiceProcess {

	private final String name;

	private final Process process;

	private final Path log;

	private final int managementPort;

	private ServiceProcess(String name, Process process, Path log, int managementPort) {
		this.name = name;
		this.process = process;
		this.log = log;
		this.managementPort = managementPort;
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
		int managementPort = freePort();
		command.add("--management.server.port=" + managementPort);
		command.addAll(arguments);
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
		builder.environment().putAll(TestTrust.environment(module));
		builder.environment().put("LINGXI_DEVELOPMENT", "true");
		return new ServiceProcess(module, builder.start(), log, managementPort);
	}

	/** The port of its actuator endpoints. */
	int managementPort() {
		return this.managementPort;
	}

	/** Waits until its health endpoint reports UP, or fails with the end of the log. */
	ServiceProcess awaitHealthy(Duration timeout) throws Exception {
		String healthUrl = "http://127.0.0.1:" + this.managementPort + "/actuator/health";
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + timeout.toNanos();
		String last = "no answer";
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
				last = response.statusCode() + " " + response.body();
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		throw new IllegalStateException(
				this.name + " not healthy after " + timeout + " (" + healthUrl + ": " + last + "):\n" + tail());
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
