package com.lingxi.billing.quota;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Quota enforcement.
 *
 * @param zone time zone of billing months and usage days
 * @param reservationTtl how long a reservation may stay unsettled before it is released
 * on its own (a replica that died mid-call); longer than any call may last
 * @param bytesPerToken request bytes counted as one prompt token when sizing a
 * reservation (a conservative over-estimate keeps overspend below one call's worth)
 * @param failOpen whether model calls pass unmetered-in-Redis when Redis cannot be
 * reached (usage is still recorded in PostgreSQL); false refuses them with 503
 */
@ConfigurationProperties(prefix = "lingxi.billing.quota")
public record QuotaProperties(@DefaultValue("Asia/Shanghai") ZoneId zone, @DefaultValue("15m") Duration reservationTtl,
		@DefaultValue("3") int bytesPerToken, @DefaultValue("true") boolean failOpen) {

}
