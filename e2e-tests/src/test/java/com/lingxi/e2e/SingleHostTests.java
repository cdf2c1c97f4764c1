package com.lingxi.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The single-host deployment's scripts, on this machine's real PostgreSQL and Podman: a
 * backup restores the database and the gateways' volumes exactly as they were, a damaged
 * backup is refused, and the systemd units parse.
 */
class SingleHostTests {

	static final Path SCRIPTS = Path.of("..", "deploy", "single-host").toAbsolutePath().normalize();

	final String label = "cloud.lingxi.backup-test=" + UUID.randomUUID();

	final String volume = "lingxi-gw-backup-test-" + UUID.randomUUID().toString().substring(0, 8);

	@TempDir
	Path backups;

	String database;

	@AfterEach
	void removeVolume() throws Exception {
		run(Map.of(), "podman", "--runtime", "runc", "volume", "rm", "--force", this.volume);
	}

	@Test
	void aBackupRestoresTheDatabaseAndTheVolumesAsTheyWere() throws Exception {
		this.database = TestInfrastructure.createDatabase("backup");
		sql("CREATE TABLE conversations (id int PRIMARY KEY, title text)",
				"INSERT INTO conversations VALUES (1, '销售数据分析'), (2, 'bug review')");
		volumeWith("home/.openclaw/openclaw.json", "{\"agents\":\"before\"}");

		String folder = run(settings(), SCRIPTS.resolve("backup.sh").toString()).strip();
		assertThat(Path.of(folder)).isDirectory().isDirectoryContaining("glob:**/postgres.dump");
		assertThat(Path.of(folder, "volumes", this.volume + ".tar")).exists();

		// What happens after the backup: rows lost, a table added, the gateway's files
		// changed.
		sql("DELETE FROM conversations WHERE id = 1", "CREATE TABLE added_later (x int)");
		Files.writeString(mountpoint().resolve("home/.openclaw/openclaw.json"), "{\"agents\":\"after\"}");
		Files.writeString(mountpoint().resolve("stray"), "written after the backup");

		Map<String, String> restore = settings();
		restore.put("LINGXI_RESTORE_SERVICES", "0");
		restore.put("LINGXI_DB_OWNER", TestInfrastructure.postgres().user());
		assertThat(run(restore, SCRIPTS.resolve("restore.sh").toString(), folder)).contains("restored");

		assertThat(query("SELECT title FROM conversations ORDER BY id")).containsExactly("销售数据分析", "bug review");
		assertThat(query("SELECT count(*) FROM pg_tables WHERE tablename = 'added_later'")).containsExactly("0");
		assertThat(mountpoint().resolve("home/.openclaw/openclaw.json")).content().isEqualTo("{\"agents\":\"before\"}");
		assertThat(mountpoint().resolve("stray")).doesNotExist();
		assertThat(run(Map.of(), "podman", "--runtime", "runc", "volume", "inspect", "--format", "{{ .Labels }}",
				this.volume))
			.as("the volume's labels come back with it")
			.contains(this.label.replace("=", ":"));
	}

	@Test
	void aDamagedBackupIsRefusedBeforeAnythingIsTouched() throws Exception {
		this.database = TestInfrastructure.createDatabase("backup-damaged");
		sql("CREATE TABLE kept (x int)", "INSERT INTO kept VALUES (7)");
		volumeWith("file", "v1");
		String folder = run(settings(), SCRIPTS.resolve("backup.sh").toString()).strip();
		Path dump = Path.of(folder, "postgres.dump");
		byte[] bytes = Files.readAllBytes(dump);
		bytes[bytes.length / 2] ^= 0x5a;
		Files.write(dump, bytes);
		sql("INSERT INTO kept VALUES (8)");

		Map<String, String> restore = settings();
		restore.put("LINGXI_RESTORE_SERVICES", "0");
		Result result = runAllowingFailure(restore, SCRIPTS.resolve("restore.sh").toString(), folder);
		assertThat(result.exitCode()).isNotZero();
		assertThat(result.output()).contains("damaged");
		assertThat(query("SELECT x FROM kept ORDER BY x")).containsExactly("7", "8");
	}

	@Test
	void backupsBeyondTheKeptNumberAreRemoved() throws Exception {
		this.database = TestInfrastructure.createDatabase("backup-keep");
		Map<String, String> settings = settings();
		settings.put("LINGXI_BACKUP_KEEP", "2");
		List<String> made = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			made.add(run(settings, SCRIPTS.resolve("backup.sh").toString()).strip());
			Thread.sleep(1100);
		}
		try (var listing = Files.list(this.backups)) {
			assertThat(listing.map((path) -> path.toString()).toList()).containsExactlyInAnyOrder(made.get(1),
					made.get(2));
		}
	}

	@Test
	void theSystemdUnitsParse() throws Exception {
		Path units = Files.createTempDirectory("lingxi-units");
		try (var files = Files.list(SCRIPTS.resolve("systemd"))) {
			for (Path unit : files.toList()) {
				Files.copy(unit, units.resolve(unit.getFileName()));
			}
		}
		Files.copy(units.resolve("lingxi@.service"), units.resolve("lingxi@user-service.service"));
		List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no"));
		for (String unit : List.of("lingxi@user-service.service", "lingxi-engine.service",
				"lingxi-gateway-network.service", "lingxi-firewall.service", "lingxi-backup.service",
				"lingxi-backup.timer", "lingxi.target")) {
			command.add(units.resolve(unit).toString());
		}
		Result result = runAllowingFailure(Map.of("SYSTEMD_LOG_LEVEL", "warning"), command.toArray(String[]::new));
		// The scripts the units run are installed by install.sh, not here: that is all it
		// may say.
		for (String line : result.output().lines().filter((line) -> !line.isBlank()).toList()) {
			assertThat(line).contains("is not executable: No such file or directory");
		}
	}

	// --- helpers ---

	private Map<String, String> settings() {
		TestInfrastructure.Postgres postgres = TestInfrastructure.postgres();
		Map<String, String> settings = new HashMap<>();
		settings.put("LINGXI_BACKUP_DIR", this.backups.toString());
		settings.put("LINGXI_DB_NAME", this.database);
		settings.put("LINGXI_BACKUP_VOLUMES", this.label);
		settings.put("PGHOST", postgres.host());
		settings.put("PGPORT", Integer.toString(postgres.port()));
		settings.put("PGUSER", postgres.user());
		settings.put("PGPASSWORD", postgres.password());
		return settings;
	}

	private void volumeWith(String path, String content) throws Exception {
		run(Map.of(), "podman", "--runtime", "runc", "volume", "create", "--label", this.label, this.volume);
		Path file = mountpoint().resolve(path);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}

	private Path mountpoint() throws Exception {
		return Path.of(run(Map.of(), "podman", "--runtime", "runc", "volume", "inspect", "--format",
				"{{ .Mountpoint }}", this.volume)
			.strip());
	}

	private Connection connect() throws SQLException {
		TestInfrastructure.Postgres postgres = TestInfrastructure.postgres();
		return DriverManager.getConnection(
				"jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + this.database, postgres.user(),
				postgres.password());
	}

	private void sql(String... statements) throws SQLException {
		try (Connection connection = connect(); Statement statement = connection.createStatement()) {
			for (String sql : statements) {
				statement.execute(sql);
			}
		}
	}

	private List<String> query(String sql) throws SQLException {
		List<String> values = new ArrayList<>();
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			while (rows.next()) {
				values.add(rows.getString(1));
			}
		}
		return values;
	}

	private static String run(Map<String, String> environment, String... command) throws Exception {
		Result result = runAllowingFailure(environment, command);
		assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.output()).isZero();
		return result.output();
	}

	private static Result runAllowingFailure(Map<String, String> environment, String... command)
			throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().putAll(environment);
		Process process = builder.start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(), output);
	}

	private record Result(int exitCode, String output) {
	}

}
