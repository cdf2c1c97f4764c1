package com.lingxi.billing;

import java.net.URI;

import com.lingxi.common.problem.ProblemTypes;

/**
 * Problem types of billing-service's {@code /api/billing/**} and {@code /internal/**}
 * endpoints, part of its API. The model proxy ({@code /v1/**}) answers in OpenAI's error
 * format instead.
 */
public final class BillingProblems {

	public static final URI UNKNOWN_PLAN = ProblemTypes.of("unknown-plan");

	public static final URI KEY_BOUND_TO_ANOTHER_USER = ProblemTypes.of("key-bound-to-another-user");

	public static final URI INVALID_USAGE_RANGE = ProblemTypes.of("invalid-usage-range");

	public static final URI PAYMENTS_UNAVAILABLE = ProblemTypes.of("payments-unavailable");

	private BillingProblems() {
	}

}
