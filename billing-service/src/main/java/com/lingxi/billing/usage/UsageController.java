package com.lingxi.billing.usage;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.billing.BillingProblems;
import com.lingxi.billing.quota.BillingCalendar;
import com.lingxi.billing.usage.UsageQueries.UsageTotals;
import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;

/**
 * {@code GET /api/billing/usage}: the caller's own usage from the daily rollups (never a
 * scan of the raw logs).
 */
@RestController
class UsageController {

	static final int MAX_DAYS = 366;

	private final UsageQueries queries;

	private final BillingCalendar calendar;

	UsageController(UsageQueries queries, BillingCalendar calendar) {
		this.queries = queries;
		this.calendar = calendar;
	}

	@GetMapping("/api/billing/usage")
	Mono<UsageReport> usage(CurrentUser caller, @RequestParam(required = false) String from,
			@RequestParam(required = false) String to, @RequestParam(defaultValue = "day") String groupBy) {
		LocalDate today = this.calendar.today();
		LocalDate start = (from != null) ? date("from", from) : today.withDayOfMonth(1);
		LocalDate end = (to != null) ? date("to", to) : today;
		if (!List.of("day", "agent", "model").contains(groupBy)) {
			return Mono.error(invalid("groupBy must be day, agent or model."));
		}
		if (end.isBefore(start)) {
			return Mono.error(invalid("'to' must not be before 'from'."));
		}
		if (ChronoUnit.DAYS.between(start, end) >= MAX_DAYS) {
			return Mono.error(invalid("The range may span at most " + MAX_DAYS + " days."));
		}
		return this.queries.grouped(caller.id(), start, end, groupBy).collectList().map((items) -> {
			UsageTotals total = items.stream().reduce(new UsageTotals(null, 0, 0, 0, 0), UsageTotals::plus);
			return new UsageReport(start, end, groupBy, items.stream().map(Item::of).toList(), Item.of(total),
					this.calendar.zone().getId());
		});
	}

	private static LocalDate date(String name, String value) {
		try {
			return LocalDate.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw invalid("'" + name + "' must be a date like 2026-11-26.");
		}
	}

	private static ProblemException invalid(String detail) {
		return ProblemException.of(HttpStatus.BAD_REQUEST, BillingProblems.INVALID_USAGE_RANGE, "Invalid usage query",
				detail);
	}

	/**
	 * Usage of one group, or the total.
	 *
	 * @param key day, agent id (null: not known) or model; absent in the total
	 * @param requests model calls
	 * @param inputTokens prompt tokens
	 * @param outputTokens completion tokens
	 * @param cachedTokens prompt tokens served from the provider's cache
	 * @param totalTokens input + output tokens
	 */
	record Item(String key, long requests, long inputTokens, long outputTokens, long cachedTokens, long totalTokens) {

		static Item of(UsageTotals totals) {
			return new Item(totals.key(), totals.requests(), totals.inputTokens(), totals.outputTokens(),
					totals.cachedTokens(), totals.totalTokens());
		}

	}

	/**
	 * A usage report.
	 *
	 * @param from first day
	 * @param to last day (inclusive)
	 * @param groupBy how items are grouped
	 * @param items the groups
	 * @param total all of it
	 * @param timeZone the zone days are counted in
	 */
	record UsageReport(LocalDate from, LocalDate to, String groupBy, List<Item> items, Item total,
			@JsonProperty("timeZone") String timeZone) {
	}

}
