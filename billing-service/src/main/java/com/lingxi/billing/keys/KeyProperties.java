package com.lingxi.billing.keys;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-instance model-proxy keys.
 *
 * @param rotationGrace how long the previous secret keeps working after a rotation (the
 * instance must be restarted with the new key within this time)
 * @param cacheTtl how long a replica trusts a key it has looked up; revocations and
 * rotations also reach other replicas at once over Redis pub/sub, so this bounds the
 * delay only when that notification is lost
 * @param negativeCacheTtl how long an unknown key is remembered as unknown
 * @param cacheSize keys kept in each replica's cache
 */
@ConfigurationProperties(prefix = "lingxi.billing.keys")
public record KeyProperties(@DefaultValue("10m") Duration rotationGrace, @DefaultValue("30s") Duration cacheTtl,
		@DefaultValue("5s") Duration negativeCacheTtl, @DefaultValue("100000") long cacheSize) {

}
