package com.lingxi.instance.runtime.container;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.instance.lifecycle.Capacity;
import com.lingxi.instance.lifecycle.InstanceSecrets;

/**
 * The container runtime, when {@code lingxi.instances.runtime=container}: users' gateways
 * as containers on one host, through the Docker Engine API of Podman or Docker. It checks
 * at start-up that the engine answers and has the gateway image and network, and refuses
 * to start otherwise.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "lingxi.instances.runtime", havingValue = "container")
class ContainerRuntimeConfiguration {

	private static final Logger log = LoggerFactory.getLogger(ContainerRuntimeConfiguration.class);

	@Bean
	ContainerEngine containerEngine(ContainerRuntimeProperties properties) {
		return new ContainerEngine(properties.engine(), properties.apiVersion(), properties.callTimeout());
	}

	@Bean
	ContainerRuntime containerRuntime(ContainerEngine containerEngine, ContainerRuntimeProperties properties,
			InstanceSecrets secrets, WebClient.Builder http) {
		ContainerRuntime runtime = new ContainerRuntime(containerEngine, properties, secrets, http);
		String engine = runtime.check().block(properties.callTimeout());
		log.info("Container runtime: gateways run as {} on network {} of {} {}", properties.image(),
				properties.network(), properties.engine(), engine);
		return runtime;
	}

	@Bean
	Capacity containerCapacity(ContainerRuntimeProperties properties) {
		return properties::maxInstances;
	}

}
