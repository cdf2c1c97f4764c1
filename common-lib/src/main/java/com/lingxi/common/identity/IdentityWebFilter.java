package com.lingxi.common.identity;

import java.net.InetSocketAddress;
import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.EdgeAssertions;
import com.lingxi.common.trust.InvalidCredentialException;
import com.lingxi.common.trust.ManagementPorts;
import com.lingxi.common.trust.ServiceTokenVerifier;
import com.lingxi.common.trust.TrustHeaders;

/**
 * Establishes who is calling, from credentials this service verifies itself, into a
 * {@link RequestContext} (exchange attribute and Reactor context):
 * <ul>
 * <li>{@code /internal/**}: a service token naming this service as its audience, then the
 * handler's {@link com.lingxi.common.trust.InternalApi} list of callers (401 without a
 * valid token, 403 for a service not on the list);</li>
 * <li>everything else (the API): the gateway's edge assertion for this service, which
 * states the user (if signed in), the client address and the request id (401 without one:
 * nothing reaches the API but through the gateway); protected paths also need a
 * user.</li>
 * </ul>
 * Identity headers such as {@code X-User-Id} are never read. Exempt paths (public keys)
 * and the management port (probes, scrapes) need no credential.
 */
public final class IdentityWebFilter implements WebFilter, Ordered {

	/** Exchange attribute holding the {@link RequestContext}. */
	public static final String ATTRIBUTE = RequestContext.class.getName();

	/**
	 * Early, so that everything after it (including error handling) sees the request id.
	 */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

	private final PathRules protectedPaths;

	private final PathRules publicPaths;

	private final PathRules internalPaths;

	private final PathRules exemptPaths;

	private final EdgeAssertions.Verifier edge;

	private final ServiceTokenVerifier services;

	private final InternalCallers callers;

	private final ManagementPorts managementPorts;

	IdentityWebFilter(IdentityProperties properties, PathRules exemptPaths, EdgeAssertions.Verifier edge,
			ServiceTokenVerifier services, InternalCallers callers, ManagementPorts managementPorts) {
		this.protectedPaths = PathRules.of(properties.protectedPaths());
		this.publicPaths = PathRules.of(properties.publicPaths());
		this.internalPaths = PathRules.of(properties.internalPaths());
		this.exemptPaths = exemptPaths;
		this.edge = edge;
		this.services = services;
		this.callers = callers;
		this.managementPorts = managementPorts;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		if (RequestPaths.ambiguous(request.getURI().getRawPath())) {
			requestId(exchange);
			return Mono.error(ProblemException.badRequest("The request path is malformed."));
		}
		PathContainer path = request.getPath().pathWithinApplication();
		if (this.exemptPaths.matches(request.getMethod(), path) || this.managementPorts.served(exchange)) {
			return proceed(exchange, chain, new RequestContext(requestId(exchange), peer(request), Optional.empty()));
		}
		if (this.internalPaths.matches(request.getMethod(), path)) {
			return internal(exchange, chain);
		}
		return edge(exchange, chain);
	}

	private Mono<Void> internal(ServerWebExchange exchange, WebFilterChain chain) {
		String token = exchange.getRequest().getHeaders().getFirst(TrustHeaders.SERVICE);
		String requestId = requestId(exchange);
		if (token == null || token.isBlank()) {
			return Mono.error(unauthorized("Internal endpoints answer only platform services, with a service token."));
		}
		String caller;
		try {
			caller = this.services.verify(token.strip());
		}
		catch (InvalidCredentialException ex) {
			return Mono.error(unauthorized(ex.getMessage()));
		}
		RequestContext context = new RequestContext(requestId, peer(exchange.getRequest()), Optional.empty(),
				Optional.of(caller));
		return this.callers.allowed(exchange, caller).flatMap((allowed) -> {
			if (!allowed) {
				return Mono.error(ProblemException.of(HttpStatus.FORBIDDEN, ProblemTypes.FORBIDDEN, "Forbidden",
						"The service '" + caller + "' may not call this endpoint."));
			}
			return proceed(exchange, chain, context);
		});
	}

	private Mono<Void> edge(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String token = request.getHeaders().getFirst(TrustHeaders.EDGE);
		if (token == null || token.isBlank()) {
			requestId(exchange);
			return Mono.error(unauthorized("This service answers only requests that come through the Lingxi gateway."));
		}
		EdgeAssertion assertion;
		try {
			assertion = this.edge.verify(token.strip());
		}
		catch (InvalidCredentialException ex) {
			requestId(exchange);
			return Mono.error(unauthorized(ex.getMessage()));
		}
		String asserted = RequestIds.accept(assertion.requestId());
		if (asserted != null) {
			exchange.getAttributes().put(RequestIds.ATTRIBUTE, asserted);
		}
		String requestId = requestId(exchange);
		Optional<CurrentUser> user = Optional.ofNullable(assertion.userId())
			.map((id) -> new CurrentUser(id,
					(assertion.plan() == null || assertion.plan().isBlank()) ? "free" : assertion.plan()));
		if (user.isEmpty() && requiresUser(request)) {
			return Mono.error(ProblemException.unauthorized("Sign in to use this endpoint."));
		}
		String clientIp = (assertion.clientIp() != null && !assertion.clientIp().isBlank()) ? assertion.clientIp()
				: peer(request);
		return proceed(exchange, chain, new RequestContext(requestId, clientIp, user));
	}

	private Mono<Void> proceed(ServerWebExchange exchange, WebFilterChain chain, RequestContext context) {
		exchange.getAttributes().put(ATTRIBUTE, context);
		return chain.filter(exchange).contextWrite((ctx) -> ctx.put(RequestContext.KEY, context));
	}

	private static String requestId(ServerWebExchange exchange) {
		String requestId = RequestIds.of(exchange);
		exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
		return requestId;
	}

	private boolean requiresUser(ServerHttpRequest request) {
		PathContainer path = request.getPath().pathWithinApplication();
		return this.protectedPaths.matches(request.getMethod(), path)
				&& !this.publicPaths.matches(request.getMethod(), path);
	}

	private static ProblemException unauthorized(String detail) {
		return ProblemException.unauthorized(detail);
	}

	private static String peer(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	/** The request context of an exchange that passed this filter. */
	public static Optional<RequestContext> contextOf(ServerWebExchange exchange) {
		return Optional.ofNullable(exchange.getAttribute(ATTRIBUTE));
	}

}
