package com.lingxi.billing.plans;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.lingxi.billing.plans.PlanProperties.Plan;

/** The configured plans, checked once at start-up. */
public final class PlanCatalog {

	private final String defaultPlan;

	private final Map<String, Plan> plans;

	/**
	 * @param properties the plans
	 * @param aliases the model aliases that exist; a plan naming another fails start-up
	 */
	public PlanCatalog(PlanProperties properties, Set<String> aliases) {
		if (properties.plans() == null || properties.plans().isEmpty()) {
			throw new IllegalStateException("No plans configured (lingxi.billing.plans)");
		}
		this.plans = new LinkedHashMap<>(properties.plans());
		if (!this.plans.containsKey(properties.defaultPlan())) {
			throw new IllegalStateException("lingxi.billing.default-plan '" + properties.defaultPlan()
					+ "' is not one of the plans " + this.plans.keySet());
		}
		this.plans.forEach((name, plan) -> {
			if (!name.matches("[a-z0-9][a-z0-9-]{0,31}")) {
				throw new IllegalStateException("Plan name '" + name + "' must be lowercase letters, digits and '-'");
			}
			List<String> unknown = new ArrayList<>(plan.modelAliases());
			if (plan.exhaustedFallbackAlias() != null && !plan.exhaustedFallbackAlias().isBlank()) {
				unknown.add(plan.exhaustedFallbackAlias());
			}
			unknown.removeAll(aliases);
			if (!unknown.isEmpty()) {
				throw new IllegalStateException(
						"Plan '" + name + "' names model aliases " + unknown + " that are not configured " + aliases);
			}
		});
		this.defaultPlan = properties.defaultPlan();
	}

	public String defaultPlan() {
		return this.defaultPlan;
	}

	public Optional<Plan> plan(String name) {
		return Optional.ofNullable((name != null) ? this.plans.get(name) : null);
	}

	/** The plan, or the default plan for a name no longer configured. */
	public Plan planOrDefault(String name) {
		return plan(name).orElseGet(() -> this.plans.get(this.defaultPlan));
	}

	/** The effective name: the given one if configured, else the default plan. */
	public String effectiveName(String name) {
		return (name != null && this.plans.containsKey(name)) ? name : this.defaultPlan;
	}

	public Map<String, Plan> all() {
		return this.plans;
	}

	public PlanLimits limits(String name) {
		return PlanLimits.of(planOrDefault(name));
	}

}
