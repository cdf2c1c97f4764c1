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
 * When Redis cannot be asked, a Redis outage must not take the API down with it, nor open
 * it: a signed-out token is still refused from this gateway's copy of the signed-out
 * tokens ({@link SignedOutTokens}), and the rate limits hold per gateway replica from
 * buckets in memory. Each such request is counted in
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

	private final SignedOutTokens signedOut;

	private final LocalBuckets fallback = new LocalBuckets();

	public AdmissionFilter(Admission admission, GatewayProperties.RateLimit limits, AuthenticationFilter authentication,
			SignedOutTokens signedOut, MeterRegistry meters) {
		this.admission = admission;
		this.limits = limits;
		this.authentication = authentication;
		this.signedOut = signedOut;
		this.unavailable = Counter.builder("lingxi.gateway.redis.unavailable")
			.description(
					"Requests admitted from this gateway's own copies (rate limit, signed-out tokens) because Redis failed")
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
		GatewayProperties.Limit applied = (this.limits.enabled() && api) ? limit : null;
		String jti = (caller != null) ? caller.jti() : null;
		return this.admission.check(bucket, applied, jti).doOnNext((decision) -> {
			if (decision.signedOut()) {
				this.signedOut.remember(jti);
			}
		}).onErrorResume((ex) -> {
			this.unavailable.increment();
			log.warn("Admission check failed, deciding from this gateway's own copies: {}", ex.toString());
			return Mono.just(locally(bucket, applied, jti));
		}).flatMap((decision) -> admit(exchange, decision)).flatMap(chain::filter);
	}

	/** The decision without Redis: the copy of signed-out tokens, buckets in memory. */
	private Admission.Decision locally(String bucket, GatewayProperties.Limit limit, String jti) {
		if (jti != null && this.signedOut.contains(jti)) {
			return new Admission.Decision(true, false, 0, 0, 0);
		}
		if (limit == null) {
			return new Admission.Decision(false, true, 0, 0, 0);
		}
		boolean allowed = this.fallback.take(bucket, limit.requestsPerSecond(), limit.burst());
		return new Admission.Decision(false, allowed, limit.burst(), allowed ? 1 : 0,
				allowed ? 0 : (long) Math.ceil(1000 / Math.max(limit.requestsPerSecond(), 0.001)));
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
