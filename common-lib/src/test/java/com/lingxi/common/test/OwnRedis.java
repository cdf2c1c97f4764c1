package com.lingxi.common.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis server of a test's own ({@code redis-server} as a child process on a free
 * port), for tests that stop and start Redis: the shared server is never touched.
 */
public final class OwnRedis implements AutoCloseable {

	private final int port;

	private final Path directory;

	private Process process;

	private OwnRedis(int port, Path directory) {
		this.port = port;
		this.directory = directory;
	}

	/** A server on a free port, not started yet (so a test can begin with Redis down). */
	public static OwnRedis onFreePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return new OwnRedis(socket.getLocalPort(), Files.createTempDirectory("lingxi-redis"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public String host() {
		return "127.0.0.1";
	}

	public int port() {
		return this.port;
	}

	/**
	 * Starts the server (again, after {@link #stop()}: on the same port, empty) and waits
	 * until it accepts connections.
	 */
	public synchronized OwnRedis start() {
		if (this.process != null && this.process.isAlive()) {
			return this;
		}
		try {
			this.process = new ProcessBuilder(List.of(binary(), "--port", Integer.toString(this.port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.directory.toString()))
				.redirectErrorStream(true)
				.redirectOutput(this.directory.resolve("redis.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot start redis-server", ex);
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			if (answers()) {
				return this;
			}
			if (!this.process.isAlive()) {
				break;
			}
			sleep();
		}
		throw new IllegalStateException("redis-server did not start on port " + this.port);
	}

	/** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
	public synchronized void freeze() {
		signal("STOP");
	}

	/** Lets a frozen server go on (SIGCONT). */
	public synchronized void thaw() {
		signal("CONT");
	}

	private void signal(String name) {
		if (this.process == null || !this.process.isAlive()) {
			return;
		}
		try {
			new ProcessBuilder("kill", "-" + name, Long.toString(this.process.pid())).start().waitFor();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** Whether the server answers a PING (accepting connections is not enough). */
	private boolean answers() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
			socket.setSoTimeout(1000);
			socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			socket.getOutputStream().flush();
			byte[] reply = new byte[7];
			int read = socket.getInputStream().read(reply);
			return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Kills the server (as a crash would). */
	public synchronized void stop() {
		if (this.process != null) {
			this.process.destroyForcibly();
			try {
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public void close() {
		stop();
	}

	private static String binary() {
		for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
			if (new File(candidate).canExecute()) {
				return candidate;
			}
		}
		return "redis-server";
	}

	private static void sleep() {
		try {
			Thread.sleep(100);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
