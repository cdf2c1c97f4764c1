package com.lingxi.instance.lifecycle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leader election when the leader's PostgreSQL connection goes half-open: the server has
 * ended the session (so the lock is free and another replica takes it) but the leader's
 * socket never hears of it, so its heartbeat query would wait forever. Two replicas in
 * one JVM, one of them reaching PostgreSQL through a proxy that can stop forwarding
 * without closing anything.
 */
class LeaderLatchTests {

	private static final LeaderLatch.Settings FAST = new LeaderLatch.Settings(Duration.ofMillis(300),
			Duration.ofSeconds(1));

	private final TestInfrastructure.Postgres postgres = TestInfrastructure.postgres();

	private final String database = TestInfrastructure.createDatabase("leader");

	private final List<LeaderLatch> latches = new CopyOnWriteArrayList<>();

	private FreezingProxy proxy;

	@AfterEach
	void stop() throws IOException {
		this.latches.forEach(LeaderLatch::stop);
		if (this.proxy != null) {
			this.proxy.close();
		}
	}

	private ConnectionFactory connections(int port) {
		return new PostgresqlConnectionFactory(PostgresqlConnectionConfiguration.builder()
			.host(this.postgres.host())
			.port(port)
			.database(this.database)
			.username(this.postgres.user())
			.password(this.postgres.password())
			.connectTimeout(Duration.ofSeconds(3))
			.build());
	}

	private LeaderLatch latch(ConnectionFactory connections) {
		LeaderLatch latch = new LeaderLatch(connections, FAST);
		this.latches.add(latch);
		latch.start();
		return latch;
	}

	@Test
	void aLeaderWhoseConnectionGoesHalfOpenStepsDownWhileAnotherTakesOver() throws Exception {
		this.proxy = new FreezingProxy(this.postgres.host(), this.postgres.port());
		LeaderLatch first = latch(connections(this.proxy.port()));
		await().atMost(Duration.ofSeconds(15)).until(first::isLeader);
		LeaderLatch second = latch(connections(this.postgres.port()));
		await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> !second.isLeader());

		// The network drops the leader's traffic; the server then ends its session (as
		// after a failover or a keepalive timeout on the server's side).
		long frozen = System.nanoTime();
		this.proxy.freeze();
		assertThat(terminateLockHolders()).isEqualTo(1);

		await().atMost(Duration.ofSeconds(15)).until(second::isLeader);
		await().atMost(Duration.ofSeconds(15)).until(() -> !first.isLeader());
		// Never two leaders for longer than a heartbeat and its time limit (plus a margin
		// for a loaded machine).
		assertThat(Duration.ofNanos(System.nanoTime() - frozen)).isLessThan(stepDownBound());
		await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !first.isLeader());
	}

	@Test
	void aLeaderThatCanNoLongerReachTheServerLetsTheLockGoToAnother() throws Exception {
		this.proxy = new FreezingProxy(this.postgres.host(), this.postgres.port());
		LeaderLatch first = latch(connections(this.proxy.port()));
		await().atMost(Duration.ofSeconds(15)).until(first::isLeader);
		LeaderLatch second = latch(connections(this.postgres.port()));

		// Only the network fails: the server keeps the session, and with it the lock,
		// until it notices the client is gone.
		long frozen = System.nanoTime();
		this.proxy.freeze();

		await().atMost(Duration.ofSeconds(15)).until(() -> !first.isLeader());
		assertThat(Duration.ofNanos(System.nanoTime() - frozen)).isLessThan(stepDownBound());
		await().atMost(Duration.ofSeconds(30)).until(second::isLeader);
		assertThat(first.isLeader()).isFalse();
	}

	private static Duration stepDownBound() {
		return FAST.heartbeatInterval().plus(FAST.heartbeatTimeout()).plusMillis(1200);
	}

	/** Ends the sessions holding advisory locks in this test's database. */
	private int terminateLockHolders() throws SQLException {
		try (Connection connection = this.postgres.connect(this.database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("""
						SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l
						WHERE l.locktype = 'advisory' AND l.granted
						  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
						""")) {
			rows.next();
			return rows.getInt(1);
		}
	}

	/**
	 * Forwards TCP connections to PostgreSQL until frozen; then it forwards nothing in
	 * either direction and closes nothing, so both ends see a connection that is open but
	 * silent.
	 */
	static final class FreezingProxy implements AutoCloseable {

		private final ServerSocket server;

		private final List<Socket> sockets = new CopyOnWriteArrayList<>();

		private volatile boolean frozen;

		FreezingProxy(String host, int port) throws IOException {
			this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
			Thread acceptor = new Thread(() -> {
				while (!this.server.isClosed()) {
					try {
						Socket client = this.server.accept();
						Socket upstream = new Socket(host, port);
						this.sockets.add(client);
						this.sockets.add(upstream);
						pipe(client, upstream);
						pipe(upstream, client);
					}
					catch (IOException ex) {
						// closed
					}
				}
			}, "postgres-proxy");
			acceptor.setDaemon(true);
			acceptor.start();
		}

		int port() {
			return this.server.getLocalPort();
		}

		void freeze() {
			this.frozen = true;
		}

		private void pipe(Socket from, Socket to) {
			Thread pump = new Thread(() -> {
				byte[] buffer = new byte[8192];
				try {
					InputStream in = from.getInputStream();
					OutputStream out = to.getOutputStream();
					int read;
					while ((read = in.read(buffer)) >= 0) {
						if (this.frozen) {
							continue;
						}
						out.write(buffer, 0, read);
						out.flush();
					}
					if (!this.frozen) {
						to.shutdownOutput();
					}
				}
				catch (IOException ex) {
					// one side closed
				}
			}, "postgres-proxy-pump");
			pump.setDaemon(true);
			pump.start();
		}

		@Override
		public void close() throws IOException {
			this.server.close();
			for (Socket socket : this.sockets) {
				socket.close();
			}
		}

	}

}
