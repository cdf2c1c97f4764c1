package com.lingxi.billing.payment;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.billing.BillingProblems;
import com.lingxi.billing.plans.Plans;
import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;

/**
 * Checkout and payment webhooks, delegated to the {@link PaymentProvider} beans. There is
 * none yet, so checkout answers 503 and webhooks 404.
 */
@RestController
class PaymentController {

	private final List<PaymentProvider> providers;

	private final Plans plans;

	PaymentController(List<PaymentProvider> providers, Plans plans) {
		this.providers = providers;
		this.plans = plans;
	}

	@PostMapping("/api/billing/checkout")
	Mono<PaymentProvider.Checkout> checkout(CurrentUser caller, @Valid @RequestBody CheckoutRequest request) {
		if (this.providers.isEmpty()) {
			return Mono.error(ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, BillingProblems.PAYMENTS_UNAVAILABLE,
					"Payments unavailable", "Plans cannot be bought online yet."));
		}
		if (this.plans.catalog().plan(request.plan()).isEmpty()) {
			return Mono.error(ProblemException.badRequest("There is no plan '" + request.plan() + "'."));
		}
		return this.providers.get(0).checkout(caller.id(), request.plan(), request.returnUrl());
	}

	@PostMapping("/api/billing/payments/{provider}/webhook")
	Mono<Void> webhook(@PathVariable String provider, @RequestHeader HttpHeaders headers,
			@RequestBody(required = false) byte[] body) {
		PaymentProvider match = this.providers.stream()
			.filter((candidate) -> candidate.id().equals(provider))
			.findFirst()
			.orElse(null);
		if (match == null) {
			return Mono.error(ProblemException.notFound("Payment provider " + provider));
		}
		return match.verify(headers, (body != null) ? body : new byte[0])
			.flatMap((outcome) -> this.plans.change(outcome.userId(), outcome.plan(), "payment:" + provider))
			.then();
	}

	/**
	 * A checkout request.
	 *
	 * @param plan the plan to buy
	 * @param returnUrl where to come back to after paying
	 */
	record CheckoutRequest(@NotBlank String plan, @NotNull URI returnUrl) {
	}

}
