package com.lingxi.billing.quota;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Billing months and usage days, in one configured time zone (Beijing time by default):
 * the monthly allowance resets at local midnight on the 1st.
 */
public final class BillingCalendar {

	private static final DateTimeFormatter PERIOD = DateTimeFormatter.ofPattern("yyyy-MM");

	private final ZoneId zone;

	public BillingCalendar(ZoneId zone) {
		this.zone = zone;
	}

	public ZoneId zone() {
		return this.zone;
	}

	/** The billing period of an instant, {@code yyyy-MM}. */
	public String period(Instant at) {
		return YearMonth.from(at.atZone(this.zone)).format(PERIOD);
	}

	/** The usage day of an instant. */
	public LocalDate day(Instant at) {
		return at.atZone(this.zone).toLocalDate();
	}

	public LocalDate today() {
		return day(Instant.now());
	}

	/** First day of a period. */
	public LocalDate firstDay(String period) {
		return YearMonth.parse(period, PERIOD).atDay(1);
	}

	/** First day after a period. */
	public LocalDate endDay(String period) {
		return YearMonth.parse(period, PERIOD).plusMonths(1).atDay(1);
	}

	/** When a period ends (and the next allowance starts). */
	public Instant resetsAt(String period) {
		return endDay(period).atStartOfDay(this.zone).toInstant();
	}

}
