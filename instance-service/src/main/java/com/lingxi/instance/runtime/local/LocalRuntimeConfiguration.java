package com.lingxi.instance.runtime.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.instance.lifecycle.Capacity;

/**
 * The local runtime, when {@code lingxi.instances.runtime=local} (the default): users'
 * gateways as processes on this machine, sandboxed but sharing its kernel, network and
 * the platform's machine. It exists only in development mode ({@code lingxi.development},
 * which {@code ./lingxi up} turns on); anywhere else instance-service refuses to start
 * with it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "lingxi.instances.runtime", havingValue = "local", matchIfMissing = true)
class LocalRuntimeConfiguration {

	private static final Logger log = LoggerFactory.getLogger(LocalRuntimeConfiguration.class);

	static final String REFUSAL = "The local instance runtime (lingxi.instances.runtime=local, the default) runs "
			+ "users' gateways as processes on this machine and exists only for development. Use "
			+ "lingxi.instances.runtime=kubernetes (LINGXI_INSTANCE_RUNTIME=kubernetes, or the kubernetes "
			+ "profile), or turn on development mode on a development machine (lingxi.development=true, "
			+ "LINGXI_DEVELOPMENT=true; ./lingxi up does).";

	@Bean
	LocalRuntime localRuntime(LocalRuntimeProperties properties,
			@Value("${lingxi.development:false}") boolean development) {
		if (!development) {
			throw new IllegalStateException(REFUSAL);
		}
		LocalRuntime runtime = new LocalRuntime(properties);
		if (runtime.confined()) {
			log.warn("Local instance runtime (development mode): users' gateways run on this machine as processes "
					+ "sandboxed with bubblewrap. This is for development, not strong isolation between users: "
					+ "they share this machine's kernel, network and loopback services. Serve real users with "
					+ "the kubernetes runtime.");
		}
		else {
			log.warn("Local instance runtime (development mode) WITHOUT a sandbox "
					+ "(lingxi.instances.local.sandbox=none): users' gateways run as this service's own user and "
					+ "can read the platform's secrets, every other gateway's files and every process's "
					+ "environment. Only for a development machine without user namespaces.");
		}
		return runtime;
	}

	@Bean
	Capacity localCapacity(LocalRuntimeProperties properties) {
		return properties::capacity;
	}

}
