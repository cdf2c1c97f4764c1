package com.lingxi.billing.proxy;

import java.net.InetAddress;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The model proxy's listener of its own. It serves {@code /v1/**} and nothing else: it is
 * the one platform address users' gateways (which run code their agents write) may reach,
 * so {@code /internal/**}, {@code /api/**} and {@code /actuator/**} do not exist on it.
 *
 * @param port TCP port ({@code LINGXI_MODEL_PROXY_PORT}); 0 picks a free one, published
 * as {@code local.model-proxy.port}
 * @param address address to bind ({@code LINGXI_MODEL_PROXY_ADDRESS}): loopback on one
 * machine, {@code 0.0.0.0} in a pod (a NetworkPolicy then admits only the gateways)
 * @param shutdownGracePeriod at shutdown, how long calls in flight may run to their end
 * before they are cut; a cut call is billed for what was relayed, like a client that hung
 * up. Keep it below {@code spring.lifecycle.timeout-per-shutdown-phase}
 */
@ConfigurationProperties(prefix = ProxyListenerProperties.PREFIX)
public record ProxyListenerProperties(@DefaultValue("8086") int port, @DefaultValue("127.0.0.1") InetAddress address,
		@DefaultValue("20s") Duration shutdownGracePeriod) {

	public static final String PREFIX = "lingxi.billing.proxy.listener";

}
