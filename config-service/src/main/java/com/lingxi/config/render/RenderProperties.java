package com.lingxi.config.render;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Platform settings that go into every rendered configuration.
 *
 * @param gatewayBind where instance gateways listen: {@code loopback} for local
 * processes, {@code lan} in pods
 * @param modelProvider id of the one model provider instances use (the platform's metered
 * proxy)
 * @param modelBaseUrlVariable environment variable holding the model proxy's base URL as
 * the instance sees it: the config says {@code ${VARIABLE}} and the runtime sets it, so
 * one render serves every runtime
 * @param defaultModelAliases model aliases when billing-service does not know the user
 * yet
 * @param memoriesInPrompt how many of the user's most important memories go into
 * MEMORY.md
 * @param fallbackAgent agent rendered when a team has no enabled agent, so the gateway
 * still answers (it says how to enable agents)
 */
@ConfigurationProperties(prefix = "lingxi.config.render")
public record RenderProperties(@DefaultValue("loopback") String gatewayBind,
		@DefaultValue("lingxi") String modelProvider,
		@DefaultValue("LINGXI_MODEL_BASE_URL") String modelBaseUrlVariable,
		@DefaultValue("standard") List<String> defaultModelAliases, @DefaultValue("20") int memoriesInPrompt,
		@DefaultValue("assistant") String fallbackAgent) {

}
