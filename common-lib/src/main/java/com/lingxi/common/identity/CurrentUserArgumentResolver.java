package com.lingxi.common.identity;

import reactor.core.publisher.Mono;

import org.springframework.core.MethodParameter;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.result.method.HandlerMethodArgumentResolver;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.common.problem.ProblemException;

/** Lets controllers declare a {@link CurrentUser} or {@link RequestContext} parameter. */
final class CurrentUserArgumentResolver implements HandlerMethodArgumentResolver {

	@Override
	public boolean supportsParameter(MethodParameter parameter) {
		Class<?> type = parameter.getParameterType();
		return type == CurrentUser.class || type == RequestContext.class;
	}

	@Override
	public Mono<Object> resolveArgument(MethodParameter parameter, BindingContext bindingContext,
			ServerWebExchange exchange) {
		return Mono.justOrEmpty(IdentityWebFilter.contextOf(exchange)).flatMap((context) -> {
			if (parameter.getParameterType() == RequestContext.class) {
				return Mono.just(context);
			}
			return Mono.justOrEmpty(context.user());
		})
			.cast(Object.class)
			.switchIfEmpty(Mono.error(() -> ProblemException.unauthorized("Sign in to use this endpoint.")));
	}

}
