package com.lingxi.common.problem;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

/**
 * Stable problem {@code type} URIs. Clients switch on these, so a type, once published,
 * never changes meaning.
 */
public final class ProblemTypes {

	/** Every Lingxi problem type starts with this. */
	public static final String BASE = "https://lingxi.cloud/problems/";

	public static final URI VALIDATION = of("validation");

	public static final URI MALFORMED_REQUEST = of("malformed-request");

	public static final URI UNAUTHORIZED = of("unauthorized");

	public static final URI FORBIDDEN = of("forbidden");

	public static final URI NOT_FOUND = of("not-found");

	public static final URI METHOD_NOT_ALLOWED = of("method-not-allowed");

	public static final URI NOT_ACCEPTABLE = of("not-acceptable");

	public static final URI CONFLICT = of("conflict");

	public static final URI PAYLOAD_TOO_LARGE = of("payload-too-large");

	public static final URI UNSUPPORTED_MEDIA_TYPE = of("unsupported-media-type");

	public static final URI RATE_LIMITED = of("rate-limited");

	public static final URI SERVICE_UNAVAILABLE = of("service-unavailable");

	public static final URI GATEWAY_TIMEOUT = of("gateway-timeout");

	public static final URI INTERNAL = of("internal");

	private ProblemTypes() {
	}

	public static URI of(String slug) {
		return URI.create(BASE + slug);
	}

	/** The generic type for a status, used when an error carries no type of its own. */
	public static URI forStatus(HttpStatusCode status) {
		HttpStatus known = HttpStatus.resolve(status.value());
		if (known == null) {
			return status.is4xxClientError() ? MALFORMED_REQUEST : INTERNAL;
		}
		return switch (known) {
			case BAD_REQUEST -> MALFORMED_REQUEST;
			case UNAUTHORIZED -> UNAUTHORIZED;
			case FORBIDDEN -> FORBIDDEN;
			case NOT_FOUND -> NOT_FOUND;
			case METHOD_NOT_ALLOWED -> METHOD_NOT_ALLOWED;
			case NOT_ACCEPTABLE -> NOT_ACCEPTABLE;
			case CONFLICT -> CONFLICT;
			case CONTENT_TOO_LARGE -> PAYLOAD_TOO_LARGE;
			case UNSUPPORTED_MEDIA_TYPE -> UNSUPPORTED_MEDIA_TYPE;
			case TOO_MANY_REQUESTS -> RATE_LIMITED;
			case SERVICE_UNAVAILABLE, BAD_GATEWAY -> SERVICE_UNAVAILABLE;
			case GATEWAY_TIMEOUT -> GATEWAY_TIMEOUT;
			case UNPROCESSABLE_CONTENT -> VALIDATION;
			default -> status.is4xxClientError() ? of(slug(known)) : INTERNAL;
		};
	}

	private static String slug(HttpStatus status) {
		return status.name().toLowerCase().replace('_', '-');
	}

}
