package com.lingxi.common.remote;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import feign.FeignException;
import feign.RetryableException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.reactor.timelimiter.TimeLimiterOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one way reactive code calls another service through a (blocking) Feign client: the
 * call runs on {@code boundedElastic}, never on an event loop, inside a Resilience4j time
 * limiter, circuit breaker and retry named after the remote service, with the caller's
 * request id and identity propagated as headers.
 *
 * <pre>
 * remote.call("agent-service", () -> agents.team(userId))
 * </pre>
 *
 * Client errors (4xx) are the callee's answer, not a failure: they neither count against
 * the circuit nor get retried.
 */
public final class RemoteCalls {

	private final RemoteCallProperties properties;

	private final CircuitBreakerRegistry circuitBreakers;

	private final Map<String, Guards> guards = new ConcurrentHashMap<>();

	public RemoteCalls(RemoteCallProperties properties, CircuitBreakerRegistry circuitBreakers) {
		this.properties = properties;
		this.circuitBreakers = circuitBreakers;
	}

	/** Runs {@code call} against {@code service}; errors propagate after retries. */
	public <T> Mono<T> call(String service, Callable<T> call) {
		Guards guard = this.guards.computeIfAbsent(service, this::guards);
		return Mono
			.deferContextual((context) -> Mono.fromCallable(() -> RemoteCallContext.callWith(context, call))
				.subscribeOn(Schedulers.boundedElastic()))
			.transformDeferred(TimeLimiterOperator.of(guard.timeLimiter()))
			.transformDeferred(CircuitBreakerOperator.of(guard.circuitBreaker()))
			.transformDeferred(RetryOperator.of(guard.retry()));
	}

	/** As {@link #call(String, Callable)}, answering with {@code fallback} on failure. */
	public <T> Mono<T> call(String service, Callable<T> call, Function<Throwable, Mono<T>> fallback) {
		return call(service, call).onErrorResume(fallback);
	}

	/** The circuit breaker guarding a service (for health and tests). */
	public CircuitBreaker circuitBreaker(String service) {
		return this.guards.computeIfAbsent(service, this::guards).circuitBreaker();
	}

	private Guards guards(String service) {
		RemoteCallProperties.Policy policy = this.properties.policy(service);
		CircuitBreakerConfig breaker = CircuitBreakerConfig.custom()
			.failureRateThreshold(policy.failureRateThreshold())
			.slidingWindowSize(policy.slidingWindowSize())
			.minimumNumberOfCalls(Math.min(policy.slidingWindowSize(), 10))
			.waitDurationInOpenState(policy.openDuration())
			.permittedNumberOfCallsInHalfOpenState(3)
			.ignoreExceptions(FeignException.FeignClientException.class)
			.build();
		RetryConfig retry = RetryConfig.custom()
			.maxAttempts(Math.max(1, policy.maxAttempts()))
			.intervalFunction(IntervalFunction.ofExponentialBackoff(policy.backoff(), 2.0))
			.retryOnException(RemoteCalls::worthRetrying)
			.build();
		TimeLimiterConfig limiter = TimeLimiterConfig.custom()
			.timeoutDuration(policy.timeout())
			.cancelRunningFuture(true)
			.build();
		return new Guards(this.circuitBreakers.circuitBreaker(service, breaker), Retry.of(service, retry),
				TimeLimiter.of(service, limiter));
	}

	static boolean worthRetrying(Throwable ex) {
		if (ex instanceof CallNotPermittedException || ex instanceof FeignException.FeignClientException) {
			return false;
		}
		if (ex instanceof RetryableException || ex instanceof TimeoutException || ex instanceof IOException) {
			return true;
		}
		if (ex instanceof FeignException feign) {
			return feign.status() >= 500 || feign.status() < 0;
		}
		return ex.getCause() instanceof IOException;
	}

	private record Guards(CircuitBreaker circuitBreaker, Retry retry, TimeLimiter timeLimiter) {
	}

}
