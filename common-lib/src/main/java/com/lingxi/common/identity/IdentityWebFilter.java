package com.lingxi.common.identity;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.problem.ProblemException;

/**
 * Reads the gateway's identity headers into a {@link RequestContext} (exchange attribute
 * and Reactor context), echoes the request id, and refuses protected paths without a
 * caller.
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

	public IdentityWebFilter(IdentityProperties properties) {
		this.protectedPaths = PathRules.of(properties.protectedPaths());
		this.publicPaths = PathRules.of(properties.publicPaths());
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest();
		String requestId = RequestIds.of(exchange);
		exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, requestId);
		Optional<CurrentUser> user;
		try {
			user = user(request.getHeaders());
		}
		catch (IllegalArgumentException ex) {
			return Mono.error(ProblemException.unauthorized("The caller identity is malformed."));
		}
		if (user.isEmpty() && requiresCaller(request)) {
			return Mono.error(ProblemException.unauthorized("Sign in to use this endpoint."));
		}
		RequestContext context = new RequestContext(requestId, clientIp(request), user);
		exchange.getAttributes().put(ATTRIBUTE, context);
		return chain.filter(exchange).contextWrite((ctx) -> ctx.put(RequestContext.KEY, context));
	}

	private boolean requiresCaller(ServerHttpRequest request) {
		PathContainer path = request.getPath().pathWithinApplication();
		return this.protectedPaths.matches(request.getMethod(), path)
				&& !this.publicPaths.matches(request.getMethod(), path);
	}

	private static Optional<CurrentUser> user(HttpHeaders headers) {
		String id = headers.getFirst(IdentityHeaders.USER_ID);
		if (id == null || id.isBlank()) {
			return Optional.empty();
		}
		String plan = headers.getFirst(IdentityHeaders.USER_PLAN);
		return Optional
			.of(new CurrentUser(UUID.fromString(id.trim()), (plan == null || plan.isBlank()) ? "free" : plan));
	}

	private static String clientIp(ServerHttpRequest request) {
		String forwarded = request.getHeaders().getFirst(IdentityHeaders.CLIENT_IP);
		if (forwarded != null && !forwarded.isBlank()) {
			return forwarded.trim();
		}
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
