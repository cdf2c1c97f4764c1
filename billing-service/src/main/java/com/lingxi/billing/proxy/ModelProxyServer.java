package com.lingxi.billing.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.ChannelBindException;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;

/**
 * The model proxy's listener: a Reactor Netty server of its own, bound to a handler that
 * knows the {@code /v1} routes and nothing else (so no filter, controller or actuator
 * endpoint of the main application is reachable through it, whatever its path).
 *
 * <p>
 * It starts after the main web server and stops before it, and well before usage
 * recording stops: at shutdown it stops accepting connections, lets calls in flight run
 * for {@code shutdownGracePeriod}, then cuts the rest (each is settled like a client that
 * hung up, and journaled before the journal closes).
 */
public final class ModelProxyServer implements SmartLifecycle {

	/** Environment property holding the port actually bound (useful with port 0). */
	public static final String PORT_PROPERTY = "local.model-proxy.port";

	private static final Logger log = LoggerFactory.getLogger(ModelProxyServer.class);

	private final HttpHandler handler;

	private final ProxyListenerProperties properties;

	private final LoopResources loops;

	private final ConfigurableEnvironment environment;

	private final InFlightCalls inFlight;

	private volatile DisposableServer server;

	private ChannelGroup connections;

	/**
	 * @param handler the proxy's routes, filters and error handling
	 * @param properties where to listen
	 * @param loops the event loops to serve on (the main server's), or null for Reactor
	 * Netty's global ones
	 * @param environment where the bound port is published
	 * @param inFlight the calls being served, waited for at shutdown
	 */
	ModelProxyServer(HttpHandler handler, ProxyListenerProperties properties, LoopResources loops,
			ConfigurableEnvironment environment, InFlightCalls inFlight) {
		this.handler = handler;
		this.properties = properties;
		this.loops = loops;
		this.environment = environment;
		this.inFlight = inFlight;
	}

	/** The port listened on, or -1 when stopped. */
	public int port() {
		DisposableServer current = this.server;
		return (current != null) ? ((InetSocketAddress) current.address()).getPort() : -1;
	}

	@Override
	public synchronized void start() {
		if (this.server != null) {
			return;
		}
		InetSocketAddress address = new InetSocketAddress(this.properties.address(), this.properties.port());
		this.connections = new DefaultChannelGroup("model-proxy", GlobalEventExecutor.INSTANCE);
		HttpServer http = HttpServer.create()
			.bindAddress(() -> address)
			// Relayed chunks are small and must leave at once: no Nagle delay.
			.childOption(ChannelOption.TCP_NODELAY, true)
			.channelGroup(this.connections)
			.handle(new ReactorHttpHandlerAdapter(this.handler));
		if (this.loops != null) {
			http = http.runOn(this.loops);
		}
		try {
			this.server = http.bindNow();
		}
		catch (ChannelBindException ex) {
			throw new IllegalStateException("The model proxy cannot listen on " + address
					+ " (is the port in use? set LINGXI_MODEL_PROXY_PORT / LINGXI_MODEL_PROXY_ADDRESS)", ex);
		}
		this.environment.getPropertySources()
			.addFirst(new MapPropertySource("modelProxyListener", Map.of(PORT_PROPERTY, port())));
		log.info("Model proxy (/v1 only) listening on {}:{}", address.getHostString(), port());
	}

	@Override
	public synchronized void stop() {
		DisposableServer current = this.server;
		if (current == null) {
			return;
		}
		Duration grace = this.properties.shutdownGracePeriod();
		try {
			// Stops accepting, then waits for the open connections' requests to end.
			current.disposeNow(grace);
		}
		catch (IllegalStateException ex) {
			log.warn("{} model calls still running after {}; cutting them (they are billed for what was relayed)",
					this.inFlight.size(), grace);
			this.connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
		}
		// A cut call settles on its own: give the settlements time to reach the journal.
		this.inFlight.awaitNone(Duration.ofSeconds(5));
		this.server = null;
	}

	@Override
	public boolean isRunning() {
		return this.server != null;
	}

	/**
	 * After the main web server starts (its phase is {@code DEFAULT_PHASE - 2048}),
	 * before it stops; usage recording ({@code DEFAULT_PHASE - 4096}) outlives both.
	 */
	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 1024;
	}

}
