package com.lingxi.gateway.admission;

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
 * Lets an API request in or not, after authentication: refuses signed-out access tokens
 * (401) and limits requests per user (by plan) or, for anonymous callers, per client
 * address (429 with {@code Retry-After}). Every API answer carries
 * {@code X-RateLimit-Limit} and {@code X-RateLimit-Remaining}.
 *
 * <p>
 * When Redis cannot be asked, requests pass (fail open): a Redis outage must not take the
 * API down with it. Access tokens live for minutes, so a signed-out token stays usable at
 * most that long during an outage. Each such request is counted in
 * {@code lingxi.gateway.redis.unavailable} so that an alert can fire.
 */
public final class AdmissionFilter implements WebFilter, Ordered {

	public static final int ORDER = AuthenticationFilter.ORDER + 10;

	private static final Logger log = LoggerFactory.getLogger(AdmissionFilter.class);

	private final Admission admission;

	private final GatewayProperties.RateLimit limits;

	private final AuthenticationFilter authentication;

	private final Counter unavailable;

	private final Counter refused;

	public AdmissionFilter(Admission admission, GatewayProperties.RateLimit limits, AuthenticationFilter authentication,
			MeterRegistry meters) {
		this.admission = admission;
		this.limits = limits;
		this.authentication = authentication;
		this.unavailable = Counter.builder("lingxi.gateway.redis.unavailable")
			.description("Requests let through unchecked (rate limit, signed-out tokens) because Redis failed")
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
		AccessTokenVerifier.Caller caller = exchange.getAttribute(AuthenticationFilter.CALLER);
		boolean api = exchange.getRequest().getPath().value().startsWith("/api/");
		if ((!api && caller == null) || CorsUtils.isPreFlightRequest(exchange.getRequest())) {
			return chain.filter(exchange);
		}
		String bucket;
		GatewayProperties.Limit limit;
		if (caller != null) {
			bucket = "user:" + caller.userId();
			limit = this.limits.forPlan(caller.plan());
		}
		else {
			bucket = "ip:" + exchange.getAttributeOrDefault(EdgeFilter.CLIENT_IP, "unknown");
			limit = this.limits.anonymous();
		}
		return this.admission
			.check(bucket, (this.limits.enabled() && api) ? limit : null, (caller != null) ? caller.jti() : null)
			.onErrorResume((ex) -> {
				this.unavailable.increment();
				log.warn("Admission check failed, letting the request through: {}", ex.toString());
				return Mono.empty();
			})
			.flatMap((decision) -> admit(exchange, decision))
			.defaultIfEmpty(exchange)
			.flatMap(chain::filter);
	}

	private Mono<ServerWebExchange> admit(ServerWebExchange exchange, Admission.Decision decision) {
		if (decision.signedOut()) {
			return this.authentication.signedOut(exchange);
		}
		if (decision.limit() > 0) {
			HttpHeaders headers = exchange.getResponse().getHeaders();
			headers.set("X-RateLimit-Limit", Long.toString(decision.limit()));
			headers.set("X-RateLimit-Remaining", Long.toString(decision.remaining()));
		}
		if (decision.allowed()) {
			return Mono.just(exchange);
		}
		this.refused.increment();
		return Mono.error(ProblemException.tooManyRequests(ProblemTypes.RATE_LIMITED, "Too many requests",
				"You are sending requests faster than your plan allows. Slow down and retry.",
				Duration.ofMillis(decision.retryAfterMillis())));
	}

}
