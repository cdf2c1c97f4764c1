package com.lingxi.billing.usage;

import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * One settled model call, as journaled and as written to {@code usage_logs}.
 *
 * @param id the usage record's id
 * @param requestId the proxy's request id (unique: a replay never records a call twice)
 * @param userId the user billed
 * @param instanceId the calling instance
 * @param keyId the key it called with
 * @param agentId the OpenClaw agent, when the request said
 * @param messageCount messages in the request
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens
 * @param cachedTokens prompt tokens the provider served from its cache
 * @param model the platform alias that served the call
 * @param requestedModel the alias the client asked for (differs after a quota fallback)
 * @param upstream the provider that answered ({@code demo} for the built-in one)
 * @param upstreamModel the provider's model
 * @param usageSource {@code upstream} (exact, reported by the provider), {@code estimate}
 * (counted with the tokenizer) or {@code none} (nothing was generated)
 * @param metered whether the tokens count against the monthly allowance
 * @param stream whether the answer was streamed
 * @param status {@code ok}, {@code client_closed}, {@code upstream_error},
 * {@code upstream_rejected} or {@code upstream_unavailable}
 * @param httpStatus status the client got
 * @param ttfbMs milliseconds to the first byte relayed, null if none
 * @param latencyMs milliseconds from the request to the end of the answer
 * @param createdAt when the call started
 * @param day usage day (billing time zone)
 * @param period billing month, {@code yyyy-MM}
 * @param plan the user's plan at the time
 */
public record UsageRecord(UUID id, String requestId, UUID userId, UUID instanceId, UUID keyId, String agentId,
		int messageCount, long inputTokens, long outputTokens, long cachedTokens, String model, String requestedModel,
		String upstream, String upstreamModel, String usageSource, boolean metered, boolean stream, String status,
		int httpStatus, Integer ttfbMs, int latencyMs, Instant createdAt, LocalDate day, String period, String plan) {

	public long totalTokens() {
		return this.inputTokens + this.outputTokens;
	}

}
