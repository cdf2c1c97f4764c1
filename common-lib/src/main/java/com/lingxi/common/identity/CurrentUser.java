package com.lingxi.common.identity;

import java.util.UUID;

import reactor.core.publisher.Mono;

import com.lingxi.common.problem.ProblemException;

/**
 * The caller of the current request, as established by the gateway. Controllers take it
 * as a method parameter; reactive code anywhere below a request reads it with
 * {@link #current()}.
 *
 * @param id the user's id
 * @param plan the user's plan at the time the access token was issued
 */
public record CurrentUser(UUID id, String plan) {

	/** The caller, or a 401 problem if the request carries no identity. */
	public static Mono<CurrentUser> current() {
		return RequestContext.current()
			.flatMap((ctx) -> Mono.justOrEmpty(ctx.user()))
			.switchIfEmpty(Mono.error(() -> ProblemException.unauthorized("Sign in to use this endpoint.")));
	}

}
