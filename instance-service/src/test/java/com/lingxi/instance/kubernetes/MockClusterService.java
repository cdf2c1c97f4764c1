package com.lingxi.instance.kubernetes;

import java.util.List;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.lingxi.instance.FakePlatform;

/**
 * What a whole instance-service on the Kubernetes runtime needs in a test: a mock API
 * server, the stand-in answering for its gateways' pods, and the fake billing- and
 * config-service, with the properties that point the service at them.
 */
final class MockClusterService implements AutoCloseable {

	final MockCluster cluster = new MockCluster();

	final GatewayStandIn gateways = new GatewayStandIn(this.cluster.client(), RuntimeFixture.NAMESPACE);

	final FakePlatform platform = new FakePlatform();

	/** Points the service under test at the cluster, its gateways and the platform. */
	void register(DynamicPropertyRegistry registry) {
		for (String service : List.of("billing-service", "config-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", this.platform::url);
		}
		registry.add("lingxi.instances.runtime", () -> "kubernetes");
		registry.add("lingxi.instances.kubernetes.api-server-url", this.cluster::url);
		registry.add("lingxi.instances.kubernetes.namespace", () -> RuntimeFixture.NAMESPACE);
		registry.add("lingxi.instances.kubernetes.endpoint-template", this.gateways::gatewayTemplate);
		registry.add("lingxi.instances.kubernetes.files-endpoint-template", this.gateways::filesTemplate);
	}

	@Override
	public void close() {
		this.gateways.close();
		this.platform.stop();
		this.cluster.close();
	}

}
