package com.lingxi.billing.plans;

import java.time.Instant;

/**
 * One entry of a user's plan history.
 *
 * @param previousPlan plan before, null for the first subscription
 * @param plan plan after
 * @param reason why ({@code registered}, {@code admin}, {@code payment}, ...)
 * @param changedAt when
 */
public record PlanChange(String previousPlan, String plan, String reason, Instant changedAt) {

}
