package com.lingxi.instance.runtime.container;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.common.id.Ids;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.FakeModel;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The container runtime with real gateways in real containers (Podman's Docker-compatible
 * API, which {@code ./lingxi test} starts, and the gateway image it builds), on a network
 * of the tests' own made by {@code deploy/container/gateway-network.sh} exactly as for
 * the platform, with a stand-in model proxy on the one port that network admits.
 *
 * <p>
 * One gateway (Alice's) goes through the runtime's whole contract: start in a locked-down
 * container, live files, hibernation with files written while asleep, wake, crash,
 * adoption by a new runtime, deletion. A second (Bob's) is there to be unreachable, and a
 * third refuses its configuration (exit 78).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerRuntimeTests {

	static final String NETWORK = TestGatewayNetwork.NAME;

	static final String SUBNET = TestGatewayNetwork.SUBNET;

	static final String HOST = TestGatewayNetwork.HOST;

	static final int PROXY_PORT = TestGatewayNetwork.PROXY_PORT;

	static final InstanceProperties.Resources FREE = new InstanceProperties.Resources("250m", "1", "1Gi", "1536Mi",
			"2Gi");

	static final JsonMapper JSON = JsonMapper.builder().build();

	static FakeModel model;

	static ContainerRuntimeProperties properties;

	static ContainerEngine engine;

	static ContainerRuntime runtime;

	static final InstanceSecrets secrets = new InstanceSecrets(
			new SecretCipher(Map.of("test", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), "test"));

	static final GatewayClient gateways = new GatewayClient(WebClient.builder(), JSON);

	static final UUID aliceInstance = Ids.uuidV7();

	static final UUID bobInstance = Ids.uuidV7();

	static final UUID brokenInstance = Ids.uuidV7();

	static final String aliceToken = InstanceSecrets.newGatewayToken();

	static final String bobToken = InstanceSecrets.newGatewayToken();

	static Placement alice;

	static Placement bob;

	/**
	 * A platform port on the host, on every address (as a service bound to 0.0.0.0 is).
	 */
	static ServerSocket platformPort;

	@BeforeAll
	static void start() throws Exception {
		TestGatewayNetwork.up();
		model = new FakeModel("0.0.0.0", PROXY_PORT, HOST);
		Map<String, String> settings = new HashMap<>();
		String prefix = "lingxi.instances.container";
		settings.put(prefix + ".engine",
				System.getenv().getOrDefault("LINGXI_CONTAINER_ENGINE", "unix:///run/lingxi/podman.sock"));
		settings.put(prefix + ".image",
				System.getenv().getOrDefault("LINGXI_GATEWAY_IMAGE", "localhost/lingxi/gateway:0.1.0-SNAPSHOT"));
		settings.put(prefix + ".network", NETWORK);
		settings.put(prefix + ".name-prefix", "lingxi-test-gw-");
		settings.put(prefix + ".stop-timeout", "10s");
		properties = new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate(prefix,
				ContainerRuntimeProperties.class);
		engine = new ContainerEngine(properties.engine(), properties.apiVersion(), properties.callTimeout());
		runtime = new ContainerRuntime(engine, properties, secrets, WebClient.builder());
		assertThat(runtime.check().block()).as("the engine answers and has the image and the network").isNotBlank();
		platformPort = new ServerSocket();
		platformPort.bind(new InetSocketAddress("0.0.0.0", 0));
	}

	@AfterAll
	static void stop() throws IOException {
		for (UUID id : List.of(aliceInstance, bobInstance, brokenInstance)) {
			runtime.delete(instance(id, "x", null)).onErrorComplete().block();
		}
		model.stop();
		platformPort.close();
	}

	@Test
	@Order(1)
	void aGatewayStartsInALockedDownContainerOfItsOwn() {
		alice = runtime.create(spec(aliceInstance, aliceToken, files(List.of("assistant"), "one"))).block();
		bob = runtime.create(spec(bobInstance, bobToken, files(List.of("assistant"), "bob"))).block();
		assertThat(alice.endpoint()).startsWith("http://10.89.61.").endsWith(":18789");
		gateways.awaitReady(alice.endpoint(), Duration.ofSeconds(150)).block();
		assertThat(agents(alice, aliceToken)).containsExactly("assistant");
		assertThat(runtime.status(instance(aliceInstance, aliceToken, alice)).block().phase())
			.isEqualTo(RuntimeStatus.Phase.RUNNING);

		JsonNode container = engine.inspect(properties.name(aliceInstance)).block().orElseThrow();
		JsonNode host = container.path("HostConfig");
		assertThat(host.path("ReadonlyRootfs").asBoolean()).isTrue();
		assertThat(host.path("CapAdd").isEmpty()).as("no capability added").isTrue();
		assertThat(host.path("SecurityOpt").toString()).contains("no-new-privileges");
		assertThat(host.path("Memory").asLong()).isEqualTo(1536L * 1024 * 1024);
		assertThat(host.path("NanoCpus").asLong()).isEqualTo(1_000_000_000L);
		assertThat(host.path("PidsLimit").asLong()).isEqualTo(512);
		assertThat(container.path("Config").path("User").asString()).isEqualTo("1000:1000");

		assertThat(exec(aliceInstance, "id -u; touch /opt/x 2>&1; cat /proc/sys/net/ipv6/conf/all/disable_ipv6"))
			.startsWith("1000")
			.contains("Read-only file system")
			.endsWith("1");
		assertThat(exec(aliceInstance, "cat /proc/self/status | grep CapEff")).contains("0000000000000000");
	}

	@Test
	@Order(2)
	void fromInsideAGatewayOnlyTheModelProxyAnswers() throws Exception {
		gateways.awaitReady(bob.endpoint(), Duration.ofSeconds(150)).block();
		String bobAddress = bob.ref().path("address").asString();
		assertThat(probe(aliceInstance, HOST, PROXY_PORT)).as("the model proxy").isEqualTo("open");
		assertThat(probe(aliceInstance, HOST, platformPort.getLocalPort())).as("a platform port on the host")
			.isEqualTo("timeout");
		assertThat(probe(aliceInstance, HOST, 22)).as("the host's SSH").isEqualTo("timeout");
		assertThat(probe(aliceInstance, bobAddress, 18789)).as("another user's gateway").isEqualTo("timeout");
		assertThat(probe(aliceInstance, bobAddress, 18950)).as("another user's file service").isEqualTo("timeout");
		String outside = hostAddressOutsideTheNetwork();
		if (outside != null) {
			assertThat(probe(aliceInstance, outside, platformPort.getLocalPort()))
				.as("the host's other address " + outside)
				.isEqualTo("timeout");
		}
		// The host's files and the platform's environment are not in the container.
		assertThat(exec(aliceInstance, "ls /var/lib/postgresql /etc/lingxi /work 2>&1 | head -3; env"))
			.doesNotContain("PGPASSWORD", "REDIS_PASSWORD", "LINGXI_TRUST", bobToken)
			.contains("No such file or directory");
	}

	@Test
	@Order(3)
	void theFirewallDropsTheMetadataAddressAndEverythingRoutedOrBetweenGateways() throws Exception {
		String table = "lingxi_" + NETWORK.replace('-', '_');
		String inet = command("nft", "list", "table", "inet", table);
		String bridge = command("nft", "list", "table", "bridge", table);
		assertThat(inet).contains("ip daddr 169.254.0.0/16").contains("drop comment \"no cloud metadata service\"");
		assertThat(inet).containsPattern(
				"ip daddr " + HOST.replace(".", "\\.") + " tcp dport " + PROXY_PORT + " ct state new accept");
		assertThat(inet).contains("drop comment \"nothing is routed out of the gateways' network\"");
		assertThat(inet).contains("drop comment \"gateways reach no other port or address of this host\"");
		assertThat(bridge).contains("ip saddr " + SUBNET + " ip daddr " + SUBNET)
			.contains("drop comment \"no gateway reaches another\"");
		assertThat(command(Path.of("../deploy/container/gateway-network.sh").toString(), "check")).isEmpty();
	}

	@Test
	@Order(4)
	void filesWrittenWhileTheGatewayRunsAreLive() {
		runtime.writeFiles(instance(aliceInstance, aliceToken, alice), files(List.of("assistant", "coder"), "two"))
			.block();
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(agents(alice, aliceToken)).containsExactlyInAnyOrder("assistant", "coder"));
	}

	@Test
	@Order(5)
	void aHibernatingGatewayKeepsItsStateAndWakesWithWhatWasWrittenMeanwhile() {
		Instance asleep = instance(aliceInstance, aliceToken, alice);
		runtime.stop(asleep).block();
		assertThat(runtime.status(asleep).block().phase()).isEqualTo(RuntimeStatus.Phase.STOPPED);
		runtime.writeFiles(asleep, files(List.of("assistant", "coder", "pm"), "three")).block();
		String before = alice.endpoint();
		alice = runtime.start(asleep, spec(aliceInstance, aliceToken, List.of())).block();
		assertThat(alice.endpoint()).as("a container keeps its address for life").isEqualTo(before);
		gateways.awaitReady(alice.endpoint(), Duration.ofSeconds(150)).block();
		assertThat(agents(alice, aliceToken)).containsExactlyInAnyOrder("assistant", "coder", "pm");
		assertThat(exec(aliceInstance, "ls -A /data/.lingxi-pending")).as("applied batches are gone").isBlank();
	}

	@Test
	@Order(6)
	void aNewRuntimeAdoptsTheRunningContainers() {
		ContainerRuntime restarted = new ContainerRuntime(engine, properties, secrets, WebClient.builder());
		Instance row = instance(aliceInstance, aliceToken, alice);
		assertThat(restarted.status(row).block().phase()).isEqualTo(RuntimeStatus.Phase.RUNNING);
		assertThat(restarted.instanceIds().collectList().block()).contains(aliceInstance.toString(),
				bobInstance.toString());
		Map<String, String> otherPlatform = new HashMap<>();
		otherPlatform.put("lingxi.instances.container.engine", properties.engine());
		otherPlatform.put("lingxi.instances.container.network", NETWORK);
		otherPlatform.put("lingxi.instances.container.name-prefix", "lingxi-other-gw-");
		ContainerRuntime other = new ContainerRuntime(engine,
				new Binder(new MapConfigurationPropertySource(otherPlatform)).bindOrCreate("lingxi.instances.container",
						ContainerRuntimeProperties.class),
				secrets, WebClient.builder());
		assertThat(other.instanceIds().collectList().block())
			.as("another platform on the same engine does not take these containers for its orphans")
			.doesNotContain(aliceInstance.toString(), bobInstance.toString());
		Placement again = restarted.start(row, spec(aliceInstance, aliceToken, List.of())).block();
		assertThat(again.endpoint()).isEqualTo(alice.endpoint());
		assertThat(again.ref().path("id").asString()).isEqualTo(alice.ref().path("id").asString());
	}

	@Test
	@Order(7)
	void aCrashIsSeenWithItsExitCode() {
		Instance row = instance(aliceInstance, aliceToken, alice);
		engine.kill(properties.name(aliceInstance), "KILL").block();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> runtime.status(row).block().phase() == RuntimeStatus.Phase.FAILED);
		RuntimeStatus status = runtime.status(row).block();
		assertThat(status.exitCode()).isEqualTo(137);
		assertThat(status.configError()).isFalse();
	}

	@Test
	@Order(8)
	void aConfigurationOpenClawRefusesEndsWithExitCode78() {
		Placement broken = runtime
			.create(spec(brokenInstance, InstanceSecrets.newGatewayToken(),
					Bundles.files(Bundles.invalid(List.of("assistant")))))
			.block();
		Instance row = instance(brokenInstance, "x", broken);
		await().atMost(Duration.ofSeconds(120))
			.until(() -> runtime.status(row).block().phase() == RuntimeStatus.Phase.FAILED);
		assertThat(runtime.status(row).block().configError()).isTrue();
	}

	@Test
	@Order(9)
	void deletingAnInstanceRemovesItsContainerAndVolume() {
		Instance row = instance(aliceInstance, aliceToken, alice);
		runtime.delete(row).block();
		assertThat(runtime.status(row).block().phase()).isEqualTo(RuntimeStatus.Phase.MISSING);
		assertThat(engine.volumeExists(properties.name(aliceInstance)).block()).isFalse();
		assertThat(runtime.instanceIds().collectList().block()).doesNotContain(aliceInstance.toString())
			.contains(bobInstance.toString());
	}

	// --- helpers ---

	private static Set<String> agents(Placement placement, String token) {
		return gateways.agents(placement.endpoint(), token).block();
	}

	/** A command in the instance's container, as its gateway's user (podman exec). */
	private static String exec(UUID instanceId, String... command) {
		List<String> line = new ArrayList<>(
				List.of("podman", "--runtime", "runc", "exec", properties.name(instanceId)));
		line.addAll((command.length == 1) ? List.of("sh", "-c", command[0]) : List.of(command));
		return command(line.toArray(String[]::new));
	}

	/**
	 * A TCP connection from inside an instance's container: {@code open}, {@code timeout}
	 * (dropped by the firewall) or the error's code.
	 */
	private static String probe(UUID instanceId, String host, int port) {
		String script = "const s=require('net').connect({host:'" + host + "',port:" + port + "});"
				+ "s.setTimeout(2500);s.on('connect',()=>{console.log('open');s.destroy();process.exit(0)});"
				+ "s.on('timeout',()=>{console.log('timeout');process.exit(0)});"
				+ "s.on('error',(e)=>{console.log(e.code);process.exit(0)});";
		return exec(instanceId, "node", "-e", script);
	}

	/** An address of this host outside the gateway network (its first interface's). */
	private static String hostAddressOutsideTheNetwork() throws Exception {
		for (String line : command("ip", "-4", "-o", "addr", "show", "scope", "global").split("\n")) {
			String[] fields = line.trim().split("\\s+");
			if (fields.length > 3 && !fields[3].startsWith("10.89.")) {
				return fields[3].substring(0, fields[3].indexOf('/'));
			}
		}
		return null;
	}

	private static String command(String... command) {
		return TestGatewayNetwork.run(command);
	}

	static InstanceSpec spec(UUID instanceId, String token, List<GatewayFile> files) {
		return new InstanceSpec(instanceId, null, null, token, "lx-key-" + instanceId, model.baseUrl(), FREE, files);
	}

	static List<GatewayFile> files(List<String> agents, String marker) {
		return Bundles.files(Bundles.bundle(agents, marker));
	}

	static Instance instance(UUID id, String token, Placement placement) {
		return new Instance(id, null, InstanceState.READY, "container",
				(placement != null) ? placement.endpoint() : null, secrets.seal(id, token), null, null, null, null,
				null, null, (placement != null) ? placement.ref() : null, false, 0, null, null, null, Instant.now(),
				Instant.now());
	}

}
