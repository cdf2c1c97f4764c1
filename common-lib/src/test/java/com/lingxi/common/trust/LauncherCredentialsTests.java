package com.lingxi.common.trust;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The keys and credentials {@code ./lingxi} makes with openssl
 * ({@code deploy/lib/trust.sh}) are the ones the services read and verify: the same
 * formats, the same derivation, the same signatures.
 */
class LauncherCredentialsTests {

	private static final Path SCRIPT = Path.of("..", "deploy", "lib", "trust.sh").toAbsolutePath().normalize();

	@TempDir
	static Path dir;

	@BeforeAll
	static void makeKeys() throws Exception {
		shell("trust_init '" + dir + "'");
	}

	@Test
	void anOperatorTokenMadeByTheLauncherIsAcceptedForItsAudienceOnly() throws Exception {
		Map<String, String> billing = environment("billing-service");
		String token = shell("trust_service_token '" + dir + "' lingxi-operator billing-service");
		ServiceTokenVerifier verifier = new ServiceTokenVerifier("billing-service",
				ServiceKeys.peers(billing.get("LINGXI_TRUST_PEER_KEYS")), Duration.ofSeconds(30), Clock.systemUTC());
		assertThat(verifier.verify(token)).isEqualTo("lingxi-operator");
		ServiceTokenVerifier config = new ServiceTokenVerifier("config-service",
				ServiceKeys.peers(billing.get("LINGXI_TRUST_PEER_KEYS")), Duration.ofSeconds(30), Clock.systemUTC());
		assertThatExceptionOfType(InvalidCredentialException.class).isThrownBy(() -> config.verify(token));
	}

	@Test
	void aServiceSignsWithTheKeyTheLauncherGaveItAndOthersVerifyIt() throws Exception {
		Map<String, String> instance = environment("instance-service");
		ServiceTokens tokens = new ServiceTokens("instance-service",
				ServiceKeys.privateKey(instance.get("LINGXI_TRUST_SERVICE_KEY")), Duration.ofMinutes(5),
				Clock.systemUTC());
		ServiceTokenVerifier billing = new ServiceTokenVerifier("billing-service",
				ServiceKeys.peers(environment("billing-service").get("LINGXI_TRUST_PEER_KEYS")), Duration.ofSeconds(30),
				Clock.systemUTC());
		assertThat(billing.verify(tokens.tokenFor("billing-service"))).isEqualTo("instance-service");
	}

	@Test
	void theGatewaysMasterKeyAndEachServicesEdgeKeyAgree() throws Exception {
		Map<String, String> gateway = environment("gateway-service");
		Map<String, String> agents = environment("agent-service");
		assertThat(agents).doesNotContainKey("LINGXI_TRUST_EDGE_MASTER_KEY");
		UUID user = UUID.randomUUID();
		String signed = new EdgeAssertions.Signer(
				EdgeAssertions.decodeKey(gateway.get("LINGXI_TRUST_EDGE_MASTER_KEY"), "master"), Duration.ofSeconds(30),
				Clock.systemUTC())
			.sign("agent-service", new EdgeAssertion("r1", "10.0.0.1", user, "pro", "t1"));
		EdgeAssertions.Verifier verifier = new EdgeAssertions.Verifier("agent-service",
				EdgeAssertions.decodeKey(agents.get("LINGXI_TRUST_EDGE_KEY"), "edge"), Duration.ofSeconds(30),
				Clock.systemUTC());
		assertThat(verifier.verify(signed).userId()).isEqualTo(user);
		String fromShell = shell("trust_edge_assertion '" + dir + "' agent-service " + user + " team");
		EdgeAssertion asserted = verifier.verify(fromShell);
		assertThat(asserted.userId()).isEqualTo(user);
		assertThat(asserted.plan()).isEqualTo("team");
	}

	private static Map<String, String> environment(String service) throws Exception {
		Map<String, String> env = new LinkedHashMap<>();
		for (String line : shell("trust_service_env '" + dir + "' " + service).split("\n")) {
			int eq = line.indexOf('=');
			env.put(line.substring(0, eq), line.substring(eq + 1));
		}
		return env;
	}

	private static String shell(String command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder("bash", "-c", "source '" + SCRIPT + "' && " + command)
			.redirectErrorStream(true)
			.start();
		byte[] out = process.getInputStream().readAllBytes();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		String text = new String(out, StandardCharsets.UTF_8).strip();
		assertThat(process.exitValue()).as(text).isZero();
		assertThat(Files.exists(SCRIPT)).isTrue();
		return text;
	}

}
