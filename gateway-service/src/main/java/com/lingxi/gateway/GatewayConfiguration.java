package com.lingxi.gateway;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.gateway.admission.Admission;
import com.lingxi.gateway.admission.AdmissionFilter;
import com.lingxi.gateway.auth.AccessTokenVerifier;
import com.lingxi.gateway.auth.AuthenticationFilter;
import com.lingxi.gateway.auth.JwksCache;
import com.lingxi.gateway.edge.BodySizeLimitFilter;
import com.lingxi.gateway.edge.EdgeFilter;

/** The gateway's web filters, in the order a request meets them. */
@Configuration(proxyBeanMethods = false)
class GatewayConfiguration {

	@Bean
	EdgeFilter edgeFilter(GatewayProperties properties) {
		return new EdgeFilter(properties);
	}

	@Bean
	BodySizeLimitFilter bodySizeLimitFilter(GatewayProperties properties) {
		return new BodySizeLimitFilter(properties.maxBodySize().toBytes());
	}

	@Bean
	JwksCache jwksCache(WebClient.Builder loadBalancedWebClient, GatewayProperties properties) {
		return new JwksCache(loadBalancedWebClient.build(), properties.jwt());
	}

	@Bean
	AuthenticationFilter authenticationFilter(JwksCache keys, GatewayProperties properties) {
		return new AuthenticationFilter(new AccessTokenVerifier(keys, properties.jwt()), properties);
	}

	@Bean
	AdmissionFilter admissionFilter(LingxiRedis redis, GatewayProperties properties,
			AuthenticationFilter authentication, MeterRegistry meters) {
		return new AdmissionFilter(new Admission(redis), properties.rateLimit(), authentication, meters);
	}

}
