package com.lingxi.common.problem;

import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.validation.ConstraintViolationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.Ordered;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.validation.FieldError;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebExceptionHandler;

import com.lingxi.common.identity.RequestIds;

/**
 * Turns every error that leaves a handler or a filter into an RFC 9457 problem response.
 * It runs before Spring Boot's default error handler, so no service ever answers with
 * Boot's error JSON or a stack trace. Unexpected errors are logged with the request id
 * and answered with a generic 500 that quotes that id.
 *
 * <p>
 * A server error (5xx) shows a stable type, a plain detail and the request id, never what
 * went wrong inside: the framework's and libraries' reasons (which name upstream URLs,
 * hosts, ports and exceptions) are replaced by a plain detail for the status, and a
 * {@link ProblemException} whose detail or members look internal (a URL, an address, a
 * host and port, a Java class or exception name) is answered the same way. The cause goes
 * to the log with the request id.
 */
public final class ProblemWebExceptionHandler implements WebExceptionHandler, Ordered {

	/** Before Boot's {@code DefaultErrorWebExceptionHandler} (-1). */
	public static final int ORDER = -2;

	private static final Logger log = LoggerFactory.getLogger(ProblemWebExceptionHandler.class);

	/**
	 * What must not reach a user in a server error: URLs, IPv4 addresses, host:port,
	 * exception and error class names, qualified Java names.
	 */
	private static final Pattern INTERNAL = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*://|\\b\\d{1,3}(\\.\\d{1,3}){3}\\b"
			+ "|\\b[A-Za-z][A-Za-z0-9-]*:\\d{2,5}\\b|\\b[A-Z]\\w*(Exception|Error)\\b|\\b([a-z_][a-z0-9_]*\\.){2,}[A-Z]\\w*");

	/**
	 * Lettuce's own failures (not connected, connection closed); its subclasses are
	 * answers from Redis.
	 */
	private static final String REDIS_CLIENT_FAILURE = "io.lettuce.core.RedisException";

	private static final Set<String> UNAVAILABLE = Set.of("io.lettuce.core.RedisConnectionException",
			"io.lettuce.core.RedisCommandTimeoutException",
			"io.r2dbc.postgresql.PostgresqlConnectionFactory$PostgresConnectionException",
			"org.springframework.dao.QueryTimeoutException",
			"org.springframework.dao.TransientDataAccessResourceException",
			// Opening a transaction while PostgreSQL is unreachable: the pool's
			// connection
			// validation fails, or no connection can be had in time.
			"org.springframework.transaction.CannotCreateTransactionException",
			"io.r2dbc.spi.R2dbcNonTransientResourceException", "reactor.pool.PoolAcquireTimeoutException",
			"io.r2dbc.postgresql.client.ReactorNettyClient$PostgresConnectionClosedException");

	private final JsonMapper json;

	public ProblemWebExceptionHandler(JsonMapper json) {
		this.json = json;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(ex);
		}
		Problem problem = toProblem(ex, exchange);
		problem.body().setProperty("requestId", RequestIds.of(exchange));
		if (problem.body().getInstance() == null) {
			problem.body().setInstance(URI.create(exchange.getRequest().getPath().value()));
		}
		response.setStatusCode(problem.status());
		HttpHeaders headers = response.getHeaders();
		headers.clearContentHeaders();
		problem.headers().forEach((name, values) -> {
			if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)
					&& !name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH)) {
				headers.put(name, values);
			}
		});
		headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		byte[] bytes = json.writeValueAsBytes(render(problem.body()));
		DataBuffer buffer = response.bufferFactory().wrap(bytes);
		return response.writeWith(Mono.just(buffer));
	}

	private Problem toProblem(Throwable ex, ServerWebExchange exchange) {
		if (ex instanceof WebExchangeBindException bind) {
			return validation(bind.getStatusCode(), fieldErrors(bind), bind.getHeaders());
		}
		if (ex instanceof HandlerMethodValidationException methodValidation) {
			return validation(methodValidation.getStatusCode(), parameterErrors(methodValidation), HttpHeaders.EMPTY);
		}
		if (ex instanceof ConstraintViolationException violations) {
			List<Map<String, String>> errors = violations.getConstraintViolations()
				.stream()
				.map((v) -> fieldError(leaf(v.getPropertyPath().toString()), v.getMessage()))
				.toList();
			return validation(HttpStatus.BAD_REQUEST, errors, HttpHeaders.EMPTY);
		}
		if (hasCause(ex, DataBufferLimitException.class)) {
			return simple(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
					"The request body is larger than this endpoint accepts.");
		}
		if (ex instanceof ServerWebInputException input && !(ex instanceof WebExchangeBindException)) {
			return simple(HttpStatus.BAD_REQUEST, ProblemTypes.MALFORMED_REQUEST, "Malformed request",
					inputDetail(input));
		}
		if (ex instanceof ErrorResponse error) {
			ProblemDetail body = copy(error.getBody());
			HttpStatusCode status = error.getStatusCode();
			if (body.getType() == null || "about:blank".equals(body.getType().toString())) {
				body.setType(ProblemTypes.forStatus(status));
			}
			if (status.value() == HttpStatus.NOT_FOUND.value() && !(ex instanceof ProblemException)) {
				body.setDetail("No endpoint " + exchange.getRequest().getMethod() + " "
						+ exchange.getRequest().getPath().value() + ".");
			}
			if (status.is5xxServerError() && !(ex instanceof ProblemException)) {
				log.warn("Request {} failed with {}: {}", RequestIds.of(exchange), status.value(), ex.toString());
				return simple(status, ProblemTypes.forStatus(status), defaultTitle(status.value()), plainDetail(status),
						error.getHeaders());
			}
			if (status.is5xxServerError() && looksInternal(body)) {
				log.warn("Request {}: the {} problem {} carried internal details, which were replaced: {} {}",
						RequestIds.of(exchange), status.value(), body.getType(), body.getDetail(),
						body.getProperties());
				return simple(status, body.getType(), body.getTitle(), plainDetail(status), error.getHeaders());
			}
			return new Problem(status, body, error.getHeaders());
		}
		if (dependencyUnavailable(ex)) {
			log.warn("Request {} failed, a dependency is unavailable: {}", RequestIds.of(exchange), ex.toString());
			ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
					plainDetail(HttpStatus.SERVICE_UNAVAILABLE));
			body.setType(ProblemTypes.SERVICE_UNAVAILABLE);
			body.setTitle("Service unavailable");
			HttpHeaders headers = new HttpHeaders();
			headers.set(HttpHeaders.RETRY_AFTER, "5");
			return new Problem(HttpStatus.SERVICE_UNAVAILABLE, body, headers);
		}
		log.error("Unexpected error on {} {} (request {})", exchange.getRequest().getMethod(),
				exchange.getRequest().getPath().value(), RequestIds.of(exchange), ex);
		return simple(HttpStatus.INTERNAL_SERVER_ERROR, ProblemTypes.INTERNAL, "Internal error",
				plainDetail(HttpStatus.INTERNAL_SERVER_ERROR));
	}

	/** What a user is told about a server error with this status. */
	private static String plainDetail(HttpStatusCode status) {
		return switch (status.value()) {
			case 502 -> "A service this request needs did not answer properly. Try again shortly.";
			case 503 -> "A service this request needs is unavailable. Try again shortly.";
			case 504 -> "A service this request needs did not answer in time. Try again.";
			default -> "Something went wrong on our side. Quote the request id when you contact support.";
		};
	}

	/** Whether a problem's detail or a text member names something internal. */
	private static boolean looksInternal(ProblemDetail body) {
		if (body.getDetail() != null && INTERNAL.matcher(body.getDetail()).find()) {
			return true;
		}
		return body.getProperties() != null && body.getProperties()
			.values()
			.stream()
			.anyMatch((value) -> value instanceof CharSequence text && INTERNAL.matcher(text).find());
	}

	private static String inputDetail(ServerWebInputException input) {
		if (hasCause(input, JacksonException.class) || hasCause(input, DecodingException.class)) {
			return "The request body is not valid JSON for this endpoint.";
		}
		String reason = input.getReason();
		return (reason != null) ? reason : "The request could not be read.";
	}

	private static Problem validation(HttpStatusCode status, List<Map<String, String>> errors, HttpHeaders headers) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(status,
				"The request has " + errors.size() + " invalid field" + ((errors.size() == 1) ? "" : "s") + ".");
		body.setType(ProblemTypes.VALIDATION);
		body.setTitle("Invalid request");
		body.setProperty("errors", errors);
		return new Problem(status, body, headers);
	}

	private static List<Map<String, String>> fieldErrors(WebExchangeBindException bind) {
		List<Map<String, String>> errors = new ArrayList<>();
		for (FieldError error : bind.getFieldErrors()) {
			errors.add(fieldError(error.getField(), error.getDefaultMessage()));
		}
		bind.getGlobalErrors()
			.forEach((error) -> errors.add(fieldError(error.getObjectName(), error.getDefaultMessage())));
		return errors;
	}

	private static List<Map<String, String>> parameterErrors(HandlerMethodValidationException ex) {
		List<Map<String, String>> errors = new ArrayList<>();
		ex.getParameterValidationResults().forEach((result) -> {
			String name = result.getMethodParameter().getParameterName();
			result.getResolvableErrors().forEach((error) -> errors.add(fieldError(name, error.getDefaultMessage())));
		});
		return errors;
	}

	private static Map<String, String> fieldError(String field, String message) {
		Map<String, String> error = new LinkedHashMap<>();
		error.put("field", field);
		error.put("message", message);
		return error;
	}

	private static String leaf(String path) {
		int dot = path.lastIndexOf('.');
		return (dot < 0) ? path : path.substring(dot + 1);
	}

	private static Problem simple(HttpStatus status, URI type, String title, String detail) {
		return simple(status, type, title, detail, HttpHeaders.EMPTY);
	}

	private static Problem simple(HttpStatusCode status, URI type, String title, String detail, HttpHeaders headers) {
		ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
		body.setType(type);
		body.setTitle(title);
		return new Problem(status, body, headers);
	}

	private static ProblemDetail copy(ProblemDetail source) {
		ProblemDetail body = ProblemDetail.forStatus(source.getStatus());
		body.setType(source.getType());
		body.setTitle(source.getTitle());
		body.setDetail(source.getDetail());
		body.setInstance(source.getInstance());
		if (source.getProperties() != null) {
			source.getProperties().forEach(body::setProperty);
		}
		return body;
	}

	private static Map<String, Object> render(ProblemDetail body) {
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("type", String.valueOf(body.getType()));
		out.put("title", (body.getTitle() != null) ? body.getTitle() : defaultTitle(body.getStatus()));
		out.put("status", body.getStatus());
		if (body.getDetail() != null) {
			out.put("detail", body.getDetail());
		}
		if (body.getInstance() != null) {
			out.put("instance", body.getInstance().toString());
		}
		if (body.getProperties() != null) {
			body.getProperties().forEach(out::putIfAbsent);
		}
		return out;
	}

	private static String defaultTitle(int status) {
		HttpStatus known = HttpStatus.resolve(status);
		return (known != null) ? known.getReasonPhrase() : "Error";
	}

	/**
	 * Whether the error is a database or Redis that cannot be reached (matched by class
	 * name, so that services without those clients do not need them on the class path).
	 */
	private static boolean dependencyUnavailable(Throwable ex) {
		for (Throwable t = ex; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			String name = t.getClass().getName();
			if (UNAVAILABLE.contains(name) || REDIS_CLIENT_FAILURE.equals(name) || t instanceof ConnectException
					|| name.startsWith("io.r2dbc.spi.R2dbcTransientResourceException")
					|| name.startsWith("org.springframework.dao.DataAccessResourceFailureException")) {
				return true;
			}
		}
		return false;
	}

	private static boolean hasCause(Throwable ex, Class<? extends Throwable> type) {
		for (Throwable t = ex; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (type.isInstance(t)) {
				return true;
			}
		}
		return false;
	}

	private record Problem(HttpStatusCode status, ProblemDetail body, HttpHeaders headers) {
	}

}
