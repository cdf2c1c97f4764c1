package com.lingxi.gateway.routing;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;

import org.springframework.cloud.circuitbreaker.resilience4j.ReactiveResilience4JCircuitBreakerFactory;
import org.springframework.cloud.circuitbreaker.resilience4j.Resilience4JConfigBuilder;
import org.springframework.cloud.client.circuitbreaker.Customizer;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.gateway.GatewayProperties;

/**
 * Circuit breakers of the routes (named after the service they protect) and the
 * load-balanced HTTP client the gateway uses for its own calls.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

	/**
	 * Each route's breaker opens when half of at least ten calls in its window fail,
	 * refuses calls for ten seconds, then lets a few through to test the service. Its
	 * time limiter is the route's timeout ({@code lingxi.gateway.route-timeouts.<id>}).
	 */
	@Bean
	Customizer<ReactiveResilience4JCircuitBreakerFactory> routeCircuitBreakers(GatewayProperties properties) {
		return (factory) -> factory.configureDefault((id) -> new Resilience4JConfigBuilder(id)
			.circuitBreakerConfig(CircuitBreakerConfig.custom()
				.slidingWindowSize(20)
				.minimumNumberOfCalls(10)
				.failureRateThreshold(50)
				.waitDurationInOpenState(Duration.ofSeconds(10))
				.permittedNumberOfCallsInHalfOpenState(3)
				.build())
			.timeLimiterConfig(TimeLimiterConfig.custom()
				.timeoutDuration((properties.routeTimeouts() != null && properties.routeTimeouts().containsKey(id))
						? properties.routeTimeouts().get(id) : properties.defaultRouteTimeout())
				.build())
			.build());
	}

	@Bean
	@LoadBalanced
	WebClient.Builder loadBalancedWebClient() {
		return WebClient.builder();
	}

}
