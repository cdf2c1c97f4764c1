package com.lingxi.billing.usage;

import java.time.LocalDate;
import java.util.UUID;

import reactor.core.publisher.Flux;

import org.springframework.r2dbc.core.DatabaseClient;

/** Reads of the daily rollups, always for one user. */
public final class UsageQueries {

	private final DatabaseClient db;

	public UsageQueries(DatabaseClient db) {
		this.db = db;
	}

	/**
	 * A user's usage between two days (inclusive), grouped.
	 * @param groupBy {@code day}, {@code agent} or {@code model}
	 */
	public Flux<UsageTotals> grouped(UUID userId, LocalDate from, LocalDate to, String groupBy) {
		String key = switch (groupBy) {
			case "day" -> "to_char(day, 'YYYY-MM-DD')";
			case "agent" -> "agent_id";
			case "model" -> "model";
			default -> throw new IllegalArgumentException("groupBy " + groupBy);
		};
		return this.db.sql("SELECT " + key + """
				 AS key, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens,
				       SUM(output_tokens) AS output_tokens, SUM(cached_tokens) AS cached_tokens
				  FROM usage_daily
				 WHERE user_id = :userId AND day >= :from AND day <= :to
				 GROUP BY 1 ORDER BY 1
				""").bind("userId", userId).bind("from", from).bind("to", to).map((row) -> {
			String value = row.get("key", String.class);
			return new UsageTotals((value == null || value.isEmpty()) ? null : value,
					row.get("requests", Number.class).longValue(), row.get("input_tokens", Number.class).longValue(),
					row.get("output_tokens", Number.class).longValue(),
					row.get("cached_tokens", Number.class).longValue());
		}).all();
	}

	/**
	 * Usage totals of one group.
	 *
	 * @param key the day ({@code yyyy-MM-dd}), agent id (null: not known) or model alias
	 * @param requests model calls
	 * @param inputTokens prompt tokens
	 * @param outputTokens completion tokens
	 * @param cachedTokens prompt tokens served from the provider's cache
	 */
	public record UsageTotals(String key, long requests, long inputTokens, long outputTokens, long cachedTokens) {

		public long totalTokens() {
			return this.inputTokens + this.outputTokens;
		}

		UsageTotals plus(UsageTotals other) {
			return new UsageTotals(null, this.requests + other.requests, this.inputTokens + other.inputTokens,
					this.outputTokens + other.outputTokens, this.cachedTokens + other.cachedTokens);
		}

	}

}
