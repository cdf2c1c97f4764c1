package com.lingxi.instance.runtime.kubernetes;

import java.time.Duration;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.instance.lifecycle.Capacity;
import com.lingxi.instance.lifecycle.InstanceSecrets;

/**
 * The Kubernetes runtime, when {@code lingxi.instances.runtime=kubernetes}: the API
 * client, the watches of the gateways (started and stopped with the application), the
 * runtime, and the platform's capacity
 * ({@code lingxi.instances.kubernetes.max-instances}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "lingxi.instances.runtime", havingValue = "kubernetes")
class KubernetesRuntimeConfiguration {

	/**
	 * In a pod: its service account (see {@code k8s/instance-runtime}); outside: the
	 * kubeconfig; with {@code api-server-url}: that URL without credentials.
	 */
	@Bean(destroyMethod = "close")
	KubernetesClient instanceKubernetesClient(KubernetesRuntimeProperties properties) {
		Config config = properties.apiServerUrl().isBlank() ? Config.autoConfigure(null)
				: new ConfigBuilder(Config.empty()).withMasterUrl(properties.apiServerUrl())
					.withNamespace(properties.namespace())
					.build();
		return new KubernetesClientBuilder().withConfig(config).build();
	}

	@Bean
	GatewayInformers gatewayInformers(KubernetesClient instanceKubernetesClient,
			KubernetesRuntimeProperties properties) {
		return new GatewayInformers(instanceKubernetesClient, properties.namespace(), Duration.ofSeconds(30));
	}

	@Bean
	KubernetesRuntime kubernetesRuntime(KubernetesClient instanceKubernetesClient,
			KubernetesRuntimeProperties properties, GatewayInformers gatewayInformers, InstanceSecrets secrets,
			WebClient.Builder http) {
		return new KubernetesRuntime(instanceKubernetesClient, properties, gatewayInformers, secrets, http);
	}

	@Bean
	Capacity kubernetesCapacity(KubernetesRuntimeProperties properties) {
		return properties::maxInstances;
	}

}
