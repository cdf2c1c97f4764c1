package com.lingxi.billing.proxy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * An error of the model proxy, rendered the way OpenAI's API renders errors (which is
 * what OpenClaw and every OpenAI SDK parse):
 * {@code {"error":{"message","type","param","code"}}}.
 */
final class OpenAiError extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final HttpStatus status;

	private final String type;

	private final String code;

	private final String param;

	private final Duration retryAfter;

	OpenAiError(HttpStatus status, String message, String type, String code, String param, Duration retryAfter) {
		super(message, null, false, false);
		this.status = status;
		this.type = type;
		this.code = code;
		this.param = param;
		this.retryAfter = retryAfter;
	}

	static OpenAiError missingKey() {
		return new OpenAiError(HttpStatus.UNAUTHORIZED,
				"You didn't provide an API key. Send your Lingxi instance key as 'Authorization: Bearer lx-...'.",
				"invalid_request_error", "missing_api_key", null, null);
	}

	static OpenAiError invalidKey() {
		return new OpenAiError(HttpStatus.UNAUTHORIZED, "Incorrect API key provided, or the key was revoked.",
				"invalid_request_error", "invalid_api_key", null, null);
	}

	static OpenAiError invalidRequest(String message, String param) {
		return new OpenAiError(HttpStatus.BAD_REQUEST, message, "invalid_request_error", null, param, null);
	}

	static OpenAiError tooLarge(long limit) {
		return new OpenAiError(HttpStatus.CONTENT_TOO_LARGE,
				"The request body is larger than the " + limit + " bytes this endpoint accepts.",
				"invalid_request_error", "request_too_large", null, null);
	}

	static OpenAiError modelNotFound(String model) {
		return new OpenAiError(HttpStatus.NOT_FOUND,
				"The model '" + model + "' does not exist or you do not have access to it.", "invalid_request_error",
				"model_not_found", "model", null);
	}

	static OpenAiError rateLimited(String what, Duration retryAfter) {
		return new OpenAiError(HttpStatus.TOO_MANY_REQUESTS,
				"Rate limit reached: your plan allows " + what + ". Try again in "
						+ Math.max(1, (retryAfter.toMillis() + 999) / 1000) + " s.",
				what.contains("tokens") ? "tokens" : "requests", "rate_limit_exceeded", null, retryAfter);
	}

	/**
	 * The call does not fit in the monthly allowance.
	 * @param limit the monthly tokens
	 * @param left tokens not yet used
	 * @param reserved tokens held by calls in progress
	 * @param needed tokens this call may use (its prompt and its output limit)
	 * @param resetsAt when the allowance renews
	 */
	static OpenAiError quotaExhausted(long limit, long left, long reserved, long needed, String resetsAt) {
		String why;
		if (left < needed) {
			why = (left == 0) ? "You exceeded your monthly quota of " + limit + " tokens."
					: "Only " + left + " of your monthly " + limit + " tokens are left, and this call may use up to "
							+ needed + " (its prompt and its max_tokens).";
		}
		else {
			why = "Your calls in progress hold " + reserved + " of the " + left + " tokens left of your monthly "
					+ limit + ", and this call may use up to " + needed + "; it fits once they finish.";
		}
		return new OpenAiError(HttpStatus.PAYMENT_REQUIRED,
				why + " The quota renews at " + resetsAt + "; upgrade your plan for more.", "insufficient_quota",
				"insufficient_quota", null, null);
	}

	static OpenAiError tooManyConcurrentCalls(int limit) {
		return new OpenAiError(HttpStatus.TOO_MANY_REQUESTS,
				"Too many model calls at once: your plan allows " + limit
						+ " in progress at a time, over all your agents. Try again when one has finished.",
				"requests", "concurrency_limit_exceeded", null, Duration.ofSeconds(2));
	}

	static OpenAiError noUpstream(String alias) {
		return new OpenAiError(HttpStatus.SERVICE_UNAVAILABLE,
				"No model provider is configured to serve '" + alias + "'.", "server_error", "model_unavailable",
				"model", null);
	}

	static OpenAiError upstreamUnavailable() {
		return new OpenAiError(HttpStatus.BAD_GATEWAY,
				"The model provider is unavailable or did not answer in time. Try again shortly.", "server_error",
				"upstream_unavailable", null, Duration.ofSeconds(5));
	}

	static OpenAiError unavailable() {
		return new OpenAiError(HttpStatus.SERVICE_UNAVAILABLE,
				"The model proxy cannot check your quota right now. Try again shortly.", "server_error",
				"service_unavailable", null, Duration.ofSeconds(5));
	}

	static OpenAiError meteringUnavailable() {
		return new OpenAiError(HttpStatus.SERVICE_UNAVAILABLE,
				"Metering is unavailable, try again shortly: the platform cannot check your plan's quota right now, "
						+ "and calls it cannot meter are not served on your plan.",
				"server_error", "metering_unavailable", null, Duration.ofSeconds(5));
	}

	static OpenAiError internal(String requestId) {
		return new OpenAiError(HttpStatus.INTERNAL_SERVER_ERROR,
				"The server had an error while processing your request (request id " + requestId + ").", "server_error",
				null, null, null);
	}

	HttpStatus status() {
		return this.status;
	}

	Duration retryAfter() {
		return this.retryAfter;
	}

	String type() {
		return this.type;
	}

	String code() {
		return this.code;
	}

	/** The error document. */
	Map<String, Object> body() {
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("message", getMessage());
		error.put("type", this.type);
		error.put("param", this.param);
		error.put("code", this.code);
		return Map.of("error", error);
	}

}
