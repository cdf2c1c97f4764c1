package com.lingxi.common.problem;

import java.net.URI;
import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A domain error that becomes an RFC 9457 problem response: a stable {@code type}, a
 * short {@code title}, a human {@code detail}, and optional extension members.
 *
 * <pre>
 * throw ProblemException.of(HttpStatus.CONFLICT, ProblemTypes.of("phone-taken"), "Phone already registered",
 * 		"Log in instead, or use another number.");
 * </pre>
 */
public class ProblemException extends ErrorResponseException {

	private static final long serialVersionUID = 1L;

	public ProblemException(HttpStatus status, URI type, String title, String detail) {
		super(status, problem(status, type, title, detail), null);
	}

	public static ProblemException of(HttpStatus status, URI type, String title, String detail) {
		return new ProblemException(status, type, title, detail);
	}

	public static ProblemException notFound(String what) {
		return new ProblemException(HttpStatus.NOT_FOUND, ProblemTypes.NOT_FOUND, "Not found",
				what + " was not found.");
	}

	public static ProblemException badRequest(String detail) {
		return new ProblemException(HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request", detail);
	}

	public static ProblemException unauthorized(String detail) {
		return new ProblemException(HttpStatus.UNAUTHORIZED, ProblemTypes.UNAUTHORIZED, "Unauthorized", detail);
	}

	public static ProblemException conflict(URI type, String title, String detail) {
		return new ProblemException(HttpStatus.CONFLICT, type, title, detail);
	}

	public static ProblemException tooManyRequests(URI type, String title, String detail, Duration retryAfter) {
		return new ProblemException(HttpStatus.TOO_MANY_REQUESTS, type, title, detail).retryAfter(retryAfter);
	}

	/** Adds an extension member to the problem body. */
	public ProblemException with(String name, Object value) {
		getBody().setProperty(name, value);
		return this;
	}

	/**
	 * Sets {@code Retry-After} (whole seconds, at least 1) and a matching
	 * {@code retryAfterSeconds} member.
	 */
	public ProblemException retryAfter(Duration wait) {
		long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
		getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
		return with("retryAfterSeconds", seconds);
	}

	private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
		body.setType(type);
		body.setTitle(title);
		return body;
	}

}
