package com.lingxi.config.versions;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.config.sources.PlatformClients;
import com.lingxi.config.sources.RenderInputsLoader;

/** Wiring of rollbacks, which render like any event but from a stored version's team. */
@Configuration(proxyBeanMethods = false)
class RollbackConfiguration {

	@Bean
	Rollbacks configRollbacks(ConfigVersions versions, RenderInputsLoader inputs, RemoteCalls remote,
			PlatformClients.AgentService agents, ConfigPublisher publisher, JsonMapper json) {
		return new Rollbacks(versions, inputs, remote, agents, publisher, json);
	}

}
