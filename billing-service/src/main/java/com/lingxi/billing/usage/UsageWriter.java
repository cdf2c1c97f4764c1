package com.lingxi.billing.usage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.usage.UsageJournal.Journaled;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UsageRecorded;
import com.lingxi.common.identity.RequestContext;

/**
 * Moves journaled usage records into PostgreSQL in batches: one statement inserts the
 * {@code usage_logs} rows (skipping call ids already there) and adds exactly the inserted
 * rows to the daily rollups; in the same transaction each inserted call gets its
 * {@code usage.recorded} event. On failure the batch is kept and retried after a pause;
 * the journal holds it across restarts.
 */
public final class UsageWriter {

	private static final Logger log = LoggerFactory.getLogger(UsageWriter.class);

	private static final String INSERT = """
			WITH batch AS (
			  SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb)) AS r(
			    id uuid, request_id text, user_id uuid, instance_id uuid, key_id uuid, agent_id text,
			    message_count int, input_tokens bigint, output_tokens bigint, cached_tokens bigint, model text,
			    requested_model text, upstream text, upstream_model text, usage_source text, metered boolean,
			    stream boolean, status text, http_status int, ttfb_ms int, latency_ms int, created_at timestamptz,
			    day date)
			), inserted AS (
			  INSERT INTO usage_logs (id, user_id, agent_id, message_count, input_tokens, output_tokens, model,
			      created_at, request_id, instance_id, key_id, requested_model, upstream, upstream_model,
			      cached_tokens, usage_source, metered, stream, status, http_status, ttfb_ms, latency_ms)
			  SELECT id, user_id, agent_id, message_count, input_tokens, output_tokens, model, created_at,
			      request_id, instance_id, key_id, requested_model, upstream, upstream_model, cached_tokens,
			      usage_source, metered, stream, status, http_status, ttfb_ms, latency_ms
			    FROM batch
			  ON CONFLICT (id) DO NOTHING
			  RETURNING id
			), rolled AS (
			  INSERT INTO usage_daily (user_id, day, agent_id, model, requests, input_tokens, output_tokens,
			      cached_tokens, quota_tokens)
			  SELECT b.user_id, b.day, COALESCE(b.agent_id, ''), b.model, count(*), sum(b.input_tokens),
			      sum(b.output_tokens), sum(b.cached_tokens),
			      sum(CASE WHEN b.metered THEN b.input_tokens + b.output_tokens ELSE 0 END)
			    FROM batch b JOIN inserted i ON i.id = b.id
			   GROUP BY 1, 2, 3, 4
			   ORDER BY 1, 2, 3, 4
			  ON CONFLICT (user_id, day, agent_id, model) DO UPDATE SET
			    requests = usage_daily.requests + EXCLUDED.requests,
			    input_tokens = usage_daily.input_tokens + EXCLUDED.input_tokens,
			    output_tokens = usage_daily.output_tokens + EXCLUDED.output_tokens,
			    cached_tokens = usage_daily.cached_tokens + EXCLUDED.cached_tokens,
			    quota_tokens = usage_daily.quota_tokens + EXCLUDED.quota_tokens
			)
			SELECT id FROM inserted
			""";

	private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

	private final UsageJournal journal;

	private final DatabaseClient db;

	private final TransactionalOperator tx;

	private final EventPublisher events;

	private final JsonMapper json;

	private final PendingCharges pending;

	private final UsageProperties properties;

	private final Deque<Journaled> retry = new ArrayDeque<>();

	private final Timer writes;

	private final Counter failures;

	private final AtomicInteger writing = new AtomicInteger();

	private volatile long pausedUntil;

	private Disposable loop;

	public UsageWriter(UsageJournal journal, DatabaseClient db, TransactionalOperator tx, EventPublisher events,
			JsonMapper json, PendingCharges pending, UsageProperties properties, MeterRegistry meters) {
		this.journal = journal;
		this.db = db;
		this.tx = tx;
		this.events = events;
		this.json = json;
		this.pending = pending;
		this.properties = properties;
		this.writes = Timer.builder("lingxi.billing.usage.writes")
			.description("Batches of usage records written to PostgreSQL")
			.register(meters);
		this.failures = Counter.builder("lingxi.billing.usage.write.failures")
			.description("Batches of usage records PostgreSQL refused (retried)")
			.register(meters);
		meters.gauge("lingxi.billing.usage.backlog", this, UsageWriter::backlog);
	}

	public synchronized void start() {
		if (this.loop != null) {
			return;
		}
		this.loop = Flux.interval(this.properties.flushInterval())
			.onBackpressureDrop()
			.concatMap((tick) -> drain(), 1)
			.subscribe();
	}

	/**
	 * Stops the loop after one last attempt to write what is waiting. Called once, at
	 * shutdown, by the application context's lifecycle (never on an event loop), which is
	 * why it may wait for that last write.
	 */
	public synchronized void stop(Duration wait) {
		if (this.loop == null) {
			return;
		}
		this.loop.dispose();
		this.loop = null;
		this.pausedUntil = 0;
		try {
			drain().block(wait);
		}
		catch (RuntimeException ex) {
			log.warn("Usage records left for the next start (they are in the journal): {}", ex.toString());
		}
	}

	/** Records not yet in PostgreSQL (waiting, or in a transaction not yet committed). */
	public double backlog() {
		synchronized (this.retry) {
			return this.journal.backlog() + this.retry.size() + this.writing.get();
		}
	}

	/** Writes batches until nothing waits or a write fails. */
	Mono<Void> drain() {
		return Mono.defer(this::writeOneBatch)
			.expand((more) -> more ? Mono.defer(this::writeOneBatch) : Mono.empty())
			.then();
	}

	private Mono<Boolean> writeOneBatch() {
		if (System.currentTimeMillis() < this.pausedUntil) {
			return Mono.just(false);
		}
		List<Journaled> batch = take(this.properties.batchSize());
		if (batch.isEmpty()) {
			return Mono.just(false);
		}
		long started = System.nanoTime();
		this.writing.addAndGet(batch.size());
		return write(batch).doFinally((signal) -> this.writing.addAndGet(-batch.size())).then(Mono.fromCallable(() -> {
			this.writes.record(Duration.ofNanos(System.nanoTime() - started));
			this.journal.committed(batch);
			settleRecovered(batch);
			return batch.size() == this.properties.batchSize();
		})).onErrorResume((ex) -> {
			this.failures.increment();
			log.warn("Writing {} usage records failed, retrying in {}: {}", batch.size(),
					this.properties.retryBackoff(), ex.toString());
			synchronized (this.retry) {
				for (int i = batch.size() - 1; i >= 0; i--) {
					this.retry.addFirst(batch.get(i));
				}
			}
			this.pausedUntil = System.currentTimeMillis() + this.properties.retryBackoff().toMillis();
			return Mono.just(false);
		});
	}

	private List<Journaled> take(int max) {
		List<Journaled> batch = new ArrayList<>();
		synchronized (this.retry) {
			while (batch.size() < max && !this.retry.isEmpty()) {
				batch.add(this.retry.pollFirst());
			}
		}
		Journaled next;
		while (batch.size() < max && (next = this.journal.poll()) != null) {
			batch.add(next);
		}
		return batch;
	}

	private Mono<Void> write(List<Journaled> batch) {
		// One row per call even if a replayed copy sits in the same batch.
		Map<UUID, UsageRecord> byCall = new LinkedHashMap<>();
		for (Journaled journaled : batch) {
			byCall.putIfAbsent(journaled.record().id(), journaled.record());
		}
		List<Map<String, Object>> rows = new ArrayList<>(byCall.size());
		byCall.values().forEach((record) -> rows.add(row(record)));
		String payload = this.json.writeValueAsString(rows);
		// The inserted ids are read to the end before the events are written: a second
		// statement on the transaction's connection must not wait behind an open cursor.
		Mono<Void> work = this.db.sql(INSERT)
			.bind("batch", payload)
			.map((row) -> row.get("id", UUID.class))
			.all()
			.collectList()
			.flatMapMany(Flux::fromIterable)
			.concatMap((callId) -> announce(byCall.get(callId)))
			.then();
		// A stuck transaction must not stop the writer: fail it, keep the batch, retry.
		return this.tx.transactional(work).timeout(WRITE_TIMEOUT);
	}

	private Mono<Void> announce(UsageRecord record) {
		return this.events
			.publish(UsageRecorded.TOPIC, record.userId(),
					new UsageRecorded(record.id(), record.userId(), record.instanceId(), record.agentId(),
							record.model(), record.inputTokens(), record.outputTokens(), Instant.now()))
			.contextWrite((context) -> context.put(RequestContext.KEY,
					new RequestContext(record.requestId(), "", Optional.empty())))
			.then();
	}

	/**
	 * A replayed call may have died before its quota was settled in Redis: its now
	 * committed row is settled late (a no-op if it was settled, and not counted twice if
	 * the month was rebuilt from PostgreSQL since).
	 */
	private void settleRecovered(List<Journaled> batch) {
		for (Journaled journaled : batch) {
			if (journaled.recovered()) {
				UsageRecord record = journaled.record();
				this.pending.add(record.userId(), record.period(), record.id().toString(), record.totalTokens(),
						record.metered(), true);
			}
		}
	}

	private static Map<String, Object> row(UsageRecord record) {
		Map<String, Object> row = new LinkedHashMap<>();
		row.put("id", record.id());
		row.put("request_id", record.requestId());
		row.put("user_id", record.userId());
		row.put("instance_id", record.instanceId());
		row.put("key_id", record.keyId());
		row.put("agent_id", record.agentId());
		row.put("message_count", record.messageCount());
		row.put("input_tokens", record.inputTokens());
		row.put("output_tokens", record.outputTokens());
		row.put("cached_tokens", record.cachedTokens());
		row.put("model", record.model());
		row.put("requested_model", record.requestedModel());
		row.put("upstream", record.upstream());
		row.put("upstream_model", record.upstreamModel());
		row.put("usage_source", record.usageSource());
		row.put("metered", record.metered());
		row.put("stream", record.stream());
		row.put("status", record.status());
		row.put("http_status", record.httpStatus());
		row.put("ttfb_ms", record.ttfbMs());
		row.put("latency_ms", record.latencyMs());
		row.put("created_at", record.createdAt().toString());
		row.put("day", record.day().toString());
		return row;
	}

}
