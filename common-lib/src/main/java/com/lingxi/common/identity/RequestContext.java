package com.lingxi.common.identity;

import java.util.Optional;

import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * What a service knows about the request being served: its id, the client address and,
 * when authenticated, the user. Lives in the Reactor context of the request.
 *
 * @param requestId correlation id, never null
 * @param clientIp client address as seen by the gateway, or the peer address
 * @param user the caller, if authenticated
 */
public record RequestContext(String requestId, String clientIp, Optional<CurrentUser> user) {

	/** Reactor context key. */
	public static final Class<RequestContext> KEY = RequestContext.class;

	/** The context of the current request, empty outside a request. */
	public static Mono<RequestContext> current() {
		return Mono.deferContextual((ctx) -> Mono.justOrEmpty(from(ctx)));
	}

	/** The context stored in a Reactor context view, if any. */
	public static Optional<RequestContext> from(ContextView ctx) {
		return ctx.getOrEmpty(KEY);
	}

}
