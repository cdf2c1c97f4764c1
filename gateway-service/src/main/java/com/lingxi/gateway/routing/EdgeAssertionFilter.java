package com.lingxi.gateway.routing;

import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.TrustHeaders;
import com.lingxi.gateway.auth.AccessTokenVerifier;
import com.lingxi.gateway.auth.AuthenticationFilter;
import com.lingxi.gateway.edge.EdgeFilter;

/**
 * Signs, for every request the gateway forwards, an edge assertion addressed to the
 * route's service: the verified user (if any), the client address and the request id.
 * Services believe nothing else about a request; a client's own copy of the header was
 * removed at the edge.
 */
public final class EdgeAssertionFilter implements GlobalFilter, Ordered {

	private final EdgeAssertions.Signer signer;

	public EdgeAssertionFilter(EdgeAssertions.Signer signer) {
		this.signer = signer;
	}

	@Override
	public int getOrder() {
		return 0;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		String audience = (route != null) ? service(route.getUri()) : null;
		if (audience == null) {
			return chain.filter(exchange);
		}
		AccessTokenVerifier.Caller caller = exchange.getAttribute(AuthenticationFilter.CALLER);
		String requestId = RequestIds.of(exchange);
		String clientIp = exchange.getAttributeOrDefault(EdgeFilter.CLIENT_IP, "unknown");
		EdgeAssertion assertion = (caller != null)
				? new EdgeAssertion(requestId, clientIp, caller.userId(), caller.plan(), caller.jti())
				: EdgeAssertion.anonymous(requestId, clientIp);
		String signed = this.signer.sign(audience, assertion);
		ServerHttpRequest request = exchange.getRequest()
			.mutate()
			.headers((headers) -> headers.set(TrustHeaders.EDGE, signed))
			.build();
		return chain.filter(exchange.mutate().request(request).build());
	}

	/**
	 * The service a route's URI names: {@code lb://user-service},
	 * {@code lb:ws://instance-service} or a plain {@code http://host:port} (its host).
	 */
	static String service(URI uri) {
		if (uri.getHost() != null) {
			return uri.getHost();
		}
		String nested = uri.getSchemeSpecificPart();
		if (nested != null && nested.contains("://")) {
			return URI.create(nested).getHost();
		}
		return null;
	}

}
