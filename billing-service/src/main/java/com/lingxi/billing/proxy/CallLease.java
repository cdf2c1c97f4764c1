package com.lingxi.billing.proxy;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import reactor.core.publisher.Mono;

import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaLedger.OpenCall;

/**
 * An admitted call's place in the quota ledger (its reservation, and its place among the
 * user's calls in flight): renewed while the call runs, and handed over exactly once to
 * whoever ends it (its settlement, a release, or the end of its exchange).
 */
final class CallLease {

	private final OpenCall call;

	private final boolean metered;

	private final AtomicBoolean closed = new AtomicBoolean();

	CallLease(UUID userId, String period, String callId, boolean metered) {
		this.call = new OpenCall(userId, period, callId);
		this.metered = metered;
	}

	OpenCall call() {
		return this.call;
	}

	boolean metered() {
		return this.metered;
	}

	/** Takes over ending the call; true for the first caller only. */
	boolean close() {
		return this.closed.compareAndSet(false, true);
	}

	boolean closed() {
		return this.closed.get();
	}

	/**
	 * Gives the call's place back without charging anything (a call never forwarded);
	 * kept for later if Redis cannot be reached.
	 */
	Mono<Void> release(QuotaLedger ledger, PendingCharges pending) {
		return ledger.settle(this.call.userId(), this.call.period(), this.call.callId(), 0, this.metered)
			.then()
			.onErrorResume((ex) -> {
				pending.add(this.call.userId(), this.call.period(), this.call.callId(), 0, this.metered, false);
				return Mono.empty();
			});
	}

}
