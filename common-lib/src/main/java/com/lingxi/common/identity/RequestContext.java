package com.lingxi.common.identity;

import java.util.Optional;

import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * What a service knows about the request being served: its id, the client address and,
 * when authenticated, the user (from the gateway's edge assertion) or the calling service
 * (from its service token). Lives in the Reactor context of the request.
 *
 * @param requestId correlation id, never null
 * @param clientIp client address as the gateway asserted it, or the peer address
 * @param user the caller, if a signed-in user
 * @param service the calling platform service, for {@code /internal/**} requests
 */
public record RequestContext(String requestId, String clientIp, Optional<CurrentUser> user, Optional<String> service) {

	/** Reactor context key. */
	public static final Class<RequestContext> KEY = RequestContext.class;

	/** A context for work that no service called for (background jobs, replays). */
	public RequestContext(String requestId, String clientIp, Optional<CurrentUser> user) {
		this(requestId, clientIp, user, Optional.empty());
	}

	/** The context of the current request, empty outside a request. */
	public static Mono<RequestContext> current() {
		return Mono.deferContextual((ctx) -> Mono.justOrEmpty(from(ctx)));
	}

	/** The context stored in a Reactor context view, if any. */
	public static Optional<RequestContext> from(ContextView ctx) {
		return ctx.getOrEmpty(KEY);
	}

}
