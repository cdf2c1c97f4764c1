package com.lingxi.common.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL and Redis for integration tests: containers when a Docker engine is
 * available, otherwise the servers at {@code PGHOST/PGPORT} (user {@code PGUSER}, default
 * {@code postgres}, password {@code PGPASSWORD}) and {@code REDIS_HOST/REDIS_PORT}
 * (default 127.0.0.1, password {@code REDIS_PASSWORD}). Every caller gets a database and
 * a Redis key namespace of its own, so tests never see each other's rows or keys. The
 * databases are dropped when the JVM exits.
 */
public final class TestInfrastructure {

	private static final String PREFIX = "lxtest_";

	private static Postgres postgres;

	private static Redis redis;

	private static final List<String> created = new ArrayList<>();

	private TestInfrastructure() {
	}

	/** The PostgreSQL server for this test run. */
	public static synchronized Postgres postgres() {
		if (postgres == null) {
			postgres = startPostgres();
			dropStaleDatabases(postgres);
			Runtime.getRuntime().addShutdownHook(new Thread(TestInfrastructure::dropCreatedDatabases));
		}
		return postgres;
	}

	/** The Redis server for this test run. */
	public static synchronized Redis redis() {
		if (redis == null) {
			redis = startRedis();
		}
		return redis;
	}

	/** Creates an empty database whose name starts with a readable hint. */
	public static String createDatabase(String hint) {
		Postgres server = postgres();
		String clean = hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
		String name = PREFIX + (System.currentTimeMillis() / 1000) + "_"
				+ clean.substring(0, Math.min(clean.length(), 20)) + "_"
				+ Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
		server.execute("CREATE DATABASE \"" + name + "\"");
		synchronized (created) {
			created.add(name);
		}
		return name;
	}

	/** A fresh Redis key namespace. */
	public static String newRedisNamespace(String hint) {
		return "t-" + hint.replaceAll("[^A-Za-z0-9]", "") + "-"
				+ Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
	}

	/**
	 * Properties pointing a service at a new database and Redis namespace, for
	 * {@code ApplicationContextRunner.withPropertyValues} (which does not apply the
	 * platform defaults, so everything is spelled out).
	 */
	public static String[] properties(String hint, String schema) {
		Postgres server = postgres();
		Redis redisServer = redis();
		String database = createDatabase(hint);
		return new String[] { "spring.r2dbc.url=" + server.r2dbcUrl(database) + "?schema=" + schema,
				"spring.r2dbc.username=" + server.user(), "spring.r2dbc.password=" + server.password(),
				"spring.flyway.url=" + server.jdbcUrl(database), "spring.flyway.user=" + server.user(),
				"spring.flyway.password=" + server.password(), "spring.flyway.schemas=" + schema,
				"spring.flyway.default-schema=" + schema, "spring.data.redis.host=" + redisServer.host(),
				"spring.data.redis.port=" + redisServer.port(), "spring.data.redis.password=" + redisServer.password(),
				"lingxi.redis.namespace=" + newRedisNamespace(hint) };
	}

	private static Postgres startPostgres() {
		if (dockerAvailable()) {
			PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
			container.start();
			return new Postgres(container.getHost(), container.getMappedPort(5432), container.getUsername(),
					container.getPassword());
		}
		return new Postgres(env("PGHOST", "127.0.0.1"), Integer.parseInt(env("PGPORT", "5432")),
				env("PGUSER", "postgres"), env("PGPASSWORD", ""));
	}

	private static Redis startRedis() {
		if (dockerAvailable()) {
			GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
			container.start();
			return new Redis(container.getHost(), container.getMappedPort(6379), "");
		}
		return new Redis(env("REDIS_HOST", "127.0.0.1"), Integer.parseInt(env("REDIS_PORT", "6379")),
				env("REDIS_PASSWORD", ""));
	}

	private static boolean dockerAvailable() {
		if (Boolean.parseBoolean(env("LINGXI_TEST_NO_DOCKER", "false"))) {
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value != null && !value.isBlank()) ? value : fallback;
	}

	/** Databases left behind by a run that was killed more than six hours ago. */
	private static void dropStaleDatabases(Postgres server) {
		long cutoff = System.currentTimeMillis() / 1000 - 6 * 3600;
		List<String> stale = new ArrayList<>();
		try (Connection connection = server.connect("postgres");
				Statement statement = connection.createStatement();
				ResultSet rows = statement
					.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '" + PREFIX + "%'")) {
			while (rows.next()) {
				String name = rows.getString(1);
				String[] parts = name.split("_");
				if (parts.length > 2 && parts[1].chars().allMatch(Character::isDigit)
						&& Long.parseLong(parts[1]) < cutoff) {
					stale.add(name);
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Cannot reach PostgreSQL at " + server.host() + ":" + server.port(), ex);
		}
		stale.forEach((name) -> server.executeQuietly("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)"));
	}

	private static void dropCreatedDatabases() {
		List<String> names;
		synchronized (created) {
			names = new ArrayList<>(created);
		}
		names.forEach((name) -> postgres.executeQuietly("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)"));
	}

	/**
	 * A PostgreSQL server.
	 *
	 * @param host host
	 * @param port port
	 * @param user user with CREATE DATABASE rights
	 * @param password password (empty with trust authentication)
	 */
	public record Postgres(String host, int port, String user, String password) {

		public String jdbcUrl(String database) {
			return "jdbc:postgresql://" + this.host + ":" + this.port + "/" + database;
		}

		public String r2dbcUrl(String database) {
			return "r2dbc:postgresql://" + this.host + ":" + this.port + "/" + database;
		}

		/** A JDBC connection to a database of this server. */
		public Connection connect(String database) throws SQLException {
			return DriverManager.getConnection(jdbcUrl(database), this.user, this.password);
		}

		void execute(String sql) {
			try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
				statement.execute(sql);
			}
			catch (SQLException ex) {
				throw new IllegalStateException("Failed: " + sql, ex);
			}
		}

		void executeQuietly(String sql) {
			try {
				execute(sql);
			}
			catch (IllegalStateException ex) {
				// best effort clean-up
			}
		}

	}

	/**
	 * A Redis server.
	 *
	 * @param host host
	 * @param port port
	 * @param password password ({@code requirepass}); empty when it has none
	 */
	public record Redis(String host, int port, String password) {

	}

}
