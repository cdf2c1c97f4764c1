package com.lingxi.billing.quota;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Quota enforcement.
 *
 * @param zone time zone of billing months and usage days
 * @param reservationTtl how long a reservation is kept after the replica serving its call
 * last renewed it (it renews every {@code callLease / 3} while the call runs); only the
 * reservations of a replica that died mid-call ever reach it
 * @param callLease how long a call counts against its user's concurrent calls after the
 * replica serving it last renewed it; the calls of a replica that died stop counting
 * after this
 * @param bytesPerToken request bytes counted as one prompt token when sizing a
 * reservation (a conservative over-estimate keeps overspend below one call's worth)
 * @param settleRetry how often settlements Redis could not take (it was unreachable) are
 * tried again; their usage is recorded regardless
 * @param maxPendingSettlements settlements kept for Redis at most; past it, the month of
 * the user concerned is rebuilt from PostgreSQL once Redis answers
 */
@ConfigurationProperties(prefix = "lingxi.billing.quota")
public record QuotaProperties(@DefaultValue("Asia/Shanghai") ZoneId zone, @DefaultValue("5m") Duration reservationTtl,
		@DefaultValue("60s") Duration callLease, @DefaultValue("3") int bytesPerToken,
		@DefaultValue("2s") Duration settleRetry, @DefaultValue("100000") int maxPendingSettlements) {

}
