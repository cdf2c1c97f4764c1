package com.lingxi.billing.plans;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.trust.InternalApi;

/**
 * {@code /internal/users/{userId}/plan}: a user's plan and limits for config-service,
 * agent-service and instance-service, and changing it (operators, later the payment
 * flow). Never routed publicly.
 */
@RestController
class InternalPlanController {

	private final Plans plans;

	InternalPlanController(Plans plans) {
		this.plans = plans;
	}

	@InternalApi(callers = { "config-service", "instance-service" })
	@GetMapping("/internal/users/{userId}/plan")
	Mono<UserPlan> plan(@PathVariable UUID userId) {
		return this.plans.subscription(userId).map(this::view);
	}

	@InternalApi(callers = InternalApi.OPERATOR)
	@PostMapping("/internal/users/{userId}/plan")
	Mono<UserPlan> change(@PathVariable UUID userId, @Valid @RequestBody ChangeRequest request) {
		String reason = (request.reason() != null && !request.reason().isBlank()) ? request.reason().strip() : "admin";
		return this.plans.change(userId, request.plan().strip(), reason).map(this::view);
	}

	private UserPlan view(Subscription subscription) {
		return new UserPlan(subscription.userId(), subscription.plan(),
				this.plans.catalog().limits(subscription.plan()));
	}

	/**
	 * A user's plan.
	 *
	 * @param userId the user
	 * @param plan plan id
	 * @param limits its limits
	 */
	record UserPlan(UUID userId, String plan, PlanLimits limits) {
	}

	/**
	 * A plan change.
	 *
	 * @param plan the new plan
	 * @param reason why, for the history ({@code admin} when absent)
	 */
	record ChangeRequest(@NotBlank @Size(max = 32) String plan, @Size(max = 200) String reason) {
	}

}
