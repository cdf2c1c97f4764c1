package com.lingxi.gateway.auth;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.identity.PathRules;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.gateway.GatewayProperties;
import com.lingxi.gateway.edge.BodySizeLimitFilter;
import com.lingxi.gateway.edge.EdgeFilter;

/**
 * Authenticates callers by their {@code Authorization: Bearer} access token (the services
 * learn who they are from the edge assertion the gateway signs for each forwarded
 * request, {@link com.lingxi.gateway.routing.EdgeAssertionFilter}). Protected paths
 * without a valid token get a 401 problem; public paths serve anonymous callers (and
 * identified ones, when a valid token comes along). Tokens denied at logout are refused
 * while Redis can be asked; if it cannot, the token is accepted (it expires within
 * minutes) and the failure is counted.
 */
public final class AuthenticationFilter implements WebFilter, Ordered {

	public static final int ORDER = BodySizeLimitFilter.ORDER + 10;

	/** Exchange attribute holding the verified {@link AccessTokenVerifier.Caller}. */
	public static final String CALLER = AuthenticationFilter.class.getName() + ".caller";

	private final AccessTokenVerifier verifier;

	private final PathRules protectedPaths;

	private final PathRules publicPaths;

	public AuthenticationFilter(AccessTokenVerifier verifier, GatewayProperties properties) {
		this.verifier = verifier;
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
		if (CorsUtils.isPreFlightRequest(request)) {
			return chain.filter(exchange);
		}
		boolean needsCaller = needsCaller(request);
		String token = bearer(request.getHeaders());
		if (token == null) {
			return needsCaller ? Mono.error(unauthorized("Sign in: this endpoint needs an access token."))
					: chain.filter(exchange);
		}
		return this.verifier.verify(token, exchange.getAttributeOrDefault(EdgeFilter.CLIENT_IP, "unknown"))
			.map((caller) -> identify(exchange, caller))
			.onErrorResume(AccessTokenVerifier.InvalidTokenException.class,
					(ex) -> needsCaller ? Mono.error(unauthorized(ex.getMessage())) : Mono.just(exchange))
			.onErrorMap(AccessTokenVerifier.TooManyVerificationsException.class,
					(ex) -> ProblemException.tooManyRequests(ProblemTypes.RATE_LIMITED, "Too many requests",
							"This address presented too many new access tokens. Retry shortly.", Duration.ofSeconds(1)))
			.flatMap(chain::filter);
	}

	private ServerWebExchange identify(ServerWebExchange exchange, AccessTokenVerifier.Caller caller) {
		exchange.getAttributes().put(CALLER, caller);
		exchange.getAttributes().put(EdgeFilter.USER_ID, caller.userId().toString());
		return exchange;
	}

	/**
	 * What happens to a request whose token turned out to be signed out: 401 where a
	 * caller is needed, otherwise it goes on anonymously.
	 */
	public Mono<ServerWebExchange> signedOut(ServerWebExchange exchange) {
		if (needsCaller(exchange.getRequest())) {
			return Mono.error(unauthorized("The access token was signed out."));
		}
		exchange.getAttributes().remove(CALLER);
		exchange.getAttributes().remove(EdgeFilter.USER_ID);
		return Mono.just(exchange);
	}

	private boolean needsCaller(ServerHttpRequest request) {
		PathContainer path = request.getPath().pathWithinApplication();
		return this.protectedPaths.matches(request.getMethod(), path)
				&& !this.publicPaths.matches(request.getMethod(), path);
	}

	private static String bearer(HttpHeaders headers) {
		String value = headers.getFirst(HttpHeaders.AUTHORIZATION);
		if (value == null || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
			return null;
		}
		String token = value.substring(7).trim();
		return token.isEmpty() ? null : token;
	}

	private static ProblemException unauthorized(String detail) {
		ProblemException problem = ProblemException.unauthorized(detail);
		problem.getHeaders()
			.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"lingxi\", error=\"invalid_token\", error_description=\""
					+ detail.replace('"', '\'') + "\"");
		return problem;
	}

}
