package com.lingxi.instance.runtime.container;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.api.model.Quantity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import com.lingxi.instance.model.Instance;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.RuntimeStatus;
import com.lingxi.instance.runtime.container.ContainerEngine.EngineException;
import com.lingxi.instance.lifecycle.InstanceSecrets;

/**
 * Each gateway in a container of its own, through the Docker Engine API (Podman's
 * Docker-compatible service or a Docker daemon, by configuration alone): the gateway
 * image, a named volume for its state (kept while it hibernates, removed with the
 * instance), a read-only root with a tmpfs {@code /tmp}, every capability dropped, no new
 * privileges, IPv6 off, the plan's memory and CPU as limits, a pids limit, and the
 * gateway network, whose firewall lets it reach the model proxy and nothing else.
 *
 * <p>
 * Files reach the volume two ways: while the gateway runs, through the file service in
 * its container ({@code lingxi-files.mjs}, the same as the Kubernetes sidecar, with the
 * gateway's token), each file renamed into place; while it is stopped (or before its
 * first start), as a batch uploaded to {@code /data/.lingxi-pending}, which the
 * container's entry point applies before the gateway starts.
 *
 * <p>
 * Containers outlive instance-service and carry the instance's id as a label: after a
 * restart they are found by name and adopted, and containers without an instance are
 * listed by label for the orphan clean-up.
 */
public final class ContainerRuntime implements InstanceRuntime {

	static final String MANAGED_BY = "cloud.lingxi.managed-by";

	static final String MANAGER = "instance-service";

	static final String INSTANCE_ID = "cloud.lingxi.instance-id";

	static final String ADDRESS = "cloud.lingxi.address";

	private static final Logger log = LoggerFactory.getLogger(ContainerRuntime.class);

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String DATA = "/data";

	private static final String PENDING = ".lingxi-pending";

	private static final String STATE = "home/.openclaw";

	private final ContainerEngine engine;

	private final ContainerRuntimeProperties properties;

	private final InstanceSecrets secrets;

	private final WebClient http;

	private final int uid;

	private final int gid;

	private final AtomicLong batches = new AtomicLong();

	/** Addresses handed out to containers being created, not yet visible in a label. */
	private final Set<String> reserved = ConcurrentHashMap.newKeySet();

	public ContainerRuntime(ContainerEngine engine, ContainerRuntimeProperties properties, InstanceSecrets secrets,
			WebClient.Builder http) {
		this.engine = engine;
		this.properties = properties;
		this.secrets = secrets;
		this.http = http.build();
		String[] ids = properties.user().split(":");
		this.uid = Integer.parseInt(ids[0]);
		this.gid = Integer.parseInt(ids.length > 1 ? ids[1] : ids[0]);
	}

	@Override
	public String name() {
		return "container";
	}

	/**
	 * Fails unless the engine answers, has the gateway image and the gateway network: a
	 * runtime that cannot start a gateway says so when instance-service starts.
	 */
	public Mono<String> check() {
		return this.engine.version()
			.onErrorMap((ex) -> !(ex instanceof EngineException), (ex) -> new IllegalStateException(
					"No container engine answers at " + this.properties.engine() + " (" + ex.getMessage()
							+ "): start one (./lingxi up starts Podman's API service) or set lingxi.instances.container.engine",
					ex))
			.flatMap(
					(version) -> this.engine.image(this.properties.image())
						.flatMap((image) -> image.isPresent() ? Mono.just(version)
								: Mono.error(new IllegalStateException("The container engine has no image "
										+ this.properties.image()
										+ ": build it with ./lingxi images (or load var/images/gateway.oci.tar)"))))
			.flatMap((version) -> this.engine.network(this.properties.network())
				.flatMap((network) -> network.isPresent() ? Mono.just(version) : Mono
					.error(new IllegalStateException("The container engine has no network " + this.properties.network()
							+ ": make it and its firewall with deploy/container/gateway-network.sh up (./lingxi up does)"))))
			.map((version) -> version.path("Version").asString() + " (API " + version.path("ApiVersion").asString()
					+ ")");
	}

	@Override
	public Mono<Placement> create(InstanceSpec spec) {
		UUID id = spec.instanceId();
		String name = this.properties.name(id);
		return this.engine.createVolume(name, labels(id, null))
			.then(this.engine.remove(name))
			.then(Mono.usingWhen(allocateAddress(),
					(address) -> this.engine.createContainer(name, document(spec, address)),
					(address) -> Mono.fromRunnable(() -> this.reserved.remove(address))))
			.then(pending(name, spec.files()))
			.then(this.engine.start(name))
			.then(placement(id))
			.doOnSuccess((placement) -> log.info("Started gateway container {} of instance {} at {}", name, id,
					placement.endpoint()));
	}

	@Override
	public Mono<Placement> start(Instance instance, InstanceSpec spec) {
		String name = this.properties.name(instance.id());
		return this.engine.inspect(name).flatMap((container) -> {
			if (container.isEmpty()) {
				// Gone (removed by hand, engine reset): a new container on the kept
				// volume.
				log.info("Gateway container of instance {} is missing: creating it again on its volume", instance.id());
				return create(spec);
			}
			if (container.get().path("State").path("Running").asBoolean(false)) {
				return placement(instance.id());
			}
			return pending(name, spec.files()).then(this.engine.start(name)).then(placement(instance.id()));
		});
	}

	@Override
	public Mono<Void> stop(Instance instance) {
		String name = this.properties.name(instance.id());
		return this.engine.stop(name, this.properties.stopTimeout())
			.onErrorResume(EngineException.class, (ex) -> (ex.status() == 404) ? Mono.empty() : Mono.error(ex));
	}

	@Override
	public Mono<Void> delete(Instance instance) {
		String name = this.properties.name(instance.id());
		return this.engine.remove(name).then(this.engine.removeVolume(name));
	}

	@Override
	public Mono<Void> writeFiles(Instance instance, List<GatewayFile> files) {
		if (files.isEmpty()) {
			return Mono.empty();
		}
		String name = this.properties.name(instance.id());
		return this.engine.inspect(name).flatMap((container) -> {
			if (container.isEmpty()) {
				return Mono.error(new IllegalStateException("Instance " + instance.id() + " has no gateway container"));
			}
			JsonNode state = container.get().path("State");
			if (state.path("Running").asBoolean(false)) {
				return push(instance, address(container.get()), files);
			}
			return pending(name, files);
		});
	}

	@Override
	public Mono<RuntimeStatus> status(Instance instance) {
		return this.engine.inspect(this.properties.name(instance.id()))
			.map((container) -> container.map(ContainerRuntime::statusOf)
				.orElse(RuntimeStatus.of(RuntimeStatus.Phase.MISSING)));
	}

	/**
	 * Instances with a container of this runtime's: the managed label and this runtime's
	 * name prefix, so that another platform on the same engine (a test run beside
	 * {@code ./lingxi up}) never takes this one's containers for orphans, nor the other
	 * way round.
	 */
	@Override
	public Flux<String> instanceIds() {
		return this.engine.containers(MANAGED_BY, MANAGER)
			.filter((container) -> container.path("Names")
				.valueStream()
				.map((name) -> name.asString("").replaceFirst("^/", ""))
				.anyMatch((name) -> name.startsWith(this.properties.namePrefix())))
			.map((container) -> container.path("Labels").path(INSTANCE_ID).asString(""))
			.filter((id) -> !id.isEmpty())
			.distinct();
	}

	/**
	 * The engine this runtime talks to (tests and diagnostics run commands through it).
	 */
	public ContainerEngine engine() {
		return this.engine;
	}

	static RuntimeStatus statusOf(JsonNode container) {
		JsonNode state = container.path("State");
		String status = state.path("Status").asString("");
		if (state.path("Running").asBoolean(false) && !state.path("Paused").asBoolean(false)) {
			return RuntimeStatus.of(RuntimeStatus.Phase.RUNNING);
		}
		switch (status) {
			case "created", "configured":
				return RuntimeStatus.of(RuntimeStatus.Phase.STOPPED);
			case "restarting":
				return RuntimeStatus.of(RuntimeStatus.Phase.STARTING);
			default:
				break;
		}
		int exit = state.path("ExitCode").asInt(0);
		if (exit == 0) {
			// Stopped on purpose: the entry point exits 0 on SIGTERM.
			return RuntimeStatus.of(RuntimeStatus.Phase.STOPPED);
		}
		String error = state.path("Error").asString("");
		return new RuntimeStatus(RuntimeStatus.Phase.FAILED, exit,
				"gateway container exited with " + exit + (error.isBlank() ? "" : ": " + error));
	}

	/**
	 * The lowest address of the gateway network that no managed container (running or
	 * stopped) has: each container keeps its address for life, so the endpoint stored on
	 * its instance stays right across stops, crashes and restarts, and never leads to
	 * another user's gateway.
	 */
	private Mono<String> allocateAddress() {
		return this.engine.network(this.properties.network())
			.map((network) -> network
				.orElseThrow(() -> new IllegalStateException("Network " + this.properties.network() + " is missing")))
			.zipWith(this.engine.containers(MANAGED_BY, MANAGER)
				.map((container) -> container.path("Labels").path(ADDRESS).asString(""))
				.collectList())
			.map((found) -> {
				JsonNode ipam = found.getT1().path("IPAM").path("Config").path(0);
				String subnet = ipam.path("Subnet").asString("");
				if (!subnet.matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+")) {
					throw new IllegalStateException(
							"Network " + this.properties.network() + " has no IPv4 subnet (" + subnet + ")");
				}
				Set<String> used = new HashSet<>(found.getT2());
				used.add(ipam.path("Gateway").asString(""));
				int base = ipv4(subnet.substring(0, subnet.indexOf('/')));
				int size = 1 << (32 - Integer.parseInt(subnet.substring(subnet.indexOf('/') + 1)));
				for (int host = 2; host < size - 1; host++) {
					String candidate = dotted(base + host);
					if (!used.contains(candidate) && this.reserved.add(candidate)) {
						return candidate;
					}
				}
				throw new IllegalStateException("No free address left on network " + this.properties.network());
			});
	}

	private static int ipv4(String dotted) {
		int value = 0;
		for (String part : dotted.split("\\.")) {
			value = (value << 8) | Integer.parseInt(part);
		}
		return value;
	}

	private static String dotted(int value) {
		return ((value >>> 24) & 0xff) + "." + ((value >>> 16) & 0xff) + "." + ((value >>> 8) & 0xff) + "."
				+ (value & 0xff);
	}

	/** The Docker API create document of an instance's container. */
	Map<String, Object> document(InstanceSpec spec, String address) {
		UUID id = spec.instanceId();
		Map<String, Object> host = new LinkedHashMap<>();
		host.put("NetworkMode", this.properties.network());
		host.put("Mounts", List.of(Map.of("Type", "volume", "Source", this.properties.name(id), "Target", DATA)));
		host.put("Tmpfs", Map.of("/tmp", "rw,nosuid,nodev,size=" + this.properties.tmpSize().toBytes() + ",mode=1777"));
		host.put("ReadonlyRootfs", true);
		host.put("CapDrop", List.of("ALL"));
		host.put("SecurityOpt", List.of("no-new-privileges"));
		long memory = new Quantity(spec.resources().memoryLimit()).getNumericalAmount().longValueExact();
		host.put("Memory", memory);
		host.put("MemorySwap", memory);
		host.put("NanoCpus",
				new Quantity(spec.resources().cpuLimit()).getNumericalAmount().movePointRight(9).longValue());
		host.put("PidsLimit", this.properties.pidsLimit());
		host.put("Ulimits", this.properties.ulimits().stream().map(ContainerRuntime::ulimit).toList());
		host.put("Sysctls", Map.of("net.ipv6.conf.all.disable_ipv6", "1", "net.ipv6.conf.default.disable_ipv6", "1"));
		host.put("RestartPolicy", Map.of("Name", "no"));
		Map<String, Object> document = new LinkedHashMap<>();
		document.put("Image", this.properties.image());
		document.put("User", this.properties.user());
		document.put("Env",
				List.of("OPENCLAW_GATEWAY_TOKEN=" + spec.gatewayToken(), "LINGXI_MODEL_KEY=" + spec.modelKey(),
						"LINGXI_MODEL_BASE_URL=" + spec.modelBaseUrl(),
						"LINGXI_GATEWAY_PORT=" + this.properties.gatewayPort(),
						"LINGXI_FILES_PORT=" + this.properties.filesPort()));
		document.put("Labels", labels(id, address));
		document.put("StopSignal", "SIGTERM");
		document.put("StopTimeout", this.properties.stopTimeout().toSeconds());
		document.put("ExposedPorts", Map.of(this.properties.gatewayPort() + "/tcp", Map.of(),
				this.properties.filesPort() + "/tcp", Map.of()));
		document.put("HostConfig", host);
		document.put("NetworkingConfig", Map.of("EndpointsConfig",
				Map.of(this.properties.network(), Map.of("IPAMConfig", Map.of("IPv4Address", address)))));
		return document;
	}

	private static Map<String, Object> ulimit(String setting) {
		String[] nameAndValues = setting.split("=", 2);
		String[] values = nameAndValues[1].split(":", 2);
		long soft = Long.parseLong(values[0].strip());
		long hard = Long.parseLong((values.length > 1 ? values[1] : values[0]).strip());
		return Map.of("Name", nameAndValues[0].strip(), "Soft", soft, "Hard", hard);
	}

	private Map<String, String> labels(UUID instanceId, String address) {
		return (address != null) ? Map.of(MANAGED_BY, MANAGER, INSTANCE_ID, instanceId.toString(), ADDRESS, address)
				: Map.of(MANAGED_BY, MANAGER, INSTANCE_ID, instanceId.toString());
	}

	/**
	 * Uploads files as one batch for the entry point to apply before the gateway starts.
	 * Batch names sort in the order they were written.
	 */
	private Mono<Void> pending(String container, List<GatewayFile> files) {
		if (files.isEmpty()) {
			return Mono.empty();
		}
		return Mono.defer(() -> {
			List<Map<String, String>> body = new ArrayList<>();
			for (GatewayFile file : files) {
				body.add(Map.of("path", file.path(), "content", file.content(), "encoding",
						Objects.requireNonNullElse(file.encoding(), "utf-8")));
			}
			long now = Instant.now().getEpochSecond();
			String batch = String.format("%020d-%06d.json", System.currentTimeMillis(),
					this.batches.incrementAndGet() % 1_000_000);
			byte[] tar = new Tar(now).folder(PENDING, 0700, this.uid, this.gid)
				.file(PENDING + "/" + batch, 0600, this.uid, this.gid,
						JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8))
				.toByteArray();
			// Podman's archive endpoint now and then loses the upload to a container that
			// has never run; a second try finds it ready.
			return this.engine.upload(container, DATA, tar)
				.retryWhen(Retry.backoff(2, Duration.ofMillis(200))
					.filter(EngineException.class::isInstance)
					.onRetryExhaustedThrow((spec, signal) -> signal.failure()));
		});
	}

	/** Writes files into a running gateway through its container's file service. */
	private Mono<Void> push(Instance instance, String address, List<GatewayFile> files) {
		List<Map<String, String>> body = files.stream()
			.map((file) -> Map.of("path", file.path(), "content", file.content(), "encoding",
					Objects.requireNonNullElse(file.encoding(), "utf-8")))
			.toList();
		return Mono
			.defer(() -> this.http.put()
				.uri("http://" + address + ":" + this.properties.filesPort() + "/v1/files")
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + this.secrets.gatewayToken(instance))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("files", body))
				.exchangeToMono((response) -> response.statusCode().is2xxSuccessful() ? response.releaseBody()
						: response.bodyToMono(String.class)
							.defaultIfEmpty("")
							.flatMap((text) -> Mono.error(new IllegalStateException("File service of instance "
									+ instance.id() + " answered " + response.statusCode().value() + ": "
									+ text.substring(0, Math.min(200, text.length())))))))
			.retryWhen(Retry.backoff(3, Duration.ofMillis(300))
				.filter(WebClientRequestException.class::isInstance)
				.onRetryExhaustedThrow((spec, signal) -> signal.failure()))
			.timeout(this.properties.callTimeout());
	}

	private Mono<Placement> placement(UUID instanceId) {
		String name = this.properties.name(instanceId);
		return this.engine.inspect(name).map((container) -> {
			JsonNode document = container
				.orElseThrow(() -> new IllegalStateException("Gateway container " + name + " vanished"));
			String address = address(document);
			ObjectNode ref = JsonNodeFactory.instance.objectNode();
			ref.put("container", name);
			ref.put("id", document.path("Id").asString());
			ref.put("volume", name);
			ref.put("address", address);
			return new Placement("http://" + address + ":" + this.properties.gatewayPort(), ref);
		});
	}

	/** The container's address on the gateway network. */
	private String address(JsonNode container) {
		String address = container.path("NetworkSettings")
			.path("Networks")
			.path(this.properties.network())
			.path("IPAddress")
			.asString("");
		if (address.isBlank()) {
			throw new IllegalStateException("Gateway container " + container.path("Name").asString()
					+ " has no address on network " + this.properties.network());
		}
		return address;
	}

}
