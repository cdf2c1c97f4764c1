package com.lingxi.billing.plans;

import java.time.Instant;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;

/** The public plan list and the caller's own subscription. */
@RestController
class PlanController {

	private final Plans plans;

	PlanController(Plans plans) {
		this.plans = plans;
	}

	@GetMapping("/api/billing/plans")
	List<PlanView> plans() {
		PlanCatalog catalog = this.plans.catalog();
		return catalog.all()
			.entrySet()
			.stream()
			.map((entry) -> new PlanView(entry.getKey(), entry.getValue().displayName(),
					entry.getKey().equals(catalog.defaultPlan()), catalog.limits(entry.getKey()),
					entry.getValue().exhaustedFallbackAlias()))
			.toList();
	}

	@GetMapping("/api/billing/subscription")
	Mono<SubscriptionView> subscription(CurrentUser caller) {
		return this.plans.subscription(caller.id()).zipWith(this.plans.history(caller.id())).map((both) -> {
			Subscription subscription = both.getT1();
			PlanProperties.Plan plan = this.plans.limitsOf(subscription.plan());
			return new SubscriptionView(subscription.plan(), plan.displayName(), subscription.since(),
					this.plans.catalog().limits(subscription.plan()), both.getT2());
		});
	}

	/**
	 * A plan as the public list shows it.
	 *
	 * @param name plan id
	 * @param displayName name to show
	 * @param isDefault whether new users start on it
	 * @param limits its limits
	 * @param exhaustedFallbackAlias alias that serves calls once the monthly tokens are
	 * used up, or null if such calls are refused
	 */
	record PlanView(String name, String displayName, boolean isDefault, PlanLimits limits,
			String exhaustedFallbackAlias) {
	}

	/**
	 * The caller's subscription.
	 *
	 * @param plan plan id
	 * @param displayName its name
	 * @param since on it since (null: never changed from the default)
	 * @param limits its limits
	 * @param history plan changes, newest first
	 */
	record SubscriptionView(String plan, String displayName, Instant since, PlanLimits limits,
			List<PlanChange> history) {
	}

}
