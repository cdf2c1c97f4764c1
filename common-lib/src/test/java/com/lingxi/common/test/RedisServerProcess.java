package com.lingxi.common.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} of the test's own, on a free port, for tests in which Redis must
 * be down, come back or misbehave: the shared Redis other tests (and other builds) use is
 * never stopped. Nothing is persisted, so a restart comes back empty, as after a crash
 * without persistence.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final String BINARY = System.getenv().getOrDefault("REDIS_SERVER", "/usr/bin/redis-server");

	private final int port;

	private Process process;

	private RedisServerProcess(int port) {
		this.port = port;
		Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
	}

	/** A server on a free port, not started yet: connecting to it is refused. */
	public static RedisServerProcess onFreePort() {
		return new RedisServerProcess(freePort());
	}

	public int port() {
		return this.port;
	}

	public String host() {
		return "127.0.0.1";
	}

	/** Starts the server and waits until it answers {@code PING}. */
	public synchronized RedisServerProcess start() {
		if (this.process != null && this.process.isAlive()) {
			return this;
		}
		try {
			this.process = new ProcessBuilder(BINARY, "--port", Integer.toString(this.port), "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no")
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot start " + BINARY, ex);
		}
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (System.nanoTime() < deadline) {
			if (answersPing()) {
				return this;
			}
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						"redis-server on port " + this.port + " exited with " + this.process.exitValue());
			}
			sleep(50);
		}
		throw new IllegalStateException("redis-server on port " + this.port + " did not answer in 10 s");
	}

	/** Kills the server (SIGKILL: clients see their connections drop, as in a crash). */
	public synchronized void stop() {
		if (this.process == null) {
			return;
		}
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	@Override
	public void close() {
		stop();
	}

	private boolean answersPing() {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(1000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.read(reply);
			return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
