package com.lingxi.billing.payment;

import java.net.URI;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;

/**
 * The seam for a payment provider (WeChat Pay, Alipay, Stripe, ...), which a later issue
 * implements. A provider is a bean; without one, checkout answers 503
 * {@code payments-unavailable} and no plan can be bought. A provider never changes plans
 * itself: it reports verified payments and billing-service changes the plan.
 */
public interface PaymentProvider {

	/** The provider's id, also the last segment of its webhook path. */
	String id();

	/**
	 * Starts paying for a plan.
	 * @param userId the buyer
	 * @param plan the plan bought
	 * @param returnUrl where the provider sends the buyer back to
	 * @return where to send the buyer to pay
	 */
	Mono<Checkout> checkout(UUID userId, String plan, URI returnUrl);

	/**
	 * Verifies a webhook call (signature, replay) and says what it means.
	 * @return the verified outcome, or empty for a notification that changes nothing
	 */
	Mono<PaymentOutcome> verify(HttpHeaders headers, byte[] body);

	/**
	 * A started checkout.
	 *
	 * @param paymentUrl where the buyer pays
	 * @param reference the provider's reference of the payment
	 */
	record Checkout(URI paymentUrl, String reference) {
	}

	/**
	 * A verified payment result.
	 *
	 * @param userId the buyer
	 * @param plan the plan they are now entitled to
	 * @param reference the provider's reference
	 */
	record PaymentOutcome(UUID userId, String plan, String reference) {
	}

}
