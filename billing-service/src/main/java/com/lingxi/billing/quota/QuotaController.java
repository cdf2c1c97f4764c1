package com.lingxi.billing.quota;

import java.time.Instant;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.billing.plans.PlanProperties.Plan;
import com.lingxi.billing.plans.Plans;
import com.lingxi.common.identity.CurrentUser;

/** {@code GET /api/billing/quota}: the caller's allowance this month. */
@RestController
class QuotaController {

	private final Plans plans;

	private final QuotaLedger ledger;

	QuotaController(Plans plans, QuotaLedger ledger) {
		this.plans = plans;
		this.ledger = ledger;
	}

	@GetMapping("/api/billing/quota")
	Mono<QuotaView> quota(CurrentUser caller) {
		String period = this.ledger.calendar().period(Instant.now());
		return this.plans.planOf(caller.id()).zipWith(this.ledger.usedAndReserved(caller.id(), period)).map((both) -> {
			String planName = both.getT1();
			Plan plan = this.plans.limitsOf(planName);
			long used = both.getT2()[0];
			long reserved = both.getT2()[1];
			long remaining = Math.max(0, plan.monthlyTokens() - used);
			return new QuotaView(planName, period, plan.monthlyTokens(), used, reserved, remaining,
					this.ledger.calendar().resetsAt(period), remaining == 0, plan.requestsPerMinute(),
					plan.tokensPerMinute(), blankToNull(plan.exhaustedFallbackAlias()), plan.concurrentCalls());
		});
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value;
	}

	/**
	 * The caller's allowance.
	 *
	 * @param plan plan id
	 * @param period billing month, {@code yyyy-MM}
	 * @param monthlyTokens tokens the plan allows per month
	 * @param used tokens charged this month
	 * @param reserved tokens held by calls in progress
	 * @param remaining tokens left this month
	 * @param resetsAt when the next month's allowance starts
	 * @param exhausted whether the allowance is used up
	 * @param requestsPerMinute call rate limit
	 * @param tokensPerMinute token rate limit
	 * @param fallbackAlias alias that keeps serving once the allowance is used up, or
	 * null
	 * @param concurrentCalls model calls that may be in progress at once (0: any number)
	 */
	record QuotaView(String plan, String period, long monthlyTokens, long used, long reserved, long remaining,
			Instant resetsAt, boolean exhausted, int requestsPerMinute, long tokensPerMinute, String fallbackAlias,
			int concurrentCalls) {
	}

}
