package com.lingxi.billing.proxy;

import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.ErrorResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import com.lingxi.billing.upstream.ChatRequest;
import com.lingxi.billing.upstream.UpstreamException;
import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemWebExceptionHandler;

/**
 * Renders every error of the proxy listener in OpenAI's format (the listener serves
 * nothing but {@code /v1}, so an unknown path is a 404 {@code unknown_url} too): OpenAI
 * clients (OpenClaw among them) read {@code error.message} and {@code error.code}. An
 * upstream's own client error (a 400 for a too-long context, say) is passed through as
 * the provider sent it.
 */
final class OpenAiErrorHandler implements WebExceptionHandler, Ordered {

	private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

	private final JsonMapper json;

	private final long maxRequestBytes;

	OpenAiErrorHandler(JsonMapper json, long maxRequestBytes) {
		this.json = json;
		this.maxRequestBytes = maxRequestBytes;
	}

	@Override
	public int getOrder() {
		return ProblemWebExceptionHandler.ORDER - 1;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (response.isCommitted()) {
			return Mono.error(ex);
		}
		if (ex instanceof UpstreamException upstream && !upstream.retryable()) {
			return write(response, HttpStatusCode.valueOf(upstream.status()), passThrough(upstream), null);
		}
		OpenAiError error = toError(ex, exchange);
		byte[] body = this.json.writeValueAsBytes(error.body());
		return write(response, error.status(), body, error);
	}

	private OpenAiError toError(Throwable ex, ServerWebExchange exchange) {
		if (ex instanceof OpenAiError error) {
			return error;
		}
		if (ex instanceof ChatRequest.Invalid invalid) {
			return OpenAiError.invalidRequest(invalid.getMessage(), invalid.param());
		}
		if (hasCause(ex, DataBufferLimitException.class)) {
			return OpenAiError.tooLarge(this.maxRequestBytes);
		}
		if (ex instanceof UpstreamException || ex instanceof java.util.concurrent.TimeoutException
				|| ex instanceof io.netty.channel.ChannelException || ex instanceof java.io.IOException
				|| hasCause(ex, java.io.IOException.class)) {
			return OpenAiError.upstreamUnavailable();
		}
		if (ex instanceof ErrorResponse response) {
			HttpStatus resolved = HttpStatus.resolve(response.getStatusCode().value());
			HttpStatus code = (resolved != null) ? resolved : HttpStatus.BAD_REQUEST;
			if (code == HttpStatus.NOT_FOUND && !(ex instanceof ProblemException)) {
				return new OpenAiError(code,
						"Unknown request URL: " + exchange.getRequest().getMethod() + " "
								+ exchange.getRequest().getPath().value() + ".",
						"invalid_request_error", "unknown_url", null, null);
			}
			if (code.is4xxClientError()) {
				String detail = response.getBody().getDetail();
				return new OpenAiError(code, (detail != null) ? detail : code.getReasonPhrase(),
						"invalid_request_error", null, null, null);
			}
		}
		if (ex.getClass().getName().startsWith("io.lettuce.core.Redis")) {
			return OpenAiError.unavailable();
		}
		String requestId = RequestIds.of(exchange);
		log.error("Model proxy request {} failed", requestId, ex);
		return OpenAiError.internal(requestId);
	}

	/** The provider's error body if it is OpenAI-shaped, else wrapped into that shape. */
	private byte[] passThrough(UpstreamException upstream) {
		try {
			JsonNode body = this.json.readTree(upstream.body());
			if (body != null && body.path("error").isObject()) {
				return upstream.body();
			}
		}
		catch (JacksonException ex) {
			// not JSON: wrap it below
		}
		String text = new String(upstream.body(), StandardCharsets.UTF_8);
		if (text.length() > 500) {
			text = text.substring(0, 500);
		}
		OpenAiError error = new OpenAiError(HttpStatus.BAD_REQUEST, "The model provider refused the request: " + text,
				"invalid_request_error", "upstream_rejected", null, null);
		return this.json.writeValueAsBytes(error.body());
	}

	private static Mono<Void> write(ServerHttpResponse response, HttpStatusCode status, byte[] body,
			OpenAiError error) {
		response.setStatusCode(status);
		HttpHeaders headers = response.getHeaders();
		headers.clearContentHeaders();
		headers.setContentType(MediaType.APPLICATION_JSON);
		if (error != null && error.retryAfter() != null) {
			headers.set(HttpHeaders.RETRY_AFTER,
					Long.toString(Math.max(1, (error.retryAfter().toMillis() + 999) / 1000)));
		}
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

	private static boolean hasCause(Throwable ex, Class<? extends Throwable> type) {
		for (Throwable t = ex; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (type.isInstance(t)) {
				return true;
			}
		}
		return false;
	}

}
