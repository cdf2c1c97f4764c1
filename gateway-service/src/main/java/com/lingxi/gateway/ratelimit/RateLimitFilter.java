package com.lingxi.gateway.ratelimit;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.gateway.GatewayProperties;
import com.lingxi.gateway.auth.AccessTokenVerifier;
import com.lingxi.gateway.auth.AuthenticationFilter;
import com.lingxi.gateway.edge.EdgeFilter;

/**
 * Limits API requests per user (by plan) when authenticated, per client address
 * otherwise. Refusals are 429 problems with {@code Retry-After}; every API answer carries
 * {@code X-RateLimit-Limit} and {@code X-RateLimit-Remaining}.
 *
 * <p>
 * When Redis cannot be asked, requests pass unlimited (fail open): a Redis outage must
 * not take the whole API down with it. Each such request is counted in
 * {@code lingxi.gateway.redis.unavailable{check="rate-limit"}} so that an alert can fire.
 */
public final class RateLimitFilter implements WebFilter, Ordered {

	public static final int ORDER = AuthenticationFilter.ORDER + 10;

	private static final Logger log = LoggerFactory.getLogger(RateLimitFilter.class);

	private final RateLimiter limiter;

	private final GatewayProperties.RateLimit properties;

	private final Counter unavailable;

	private final Counter refused;

	public RateLimitFilter(RateLimiter limiter, GatewayProperties.RateLimit properties, MeterRegistry meters) {
		this.limiter = limiter;
		this.properties = properties;
		this.unavailable = Counter.builder("lingxi.gateway.redis.unavailable")
			.tag("check", "rate-limit")
			.description("Requests let through without a rate limit check because Redis failed")
			.register(meters);
		this.refused = Counter.builder("lingxi.gateway.ratelimit.refused")
			.description("Requests refused with 429")
			.register(meters);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!this.properties.enabled() || !exchange.getRequest().getPath().value().startsWith("/api/")
				|| CorsUtils.isPreFlightRequest(exchange.getRequest())) {
			return chain.filter(exchange);
		}
		AccessTokenVerifier.Caller caller = exchange.getAttribute(AuthenticationFilter.CALLER);
		String key;
		GatewayProperties.Limit limit;
		if (caller != null) {
			key = "user:" + caller.userId();
			limit = this.properties.forPlan(caller.plan());
		}
		else {
			key = "ip:" + exchange.getAttributeOrDefault(EdgeFilter.CLIENT_IP, "unknown");
			limit = this.properties.anonymous();
		}
		return this.limiter.take(key, limit).onErrorResume((ex) -> {
			this.unavailable.increment();
			log.warn("Rate limit check failed, letting the request through: {}", ex.toString());
			return Mono.empty();
		}).flatMap((decision) -> {
			HttpHeaders headers = exchange.getResponse().getHeaders();
			headers.set("X-RateLimit-Limit", Long.toString(decision.limit()));
			headers.set("X-RateLimit-Remaining", Long.toString(decision.remaining()));
			if (decision.allowed()) {
				return Mono.just(true);
			}
			this.refused.increment();
			return Mono.<Boolean>error(ProblemException.tooManyRequests(ProblemTypes.RATE_LIMITED, "Too many requests",
					"You are sending requests faster than your plan allows. Slow down and retry.",
					Duration.ofMillis(decision.retryAfterMillis())));
		}).then(Mono.defer(() -> chain.filter(exchange)));
	}

}
