package com.lingxi.gateway.routing;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;

/**
 * Where a route's circuit breaker sends requests it cannot serve: a 503 problem naming
 * the service (or 504 when the service was too slow), with {@code Retry-After}. The cause
 * goes to the log only. Only a circuit breaker's forward reaches it: called directly it
 * is a 404 like any unknown path, so that nobody can make the gateway answer a 503 about
 * a name of their choosing.
 */
@RestController
class FallbackController {

	private static final Logger log = LoggerFactory.getLogger(FallbackController.class);

	@RequestMapping("/fallback/{service}")
	Mono<Void> fallback(@PathVariable String service, ServerWebExchange exchange) {
		Throwable cause = exchange.getAttribute(ServerWebExchangeUtils.CIRCUITBREAKER_EXECUTION_EXCEPTION_ATTR);
		if (cause == null) {
			return Mono.error(new ResponseStatusException(HttpStatus.NOT_FOUND));
		}
		if (cause instanceof CallNotPermittedException) {
			log.debug("{} refused by its open circuit breaker", service);
		}
		else {
			log.warn("{} failed (request {}): {}", service, RequestIds.of(exchange), cause.toString());
		}
		if (cause instanceof TimeoutException) {
			return Mono.error(
					ProblemException
						.of(HttpStatus.GATEWAY_TIMEOUT, ProblemTypes.GATEWAY_TIMEOUT, "Service too slow",
								service + " did not answer in time. Try again.")
						.with("service", service));
		}
		return Mono.error(ProblemException
			.of(HttpStatus.SERVICE_UNAVAILABLE, ProblemTypes.SERVICE_UNAVAILABLE, "Service unavailable",
					service + " is not available right now. Try again shortly.")
			.with("service", service)
			.retryAfter(Duration.ofSeconds(5)));
	}

}
