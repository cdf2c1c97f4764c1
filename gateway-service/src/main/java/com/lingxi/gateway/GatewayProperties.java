package com.lingxi.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The gateway's own settings (routes are
 * {@code spring.cloud.gateway.server.webflux.routes}).
 *
 * @param jwt access token verification
 * @param protectedPaths paths that need a valid access token
 * @param publicPaths exceptions to {@code protectedPaths}, optionally prefixed by a
 * method ({@code "GET /api/skills/**"})
 * @param maxBodySize largest request body accepted
 * @param trustedProxies addresses or CIDR ranges of load balancers in front of the
 * gateway whose {@code X-Forwarded-For} is believed; empty means the TCP peer is the
 * client
 * @param behindLoadBalancer the gateway is only reachable through load balancers: it
 * refuses to start without {@code trustedProxies} and answers a request from any other
 * peer with 403 (so that nobody bypasses the balancer, and clients are told apart by
 * their own addresses, not the balancer's)
 * @param hsts whether to send {@code Strict-Transport-Security} (when served over https)
 * @param rateLimit request rate limits
 * @param routeTimeouts time limit per route id (circuit breaker time limiter); routes
 * without an entry use {@code defaultRouteTimeout}
 * @param defaultRouteTimeout time limit of a routed request
 * @param signedOutRefresh how often the gateway copies the signed-out tokens from Redis
 * (the copy it checks while Redis is unreachable)
 */
@ConfigurationProperties(prefix = "lingxi.gateway")
public record GatewayProperties(@DefaultValue Jwt jwt, @DefaultValue("/api/**") List<String> protectedPaths,
		@DefaultValue( {
				"/api/auth/**", "/api/dev/**" }) List<String> publicPaths,
		@DefaultValue("1MB") DataSize maxBodySize, @DefaultValue List<String> trustedProxies,
		@DefaultValue("false") boolean behindLoadBalancer, @DefaultValue("false") boolean hsts,
		@DefaultValue RateLimit rateLimit, Map<String, Duration> routeTimeouts,
		@DefaultValue("15s") Duration defaultRouteTimeout, @DefaultValue("10s") Duration signedOutRefresh){

	/**
	 * Access token verification.
	 *
	 * @param jwksUri where user-service publishes its keys ({@code lb://} names resolve
	 * through discovery)
	 * @param issuer required {@code iss}
	 * @param audience required {@code aud}
	 * @param cacheTtl how long fetched keys are trusted before they are fetched again
	 * @param minRefreshInterval at most one extra fetch per this interval for tokens with
	 * an unknown key id
	 * @param clockSkew tolerance for {@code exp} and {@code nbf}
	 * @param verifiedTokenCacheSize how many verified tokens are remembered (until they
	 * expire)
	 * @param verificationsPerSecond signature checks of not-yet-verified tokens one
	 * client address may cause per second (0: no limit), counted before the check so that
	 * forged tokens cannot buy CPU
	 * @param verificationBurst how many such checks an address may make at once
	 */
	public record Jwt(@DefaultValue("http://user-service/.well-known/jwks.json") String jwksUri,
			@DefaultValue("https://lingxi.cloud") String issuer, @DefaultValue("lingxi-api") String audience,
			@DefaultValue("5m") Duration cacheTtl, @DefaultValue("10s") Duration minRefreshInterval,
			@DefaultValue("30s") Duration clockSkew, @DefaultValue("100000") long verifiedTokenCacheSize,
			@DefaultValue("10") double verificationsPerSecond, @DefaultValue("30") int verificationBurst) {

	}

	/**
	 * Rate limits (token buckets in Redis).
	 *
	 * @param enabled whether requests are limited
	 * @param anonymous the limit per client address for requests without a token
	 * @param plans the limit per user, by plan; plans not listed get {@code defaultPlan}
	 * @param defaultPlan the limit of a plan not listed
	 */
	public record RateLimit(@DefaultValue("true") boolean enabled, Limit anonymous, Map<String, Limit> plans,
			Limit defaultPlan) {

		public RateLimit {
			anonymous = (anonymous != null) ? anonymous : new Limit(5, 20);
			defaultPlan = (defaultPlan != null) ? defaultPlan : new Limit(10, 40);
			plans = (plans != null) ? Map.copyOf(plans) : Map.of();
		}

		public Limit forPlan(String plan) {
			return (plan != null && this.plans.containsKey(plan)) ? this.plans.get(plan) : this.defaultPlan;
		}

	}

	/**
	 * A token bucket.
	 *
	 * @param requestsPerSecond sustained rate
	 * @param burst bucket size: requests allowed at once after a quiet period
	 */
	public record Limit(double requestsPerSecond, int burst) {

	}

}
