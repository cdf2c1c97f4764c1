package com.lingxi.billing.upstream;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * An OpenAI-compatible provider over HTTP (Reactor Netty, on the server's event loops, so
 * a relayed chunk never changes thread), with its own connection pool, time limits and
 * circuit breaker.
 */
final class HttpUpstream implements Upstream {

	private static final byte[] EMPTY = new byte[0];

	private final String name;

	private final int priority;

	private final String url;

	private final String authorization;

	private final HttpClient client;

	private final ConnectionProvider connections;

	private final ProxyProperties.Upstream config;

	/** A client and pool per event loop of the web server (see {@link #clientFor}). */
	private final Map<EventLoop, Loop> loops = new ConcurrentHashMap<>();

	private final Duration firstByteTimeout;

	private final CircuitBreaker breaker;

	HttpUpstream(String name, ProxyProperties.Upstream config) {
		this.name = name;
		this.config = config;
		this.priority = config.priority();
		String base = config.baseUrl().strip();
		while (base.endsWith("/")) {
			base = base.substring(0, base.length() - 1);
		}
		this.url = base + "/chat/completions";
		this.authorization = "Bearer " + config.apiKey().strip();
		this.connections = ConnectionProvider.builder("upstream-" + name)
			.maxConnections(config.maxConnections())
			.pendingAcquireMaxCount(config.maxConnections() * 4)
			.pendingAcquireTimeout(config.connectTimeout())
			.maxIdleTime(Duration.ofSeconds(50))
			.evictInBackground(Duration.ofSeconds(30))
			.build();
		// Silence between two reads (headers included) is Netty's read timeout on the
		// connection's event loop: no timer is scheduled per relayed chunk.
		this.client = HttpClient.create(this.connections)
			.option(ChannelOption.TCP_NODELAY, true)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
			.responseTimeout(config.idleTimeout())
			.keepAlive(true)
			.compress(false);
		this.firstByteTimeout = config.firstByteTimeout();
		ProxyProperties.Breaker breaker = config.breaker();
		this.breaker = CircuitBreaker.of(name,
				CircuitBreakerConfig.custom()
					.failureRateThreshold(breaker.failureRateThreshold())
					.slidingWindowSize(breaker.slidingWindowSize())
					.minimumNumberOfCalls(breaker.minimumCalls())
					.waitDurationInOpenState(breaker.openDuration())
					.permittedNumberOfCallsInHalfOpenState(1)
					.build());
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public int priority() {
		return this.priority;
	}

	@Override
	public Flux<byte[]> exchange(ChatRequest request, String model, long maxOutputTokens, String callId,
			EventLoop home) {
		ByteBuf body = request.bodyFor(model, maxOutputTokens);
		String accept = request.stream() ? "text/event-stream" : "application/json";
		return clientFor(home).post().uri(this.url).send((outgoing, out) -> {
			HttpHeaders headers = outgoing.requestHeaders();
			headers.set(HttpHeaderNames.AUTHORIZATION, this.authorization);
			headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json");
			headers.set(HttpHeaderNames.ACCEPT, accept);
			headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
			headers.set("X-Request-Id", callId);
			return out.send(Mono.just(body));
		}).response((response, content) -> {
			int status = response.status().code();
			if (status >= 200 && status < 300) {
				return content.map(HttpUpstream::bytes);
			}
			return content.aggregate()
				.map(HttpUpstream::bytes)
				.defaultIfEmpty(EMPTY)
				.flatMapMany((error) -> Flux.error(new UpstreamException(this.name, status, error)));
		}).timeout(Mono.delay(this.firstByteTimeout), (chunk) -> Mono.never());
	}

	/**
	 * The client whose connections live on {@code home}, the event loop of the client's
	 * own connection: answer chunks are then read and relayed by one thread, with no
	 * hand-over between threads per chunk (which costs milliseconds on a busy machine).
	 * Each loop has a pool of its own, sized like the shared one.
	 */
	private HttpClient clientFor(EventLoop home) {
		if (home == null) {
			return this.client;
		}
		return this.loops.computeIfAbsent(home, this::loop).client();
	}

	private Loop loop(EventLoop home) {
		ConnectionProvider pool = ConnectionProvider.builder("upstream-" + this.name + "-" + this.loops.size())
			.maxConnections(this.config.maxConnections())
			.pendingAcquireMaxCount(this.config.maxConnections() * 4)
			.pendingAcquireTimeout(this.config.connectTimeout())
			.maxIdleTime(Duration.ofSeconds(50))
			.evictInBackground(Duration.ofSeconds(30))
			.build();
		HttpClient client = HttpClient.create(pool)
			.runOn(home)
			.option(ChannelOption.TCP_NODELAY, true)
			.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) this.config.connectTimeout().toMillis())
			.responseTimeout(this.config.idleTimeout())
			.keepAlive(true)
			.compress(false);
		return new Loop(client, pool);
	}

	private static byte[] bytes(ByteBuf buffer) {
		return ByteBufUtil.getBytes(buffer);
	}

	@Override
	public boolean tryAcquire() {
		return this.breaker.tryAcquirePermission();
	}

	@Override
	public void succeeded(long startedNanos) {
		this.breaker.onSuccess(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void failed(long startedNanos, Throwable error) {
		this.breaker.onError(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS, error);
	}

	@Override
	public void released() {
		this.breaker.releasePermission();
	}

	CircuitBreaker.State state() {
		return this.breaker.getState();
	}

	void dispose() {
		this.connections.disposeLater().subscribe();
		this.loops.values().forEach((loop) -> loop.pool().disposeLater().subscribe());
	}

	private record Loop(HttpClient client, ConnectionProvider pool) {
	}

}
