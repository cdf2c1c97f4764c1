package com.lingxi.gateway;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.lingxi.common.test.TestInfrastructure;
import com.lingxi.common.test.TestTrust;

/** Settings every test of the gateway in front of a stand-in backend shares. */
final class TestGateway {

	private TestGateway() {
	}

	/**
	 * The shared Redis under a namespace of the test's own, the actuator on a random
	 * port, the gateway's own credentials ({@link TestTrust}), and {@code services}
	 * routed to {@code backend}.
	 */
	static void properties(DynamicPropertyRegistry registry, String hint, TestBackend backend, String... services) {
		String up = "http://127.0.0.1:" + backend.port();
		for (String service : services) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", () -> up);
		}
		registry.add("spring.data.redis.host", () -> TestInfrastructure.redis().host());
		registry.add("spring.data.redis.port", () -> TestInfrastructure.redis().port());
		registry.add("spring.data.redis.password", () -> TestInfrastructure.redis().password());
		registry.add("lingxi.redis.namespace", () -> TestInfrastructure.newRedisNamespace(hint));
		registry.add("management.server.port", () -> "0");
		TestTrust.properties("gateway-service").forEach((name, value) -> registry.add(name, () -> value));
	}

}
