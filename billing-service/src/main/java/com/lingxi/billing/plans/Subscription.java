package com.lingxi.billing.plans;

import java.time.Instant;
import java.util.UUID;

/**
 * A user's current plan.
 *
 * @param userId the user
 * @param plan the plan
 * @param since on it since; null for a user who never had a subscription row
 */
public record Subscription(UUID userId, String plan, Instant since) {

}
