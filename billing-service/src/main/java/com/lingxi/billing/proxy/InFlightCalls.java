package com.lingxi.billing.proxy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * The model calls this replica is serving, from the moment a request arrives on the proxy
 * listener until its exchange ends (answer sent, refused, or connection closed), plus the
 * settlements still being written. Shutdown waits for both to reach zero.
 */
final class InFlightCalls implements WebFilter {

	private final AtomicInteger exchanges = new AtomicInteger();

	private final AtomicInteger settlements = new AtomicInteger();

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		this.exchanges.incrementAndGet();
		return chain.filter(exchange).doFinally((signal) -> this.exchanges.decrementAndGet());
	}

	/** Requests being served. */
	int size() {
		return this.exchanges.get();
	}

	/** Counts a settlement until {@code settlement} terminates. */
	<T> Mono<T> settling(Mono<T> settlement) {
		return Mono.defer(() -> {
			this.settlements.incrementAndGet();
			return settlement.doFinally((signal) -> this.settlements.decrementAndGet());
		});
	}

	/**
	 * Waits (blocking: shutdown only) until no request is served and no settlement is
	 * being written, or the time is up.
	 */
	void awaitNone(Duration limit) {
		long deadline = System.nanoTime() + limit.toNanos();
		while ((this.exchanges.get() > 0 || this.settlements.get() > 0) && System.nanoTime() < deadline) {
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

}
