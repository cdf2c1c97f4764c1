package com.lingxi.billing.proxy;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.netty.channel.EventLoop;
import reactor.core.publisher.Mono;

import com.lingxi.billing.keys.InstanceKey;
import com.lingxi.billing.plans.PlanProperties.Plan;
import com.lingxi.billing.upstream.ChatRequest;
import com.lingxi.billing.upstream.ModelRouter.Target;

/** One billed model call on its way through the proxy. */
final class ProxyCall {

	/**
	 * The proxy's own id of the call: the key of its reservation, its settlement and its
	 * usage record ({@code usage_logs.id}). Never taken from the client.
	 */
	final UUID callId;

	/** The client's {@code X-Request-Id} (or one made here), for correlation only. */
	final String requestId;

	final long startedNanos;

	final Instant startedAt;

	final InstanceKey key;

	final ChatRequest request;

	final String agentId;

	final String requestedAlias;

	final String planName;

	final Plan plan;

	final String period;

	/** The event loop of the client's connection, null if unknown. */
	final EventLoop home;

	private volatile String alias;

	private volatile boolean metered = true;

	private volatile Target target;

	private volatile long firstByteNanos;

	private volatile SseRelay relay;

	private volatile Usage reportedUsage;

	private volatile byte[] document;

	private final AtomicReference<Mono<Void>> settlement = new AtomicReference<>();

	private volatile CallLease lease;

	ProxyCall(UUID callId, String requestId, long startedNanos, Instant startedAt, InstanceKey key, ChatRequest request,
			String agentId, String alias, String planName, Plan plan, String period, EventLoop home) {
		this.callId = callId;
		this.requestId = requestId;
		this.startedNanos = startedNanos;
		this.startedAt = startedAt;
		this.key = key;
		this.request = request;
		this.agentId = agentId;
		this.requestedAlias = alias;
		this.alias = alias;
		this.planName = planName;
		this.plan = plan;
		this.period = period;
		this.home = home;
	}

	String alias() {
		return this.alias;
	}

	boolean metered() {
		return this.metered;
	}

	/** Serves the call with a fallback alias, outside the monthly allowance. */
	void fallBackTo(String fallbackAlias) {
		this.alias = fallbackAlias;
		this.metered = false;
	}

	Target target() {
		return this.target;
	}

	void attempting(Target target) {
		this.target = target;
	}

	void firstByte() {
		if (this.firstByteNanos == 0) {
			this.firstByteNanos = System.nanoTime();
		}
	}

	boolean sentAnything() {
		return this.firstByteNanos != 0;
	}

	Integer ttfbMillis() {
		return (this.firstByteNanos == 0) ? null : (int) ((this.firstByteNanos - this.startedNanos) / 1_000_000);
	}

	int latencyMillis() {
		return (int) ((System.nanoTime() - this.startedNanos) / 1_000_000);
	}

	SseRelay relay() {
		return this.relay;
	}

	void relay(SseRelay relay) {
		this.relay = relay;
	}

	/** A non-streamed answer's document, with the usage it reports (or null). */
	void document(byte[] document, Usage usage) {
		this.document = document;
		this.reportedUsage = usage;
	}

	byte[] document() {
		return this.document;
	}

	/** The usage the upstream reported, or null. */
	Usage reportedUsage() {
		SseRelay current = this.relay;
		return (current != null) ? current.usage() : this.reportedUsage;
	}

	/** The call's place in the quota ledger (null if admitted without the ledger). */
	void lease(CallLease lease) {
		this.lease = lease;
	}

	CallLease lease() {
		return this.lease;
	}

	/**
	 * Runs the settlement once, whichever of completion, error or hang-up comes first. It
	 * takes over the call's lease: the end of the exchange no longer releases it.
	 */
	Mono<Void> settleOnce(Supplier<Mono<Void>> work) {
		Mono<Void> existing = this.settlement.get();
		if (existing != null) {
			return existing;
		}
		Mono<Void> started = work.get().cache();
		if (this.settlement.compareAndSet(null, started)) {
			CallLease current = this.lease;
			if (current != null) {
				current.close();
			}
			started.subscribe(null, (ex) -> {
			});
			return started;
		}
		return this.settlement.get();
	}

}
