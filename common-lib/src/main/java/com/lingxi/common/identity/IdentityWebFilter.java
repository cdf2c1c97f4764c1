package com.lingxi.common.identity;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

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

	private final List<PathPattern> protectedPaths;

	private final List<MethodPattern> publicPaths;

	public IdentityWebFilter(IdentityProperties properties) {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		this.protectedPaths = properties.protectedPaths().stream().map(parser::parse).toList();
		this.publicPaths = properties.publicPaths().stream().map((p) -> MethodPattern.parse(parser, p)).toList();
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
		if (this.protectedPaths.stream().noneMatch((p) -> p.matches(path))) {
			return false;
		}
		return this.publicPaths.stream().noneMatch((p) -> p.matches(request.getMethod(), path));
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

	private record MethodPattern(HttpMethod method, PathPattern pattern) {

		static MethodPattern parse(PathPatternParser parser, String spec) {
			String trimmed = spec.trim();
			int space = trimmed.indexOf(' ');
			if (space > 0) {
				return new MethodPattern(HttpMethod.valueOf(trimmed.substring(0, space).toUpperCase()),
						parser.parse(trimmed.substring(space + 1).trim()));
			}
			return new MethodPattern(null, parser.parse(trimmed));
		}

		boolean matches(HttpMethod requestMethod, PathContainer path) {
			return (this.method == null || this.method.equals(requestMethod)) && this.pattern.matches(path);
		}

	}

}
