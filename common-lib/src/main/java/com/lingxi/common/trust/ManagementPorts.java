package com.lingxi.common.trust;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.web.server.ServerWebExchange;

/**
 * The ports the actuator listens on (Spring Boot's {@code management} server), learnt as
 * they open. Web filters are shared with the management server, and the credentials they
 * demand are for the API, not for probes and scrapes: those are kept apart by the port
 * itself (loopback locally, the monitoring namespace on Kubernetes).
 */
public final class ManagementPorts implements ApplicationListener<WebServerInitializedEvent> {

	private final Set<Integer> ports = ConcurrentHashMap.newKeySet();

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if ("management".equals(event.getApplicationContext().getServerNamespace())) {
			this.ports.add(event.getWebServer().getPort());
		}
	}

	/** Whether a request arrived on a management port. */
	public boolean served(ServerWebExchange exchange) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		return local != null && !this.ports.isEmpty() && this.ports.contains(local.getPort());
	}

}
