package com.lingxi.billing.proxy;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaNotices;
import com.lingxi.billing.upstream.ChatRequest;
import com.lingxi.billing.upstream.ModelRouter.Target;
import com.lingxi.billing.usage.Tokenizer;
import com.lingxi.billing.usage.UsageJournal;
import com.lingxi.billing.usage.UsageRecord;

/**
 * Settles a forwarded call exactly once: works out its tokens (the upstream's own counts,
 * or a tokenizer estimate of the prompt and of what was generated when the call was cut
 * short), journals the usage record durably, charges the quota ledger and releases the
 * reservation, and announces an exhausted allowance.
 */
final class Settlement {

	private static final Logger log = LoggerFactory.getLogger(Settlement.class);

	private final UsageJournal journal;

	private final QuotaLedger ledger;

	private final QuotaNotices notices;

	private final Tokenizer tokenizer;

	private final JsonMapper json;

	private final MeterRegistry meters;

	private final InFlightCalls inFlight;

	private final PendingCharges pending;

	Settlement(UsageJournal journal, QuotaLedger ledger, QuotaNotices notices, Tokenizer tokenizer, JsonMapper json,
			MeterRegistry meters, InFlightCalls inFlight, PendingCharges pending) {
		this.journal = journal;
		this.ledger = ledger;
		this.notices = notices;
		this.tokenizer = tokenizer;
		this.json = json;
		this.meters = meters;
		this.inFlight = inFlight;
		this.pending = pending;
	}

	/**
	 * How a call ended.
	 */
	enum Outcome {

		/** The answer was relayed to its end. */
		COMPLETED("ok"),
		/** The client hung up. */
		CLIENT_CLOSED("client_closed"),
		/** The upstream failed after the answer had started. */
		UPSTREAM_ERROR("upstream_error"),
		/** The upstream refused the request (its 4xx was passed on). */
		UPSTREAM_REJECTED("upstream_rejected"),
		/** No upstream answered. */
		UPSTREAM_UNAVAILABLE("upstream_unavailable");

		final String status;

		Outcome(String status) {
			this.status = status;
		}

	}

	/**
	 * Settles the call (only the first call of this method per call does anything); the
	 * returned Mono completes once the usage record is on disk.
	 */
	Mono<Void> settle(ProxyCall call, Outcome outcome, int httpStatus) {
		return call
			.settleOnce(() -> this.inFlight
				.settling(tokens(call, outcome).flatMap((counted) -> record(call, outcome, httpStatus, counted))))
			.onErrorResume((ex) -> Mono.empty());
	}

	/** Releases the reservation of a call that was never forwarded. */
	Mono<Void> release(ProxyCall call) {
		return call.settleOnce(() -> {
			CallLease lease = call.lease();
			return (lease != null) ? lease.release(this.ledger, this.pending) : Mono.empty();
		});
	}

	private Mono<Counted> tokens(ProxyCall call, Outcome outcome) {
		Usage reported = call.reportedUsage();
		if (reported != null) {
			return Mono.just(new Counted(reported, "upstream"));
		}
		boolean generated = call.sentAnything();
		boolean billable = generated || outcome == Outcome.CLIENT_CLOSED;
		if (!billable) {
			// The provider failed or refused before answering: nothing to bill.
			return Mono.just(new Counted(Usage.NONE, "none"));
		}
		return Mono.fromCallable(() -> estimate(call)).subscribeOn(Schedulers.boundedElastic());
	}

	/** Counts the prompt and what was generated with the tokenizer (never 0 tokens). */
	private Counted estimate(ProxyCall call) {
		long input = this.tokenizer.countNow(call.request.promptText(this.json))
				+ (long) Tokenizer.TOKENS_PER_MESSAGE * call.request.messageCount();
		long output = 0;
		SseRelay relay = call.relay();
		if (relay != null) {
			output = this.tokenizer.countNow(relay.generatedText());
		}
		else if (call.document() != null) {
			output = this.tokenizer.countNow(documentText(call.document()));
		}
		return new Counted(new Usage(Math.max(1, input), output, 0), "estimate");
	}

	private String documentText(byte[] document) {
		StringBuilder text = new StringBuilder();
		try (JsonParser parser = this.json.createParser(document)) {
			if (parser.nextToken() == JsonToken.START_OBJECT) {
				ChatRequest.collectText(parser, text, false);
			}
		}
		catch (JacksonException ex) {
			// nothing readable
		}
		return text.toString();
	}

	private Mono<Void> record(ProxyCall call, Outcome outcome, int httpStatus, Counted counted) {
		Target target = call.target();
		Usage usage = counted.usage();
		UsageRecord record = new UsageRecord(call.callId, call.requestId, call.key.userId(), call.key.instanceId(),
				call.key.keyId(), call.agentId, call.request.messageCount(), usage.inputTokens(), usage.outputTokens(),
				usage.cachedTokens(), call.alias(), call.requestedAlias,
				(target != null) ? target.upstream().name() : "none", (target != null) ? target.model() : "none",
				counted.source(), call.metered(), call.request.stream(), outcome.status, httpStatus, call.ttfbMillis(),
				call.latencyMillis(), call.startedAt, this.ledger.calendar().day(call.startedAt), call.period,
				call.planName);
		Mono<Void> charge = this.ledger
			.settle(call.key.userId(), call.period, call.callId.toString(), usage.total(), call.metered())
			.onErrorResume((ex) -> {
				// Recorded all the same; Redis's view of the allowance catches up later.
				log.debug("Call {} could not be charged to the quota ledger now: {}", call.callId, ex.toString());
				this.pending.add(call.key.userId(), call.period, call.callId.toString(), usage.total(), call.metered(),
						true);
				return Mono.just(-1L);
			})
			.flatMap((used) -> (call.metered() && used >= call.plan.monthlyTokens())
					? this.notices.exhausted(call.key.userId(), call.planName, call.period, call.plan.monthlyTokens())
						.onErrorResume((ex) -> Mono.empty())
					: Mono.empty());
		return Mono.when(this.journal.append(record), charge).doOnSuccess((done) -> count(record, call));
	}

	private void count(UsageRecord record, ProxyCall call) {
		Counter.builder("lingxi.billing.proxy.calls")
			.description("Model calls forwarded, by outcome")
			.tag("model", record.model())
			.tag("upstream", record.upstream())
			.tag("status", record.status())
			.register(this.meters)
			.increment();
		Counter.builder("lingxi.billing.tokens")
			.description("Model tokens billed")
			.tag("model", record.model())
			.tag("direction", "input")
			.register(this.meters)
			.increment(record.inputTokens());
		Counter.builder("lingxi.billing.tokens")
			.description("Model tokens billed")
			.tag("model", record.model())
			.tag("direction", "output")
			.register(this.meters)
			.increment(record.outputTokens());
		Integer ttfb = record.ttfbMs();
		if (ttfb != null) {
			Timer.builder("lingxi.billing.proxy.ttfb")
				.description("Time to the first byte relayed")
				.tag("upstream", record.upstream())
				.register(this.meters)
				.record(ttfb, TimeUnit.MILLISECONDS);
		}
	}

	private record Counted(Usage usage, String source) {
	}

}
