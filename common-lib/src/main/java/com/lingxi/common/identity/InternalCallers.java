package com.lingxi.common.identity;

import java.util.Arrays;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.common.trust.InternalApi;

/**
 * Whether a verified service may call the handler a request maps to: only if the handler
 * method (or its controller) is annotated {@link InternalApi} naming that service. A path
 * no handler maps goes on (to its 404); a handler that is not an annotated controller
 * method answers nobody.
 */
final class InternalCallers {

	private final ObjectProvider<RequestMappingHandlerMapping> mappings;

	InternalCallers(ObjectProvider<RequestMappingHandlerMapping> mappings) {
		this.mappings = mappings;
	}

	Mono<Boolean> allowed(ServerWebExchange exchange, String caller) {
		RequestMappingHandlerMapping mapping = this.mappings.orderedStream().findFirst().orElse(null);
		if (mapping == null) {
			return Mono.just(false);
		}
		return mapping.getHandler(exchange).map((handler) -> permits(handler, caller)).defaultIfEmpty(true);
	}

	static boolean permits(Object handler, String caller) {
		if (!(handler instanceof HandlerMethod method)) {
			return false;
		}
		InternalApi api = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), InternalApi.class);
		if (api == null) {
			api = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), InternalApi.class);
		}
		return api != null && Arrays.asList(api.callers()).contains(caller);
	}

}
