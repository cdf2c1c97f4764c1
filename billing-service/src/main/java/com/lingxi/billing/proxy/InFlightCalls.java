package com.lingxi.billing.proxy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaLedger.OpenCall;

/**
 * The model calls this replica is serving, from the moment a request arrives on the proxy
 * listener until its exchange ends (answer sent, refused, or connection closed):
 * <ul>
 * <li>per user, for the concurrent-calls cap (the ledger in Redis counts every replica's;
 * this count is the guard that needs no round trip, and the only one while Redis is
 * down);</li>
 * <li>the admitted calls' {@link CallLease leases}, renewed in the ledger every third of
 * a {@code call-lease} while they run, and released when an exchange ends without its
 * call having been settled (a client that left while its call was being admitted);</li>
 * <li>the settlements still being written, which shutdown waits for.</li>
 * </ul>
 */
final class InFlightCalls implements WebFilter, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(InFlightCalls.class);

	private static final String ATTRIBUTE = InFlightCalls.class.getName() + ".call";

	/** Calls renewed per script run. */
	private static final int RENEW_BATCH = 500;

	private final QuotaLedger ledger;

	private final PendingCharges pending;

	private final AtomicInteger exchanges = new AtomicInteger();

	private final AtomicInteger settlements = new AtomicInteger();

	private final Map<UUID, Integer> perUser = new ConcurrentHashMap<>();

	private final Map<String, CallLease> leases = new ConcurrentHashMap<>();

	private final Disposable renewal;

	InFlightCalls(QuotaLedger ledger, PendingCharges pending, Duration callLease) {
		this.ledger = ledger;
		this.pending = pending;
		Duration every = callLease.dividedBy(3);
		this.renewal = Flux.interval(every, every).onBackpressureDrop().concatMap((tick) -> renewAll(), 1).subscribe();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		this.exchanges.incrementAndGet();
		return chain.filter(exchange).doFinally((signal) -> {
			this.exchanges.decrementAndGet();
			ended(exchange);
		});
	}

	/**
	 * Counts a call of {@code userId} until its exchange ends.
	 * @return the user's calls on this replica, this one included
	 */
	int enter(ServerWebExchange exchange, UUID userId) {
		exchange.getAttributes().put(ATTRIBUTE, new Entry(userId));
		return this.perUser.merge(userId, 1, Integer::sum);
	}

	/** The call of this exchange was admitted by the ledger and holds {@code lease}. */
	void admitted(ServerWebExchange exchange, CallLease lease) {
		Entry entry = exchange.getAttribute(ATTRIBUTE);
		if (entry != null) {
			entry.lease = lease;
		}
		this.leases.put(lease.call().callId(), lease);
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

	private void ended(ServerWebExchange exchange) {
		Entry entry = exchange.getAttribute(ATTRIBUTE);
		if (entry == null) {
			return;
		}
		this.perUser.computeIfPresent(entry.userId, (user, count) -> (count <= 1) ? null : count - 1);
		CallLease lease = entry.lease;
		if (lease == null) {
			return;
		}
		this.leases.remove(lease.call().callId());
		if (lease.close()) {
			// Admitted, but neither settled nor released: nothing was forwarded.
			lease.release(this.ledger, this.pending).subscribe();
		}
	}

	private Mono<Void> renewAll() {
		this.leases.values().removeIf(CallLease::closed);
		List<OpenCall> open = new ArrayList<>(this.leases.size());
		this.leases.values().forEach((lease) -> open.add(lease.call()));
		return Flux.fromIterable(open)
			.buffer(RENEW_BATCH)
			.concatMap((batch) -> this.ledger.renew(batch).onErrorResume((ex) -> {
				log.debug("Renewing {} calls in flight failed: {}", batch.size(), ex.toString());
				return Mono.empty();
			}))
			.then();
	}

	@Override
	public void destroy() {
		this.renewal.dispose();
	}

	private static final class Entry {

		final UUID userId;

		volatile CallLease lease;

		Entry(UUID userId) {
			this.userId = userId;
		}

	}

}
