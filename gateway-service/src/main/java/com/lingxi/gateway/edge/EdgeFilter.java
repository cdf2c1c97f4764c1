package com.lingxi.gateway.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.identity.RequestPaths;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.common.trust.ManagementPorts;
import com.lingxi.common.trust.TrustHeaders;
import com.lingxi.gateway.GatewayProperties;

/**
 * First thing every request meets: gives it a request id, removes every identity header a
 * client might have sent ({@code X-User-*}, {@code X-Client-Ip}, the platform's own
 * credential headers) and states the client address, adds security headers to the
 * response, and writes one access log line when it completes.
 */
public final class EdgeFilter implements WebFilter, Ordered {

	/** Runs first. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	/**
	 * Exchange attribute: the authenticated user id, set by the authentication filter.
	 */
	public static final String USER_ID = EdgeFilter.class.getName() + ".userId";

	/** Exchange attribute: the client address. */
	public static final String CLIENT_IP = EdgeFilter.class.getName() + ".clientIp";

	private static final Logger access = LoggerFactory.getLogger("lingxi.access");

	private final ClientAddress clientAddress;

	private final boolean hsts;

	private final boolean behindLoadBalancer;

	private final ManagementPorts managementPorts;

	public EdgeFilter(GatewayProperties properties, ManagementPorts managementPorts) {
		if (properties.behindLoadBalancer() && properties.trustedProxies().isEmpty()) {
			throw new IllegalStateException("lingxi.gateway.behind-load-balancer is on but no trusted proxy is listed:"
					+ " set LINGXI_GATEWAY_TRUSTED_PROXIES to the load balancers' addresses or CIDR ranges.");
		}
		this.clientAddress = new ClientAddress(properties.trustedProxies());
		this.behindLoadBalancer = properties.behindLoadBalancer();
		this.managementPorts = managementPorts;
		this.hsts = properties.hsts();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		long started = System.nanoTime();
		String requestId = RequestIds.of(exchange);
		if (RequestPaths.ambiguous(exchange.getRequest().getURI().getRawPath())) {
			exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
			return Mono.error(ProblemException.badRequest("The request path is malformed."));
		}
		if (this.behindLoadBalancer && !this.clientAddress.fromTrustedProxy(exchange.getRequest())
				&& !this.managementPorts.served(exchange)) {
			exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
			return Mono.error(ProblemException.of(HttpStatus.FORBIDDEN, ProblemTypes.FORBIDDEN, "Forbidden",
					"Connect through the platform's load balancer."));
		}
		String clientIp = this.clientAddress.of(exchange.getRequest());
		exchange.getAttributes().put(CLIENT_IP, clientIp);
		ServerHttpRequest scrubbed = exchange.getRequest().mutate().headers((headers) -> {
			headers.headerNames()
				.stream()
				.filter((name) -> name.regionMatches(true, 0, IdentityHeaders.USER_PREFIX, 0,
						IdentityHeaders.USER_PREFIX.length()))
				.toList()
				.forEach(headers::remove);
			headers.remove(IdentityHeaders.CLIENT_IP);
			headers.remove(TrustHeaders.EDGE);
			headers.remove(TrustHeaders.SERVICE);
			headers.set(IdentityHeaders.REQUEST_ID, requestId);
			headers.set(IdentityHeaders.CLIENT_IP, clientIp);
		}).build();
		ServerWebExchange edge = exchange.mutate().request(scrubbed).build();
		ServerHttpResponse response = edge.getResponse();
		response.beforeCommit(() -> {
			secure(edge, response.getHeaders(), requestId);
			return Mono.empty();
		});
		return chain.filter(edge).doFinally((signal) -> log(edge, requestId, clientIp, started));
	}

	private void secure(ServerWebExchange exchange, HttpHeaders headers, String requestId) {
		headers.set(IdentityHeaders.REQUEST_ID, requestId);
		headers.set("X-Content-Type-Options", "nosniff");
		headers.set("X-Frame-Options", "DENY");
		headers.set("Referrer-Policy", "no-referrer");
		headers.set("Cross-Origin-Opener-Policy", "same-origin");
		headers.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
		if (!exchange.getRequest().getPath().value().startsWith("/api/")) {
			headers.set("Content-Security-Policy",
					"default-src 'self'; img-src 'self' https: data:; connect-src 'self' wss: ws:; frame-ancestors 'none'");
		}
		if (this.hsts && "https".equalsIgnoreCase(exchange.getRequest().getURI().getScheme())) {
			headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
		}
		// Backends never learn anything about the gateway's callers' identity from
		// response headers.
		headers.remove(IdentityHeaders.USER_ID);
		headers.remove(IdentityHeaders.USER_PLAN);
	}

	private static void log(ServerWebExchange exchange, String requestId, String clientIp, long started) {
		if (!access.isInfoEnabled()) {
			return;
		}
		ServerHttpRequest request = exchange.getRequest();
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		Object user = exchange.getAttribute(USER_ID);
		Integer status = (exchange.getResponse().getStatusCode() != null)
				? exchange.getResponse().getStatusCode().value() : null;
		long millis = (System.nanoTime() - started) / 1_000_000;
		access.atInfo()
			.addKeyValue("http.method", request.getMethod().name())
			.addKeyValue("url.path", request.getPath().value())
			.addKeyValue("http.status", status)
			.addKeyValue("duration.ms", millis)
			.addKeyValue("requestId", requestId)
			.addKeyValue("client.ip", clientIp)
			.addKeyValue("userId", (user != null) ? user.toString() : null)
			.addKeyValue("route", (route != null) ? route.getId() : null)
			.log("{} {} {} {}ms", request.getMethod().name(), request.getPath().value(), status, millis);
	}

}
