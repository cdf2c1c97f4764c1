package com.lingxi.instance.kubernetes;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.instance.Bundles;
import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.Placement;
import com.lingxi.instance.runtime.kubernetes.GatewayInformers;
import com.lingxi.instance.runtime.kubernetes.KubernetesRuntime;
import com.lingxi.instance.runtime.kubernetes.KubernetesRuntimeProperties;

/**
 * A Kubernetes runtime against a {@link MockCluster}, as instance-service wires it, plus
 * the instances and specs the tests hand it.
 */
final class RuntimeFixture implements AutoCloseable {

	static final String NAMESPACE = "lingxi-instances";

	static final InstanceProperties.Resources PRO = new InstanceProperties.Resources("500m", "2", "2Gi", "4Gi", "10Gi");

	static final InstanceProperties.Resources FREE = new InstanceProperties.Resources("250m", "1", "1Gi", "2Gi", "2Gi");

	final KubernetesRuntimeProperties properties;

	final GatewayInformers informers;

	final KubernetesRuntime runtime;

	final InstanceSecrets secrets = new InstanceSecrets(
			new SecretCipher(Map.of("test", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), "test"));

	RuntimeFixture(MockCluster cluster, Map<String, String> settings) {
		Map<String, String> all = new HashMap<>();
		all.put(KubernetesRuntimeProperties.PREFIX + ".namespace", NAMESPACE);
		all.put(KubernetesRuntimeProperties.PREFIX + ".api-server-url", cluster.url());
		all.putAll(settings);
		this.properties = new Binder(new MapConfigurationPropertySource(all))
			.bindOrCreate(KubernetesRuntimeProperties.PREFIX, KubernetesRuntimeProperties.class);
		this.informers = new GatewayInformers(cluster.client(), NAMESPACE, Duration.ofSeconds(10));
		this.informers.start();
		this.runtime = new KubernetesRuntime(cluster.client(), this.properties, this.informers, this.secrets,
				WebClient.builder());
	}

	/** A spec with the files of a one-agent configuration. */
	InstanceSpec spec(UUID instanceId, UUID userId, String gatewayToken, InstanceProperties.Resources resources,
			String marker) {
		return new InstanceSpec(instanceId, userId, (userId != null) ? "free" : null, gatewayToken,
				"lx-key-" + instanceId, "http://billing:8086/v1", resources, files(List.of("assistant"), marker));
	}

	/** A spec without files: a restart or wake, the gateway keeps what its volume has. */
	InstanceSpec bare(UUID instanceId, UUID userId, String gatewayToken, InstanceProperties.Resources resources) {
		return new InstanceSpec(instanceId, userId, (userId != null) ? "free" : null, gatewayToken,
				"lx-key-" + instanceId, "http://billing:8086/v1", resources, List.of());
	}

	static List<GatewayFile> files(List<String> agents, String marker) {
		return Bundles.files(Bundles.bundle(agents, marker));
	}

	/** The row instance-service would hold for an instance after {@code placement}. */
	Instance instance(UUID id, UUID userId, String plan, String gatewayToken, Placement placement) {
		return new Instance(id, userId, InstanceState.READY, "kubernetes",
				(placement != null) ? placement.endpoint() : null, this.secrets.seal(id, gatewayToken), null, null,
				null, null, null, plan, (placement != null) ? placement.ref() : null, false, 0, null, null, null,
				Instant.now(), Instant.now());
	}

	@Override
	public void close() {
		this.informers.stop();
	}

}
