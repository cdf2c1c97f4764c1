package com.lingxi.billing.quota;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Settlements the quota ledger in Redis has not taken yet: calls that ended while Redis
 * could not be reached, and calls replayed from the usage journal after a crash. Their
 * usage is safe regardless (journal, then PostgreSQL); what waits here is only Redis's
 * running view of the allowance, which would otherwise miss them until the next month.
 *
 * <p>
 * Every {@code retry} a batch is tried: a charge whose usage row is in PostgreSQL is
 * settled late ({@link QuotaLedger#settleLate}, which skips it if the month was rebuilt
 * from PostgreSQL after that row was written, so it is never counted twice); a release (a
 * call that was never forwarded) is sent as it is; everything else waits for the next
 * round. Held in memory, bounded: past {@code limit} a charge is dropped and its user's
 * month is instead rebuilt from PostgreSQL once Redis answers again (which drops the
 * user's open reservations, a lesser evil than a wrong allowance).
 */
public final class PendingCharges implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(PendingCharges.class);

	private static final int BATCH = 500;

	private final QuotaLedger ledger;

	private final DatabaseClient db;

	private final int limit;

	private final Map<String, Charge> pending = new ConcurrentHashMap<>();

	private final Set<Month> rebuild = ConcurrentHashMap.newKeySet();

	private final AtomicInteger size = new AtomicInteger();

	private final Disposable loop;

	public PendingCharges(QuotaLedger ledger, DatabaseClient db, Duration retry, int limit, MeterRegistry meters) {
		this.ledger = ledger;
		this.db = db;
		this.limit = limit;
		meters.gauge("lingxi.billing.quota.pending.charges", this.size);
		this.loop = Flux.interval(retry, retry)
			.onBackpressureDrop()
			.concatMap((tick) -> drain().onErrorResume((ex) -> Mono.empty()), 1)
			.subscribe();
	}

	/**
	 * Keeps a settlement for later.
	 * @param recorded whether the call has a usage record (false for a call released
	 * before it was forwarded: nothing to wait for in PostgreSQL)
	 */
	public void add(UUID userId, String period, String callId, long tokens, boolean metered, boolean recorded) {
		if (this.size.get() >= this.limit) {
			if (this.rebuild.add(new Month(userId, period))) {
				log.warn("More than {} settlements wait for Redis; the month of user {} will be rebuilt from "
						+ "PostgreSQL instead", this.limit, userId);
			}
			return;
		}
		if (this.pending.putIfAbsent(callId, new Charge(userId, period, callId, tokens, metered, recorded)) == null) {
			this.size.incrementAndGet();
		}
	}

	/** Settlements waiting. */
	public int size() {
		return this.size.get();
	}

	/** One round: everything that can be settled now is. */
	Mono<Void> drain() {
		if (this.pending.isEmpty() && this.rebuild.isEmpty()) {
			return Mono.empty();
		}
		return rebuildMonths().then(Flux.fromIterable(new ArrayList<>(this.pending.values()))
			.buffer(BATCH)
			.concatMap(this::settleBatch, 1)
			.then());
	}

	private Mono<Void> rebuildMonths() {
		List<Month> months = new ArrayList<>(this.rebuild);
		return Flux.fromIterable(months)
			.concatMap((month) -> this.ledger.forget(month.userId(), month.period())
				.doOnSuccess((done) -> this.rebuild.remove(month)))
			.then();
	}

	private Mono<Void> settleBatch(List<Charge> batch) {
		List<UUID> ids = batch.stream()
			.filter(Charge::recorded)
			.map((charge) -> UUID.fromString(charge.callId()))
			.toList();
		Mono<Map<String, Instant>> written = ids.isEmpty() ? Mono.just(Map.of())
				: this.db.sql("SELECT id, recorded_at FROM usage_logs WHERE id = ANY(:ids)")
					.bind("ids", ids.toArray(UUID[]::new))
					.map((row) -> Map.entry(row.get("id", UUID.class).toString(),
							row.get("recorded_at", OffsetDateTime.class).toInstant()))
					.all()
					.collectMap(Map.Entry::getKey, Map.Entry::getValue, HashMap::new);
		return written.flatMapMany((rows) -> Flux.fromIterable(batch).concatMap((charge) -> settle(charge, rows), 1))
			.then();
	}

	/** Settles one charge if it can be now; fails (ending the round) if Redis cannot. */
	private Mono<Void> settle(Charge charge, Map<String, Instant> written) {
		Mono<Void> settlement;
		if (!charge.recorded()) {
			settlement = this.ledger
				.settle(charge.userId(), charge.period(), charge.callId(), charge.tokens(), charge.metered())
				.then();
		}
		else {
			Instant recordedAt = written.get(charge.callId());
			if (recordedAt == null) {
				// Its usage row is not in PostgreSQL yet: next round.
				return Mono.empty();
			}
			settlement = this.ledger.settleLate(charge.userId(), charge.period(), charge.callId(), charge.tokens(),
					charge.metered(), recordedAt);
		}
		return settlement.doOnSuccess((done) -> {
			if (this.pending.remove(charge.callId()) != null) {
				this.size.decrementAndGet();
			}
		});
	}

	@Override
	public void destroy() {
		this.loop.dispose();
	}

	private record Charge(UUID userId, String period, String callId, long tokens, boolean metered, boolean recorded) {
	}

	private record Month(UUID userId, String period) {
	}

}
