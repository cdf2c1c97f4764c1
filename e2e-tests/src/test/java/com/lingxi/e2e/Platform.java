package com.lingxi.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.lingxi.common.test.OpenClawRuntime;
import com.lingxi.common.test.TestInfrastructure;

/**
 * The whole platform as processes for one test class: the six service jars in development
 * mode (with their own credentials, {@link ServiceProcess}), a database and Redis
 * namespace of their own, users' gateways as real OpenClaw processes under
 * {@code instances}, and the model proxy on a listener of its own. Optionally, PostgreSQL
 * and Redis are reached through {@link Outage} relays the test can take down.
 */
final class Platform implements AutoCloseable {

	static final List<String> SERVICES = List.of("user-service", "agent-service", "config-service", "billing-service",
			"instance-service", "gateway-service");

	private final Map<String, Integer> ports;

	private final Map<String, ServiceProcess> processes;

	private final int modelProxyPort;

	private final Path instances;

	private final Outage postgres;

	private final Outage redis;

	private final ApiClient api;

	private Platform(Map<String, Integer> ports, Map<String, ServiceProcess> processes, int modelProxyPort,
			Path instances, Outage postgres, Outage redis) {
		this.ports = ports;
		this.processes = processes;
		this.modelProxyPort = modelProxyPort;
		this.instances = instances;
		this.postgres = postgres;
		this.redis = redis;
		this.api = new ApiClient(ports.get("gateway-service"));
	}

	/**
	 * Starts the platform and waits until every service is healthy.
	 * @param hint names the database, namespace and gateways' folder
	 * @param own extra arguments by service
	 * @param withOutages whether PostgreSQL and Redis are reached through relays
	 * @param gatewayBasePort first port of users' gateways (distinct per test class)
	 */
	static Platform start(String hint, Map<String, List<String>> own, boolean withOutages, int gatewayBasePort)
			throws Exception {
		Path openclaw = OpenClawRuntime.directory();
		Path instances = Path.of("target", "e2e-instances-" + hint).toAbsolutePath();
		String database = TestInfrastructure.createDatabase("e2e_" + hint);
		String namespace = TestInfrastructure.newRedisNamespace("e2e-" + hint);
		Map<String, Integer> ports = new LinkedHashMap<>();
		for (String service : SERVICES) {
			ports.put(service, ServiceProcess.freePort());
		}
		int modelProxyPort = ServiceProcess.freePort();
		Outage postgres = null;
		Outage redis = null;
		List<String> shared;
		if (withOutages) {
			postgres = Outage.to(TestInfrastructure.postgres().host(), TestInfrastructure.postgres().port());
			redis = Outage.to(TestInfrastructure.redis().host(), TestInfrastructure.redis().port());
			shared = ApiClient.sharedArguments(database, namespace, ports, "127.0.0.1", postgres.port(), "127.0.0.1",
					redis.port());
		}
		else {
			shared = ApiClient.sharedArguments(database, namespace, ports);
		}
		shared.addAll(List.of("--lingxi.crypto.keys.e2e=" + Base64.getEncoder().encodeToString(new byte[32]),
				"--lingxi.crypto.active-key=e2e", "--lingxi.sms.code-pepper=e2e-pepper-0123456789"));
		Map<String, List<String>> arguments = new LinkedHashMap<>();
		arguments.put("instance-service",
				List.of("--lingxi.instances.local.directory=" + instances,
						"--lingxi.instances.local.openclaw-runtime=" + openclaw,
						"--lingxi.instances.local.base-port=" + gatewayBasePort,
						"--lingxi.instances.model-base-url=http://127.0.0.1:" + modelProxyPort + "/v1"));
		arguments.put("billing-service", List.of("--lingxi.billing.proxy.listener.port=" + modelProxyPort));
		Map<String, ServiceProcess> processes = new LinkedHashMap<>();
		for (Map.Entry<String, Integer> service : ports.entrySet()) {
			List<String> args = new ArrayList<>(shared);
			args.add("--server.port=" + service.getValue());
			args.addAll(arguments.getOrDefault(service.getKey(), List.of()));
			args.addAll(own.getOrDefault(service.getKey(), List.of()));
			processes.put(service.getKey(), ServiceProcess.start(service.getKey(), args));
		}
		Platform platform = new Platform(ports, processes, modelProxyPort, instances, postgres, redis);
		try {
			for (ServiceProcess process : processes.values()) {
				process.awaitHealthy(Duration.ofSeconds(300));
			}
		}
		catch (Exception | AssertionError ex) {
			platform.close();
			throw ex;
		}
		return platform;
	}

	ApiClient api() {
		return this.api;
	}

	/** A service's API port. */
	int port(String service) {
		return this.ports.get(service);
	}

	/** A service's management (actuator) port. */
	int managementPort(String service) {
		return this.processes.get(service).managementPort();
	}

	int modelProxyPort() {
		return this.modelProxyPort;
	}

	Path instances() {
		return this.instances;
	}

	/** The relay to PostgreSQL (only with outages). */
	Outage postgres() {
		return this.postgres;
	}

	/** The relay to Redis (only with outages). */
	Outage redis() {
		return this.redis;
	}

	@Override
	public void close() throws IOException {
		for (ServiceProcess process : this.processes.values()) {
			try {
				process.close();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		OpenClawRuntime.killGateways(this.instances);
		if (this.postgres != null) {
			this.postgres.close();
		}
		if (this.redis != null) {
			this.redis.close();
		}
	}

}
