package com.lingxi.gateway;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.ManagementPorts;
import com.lingxi.common.trust.TrustProperties;
import com.lingxi.gateway.admission.Admission;
import com.lingxi.gateway.admission.AdmissionFilter;
import com.lingxi.gateway.admission.SignedOutTokens;
import com.lingxi.gateway.auth.AccessTokenVerifier;
import com.lingxi.gateway.auth.AuthenticationFilter;
import com.lingxi.gateway.auth.JwksCache;
import com.lingxi.gateway.edge.BodySizeLimitFilter;
import com.lingxi.gateway.edge.EdgeFilter;
import com.lingxi.gateway.routing.EdgeAssertionFilter;

/** The gateway's web filters, in the order a request meets them. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TrustProperties.class)
class GatewayConfiguration {

	@Bean
	EdgeFilter edgeFilter(GatewayProperties properties, ManagementPorts managementPorts) {
		return new EdgeFilter(properties, managementPorts);
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
	EdgeAssertionFilter edgeAssertionFilter(TrustProperties trust) {
		if (trust.edgeMasterKey() == null || trust.edgeMasterKey().isBlank()) {
			throw new IllegalStateException("lingxi.trust.edge-master-key (LINGXI_TRUST_EDGE_MASTER_KEY) is not set:"
					+ " the gateway cannot vouch for the requests it forwards. ./lingxi up generates it; on Kubernetes"
					+ " it comes from the gateway's trust Secret (docs/security.md).");
		}
		return new EdgeAssertionFilter(new EdgeAssertions.Signer(
				EdgeAssertions.decodeKey(trust.edgeMasterKey(), "lingxi.trust.edge-master-key"),
				trust.edgeAssertionTtl(), Clock.systemUTC()));
	}

	@Bean(initMethod = "start", destroyMethod = "stop")
	SignedOutTokens signedOutTokens(LingxiRedis redis, GatewayProperties properties) {
		return new SignedOutTokens(redis, properties.signedOutRefresh());
	}

	@Bean
	AdmissionFilter admissionFilter(LingxiRedis redis, GatewayProperties properties,
			AuthenticationFilter authentication, SignedOutTokens signedOut, MeterRegistry meters) {
		return new AdmissionFilter(new Admission(redis), properties.rateLimit(), authentication, signedOut, meters);
	}

}
