package com.lingxi.common.observability;

import io.micrometer.context.ThreadLocalAccessor;
import org.slf4j.MDC;

import com.lingxi.common.identity.RequestContext;

/**
 * Copies the {@link RequestContext} of a reactive request into the logging MDC
 * ({@code requestId}, {@code userId}) on whichever thread runs a step of it, so every log
 * line of a request carries its id.
 */
final class RequestContextAccessor implements ThreadLocalAccessor<RequestContext> {

	static final String REQUEST_ID = "requestId";

	static final String USER_ID = "userId";

	private static final ThreadLocal<RequestContext> CURRENT = new ThreadLocal<>();

	@Override
	public Object key() {
		return RequestContext.KEY;
	}

	@Override
	public RequestContext getValue() {
		return CURRENT.get();
	}

	@Override
	public void setValue(RequestContext value) {
		CURRENT.set(value);
		MDC.put(REQUEST_ID, value.requestId());
		value.user().ifPresentOrElse((user) -> MDC.put(USER_ID, user.id().toString()), () -> MDC.remove(USER_ID));
	}

	@Override
	public void setValue() {
		CURRENT.remove();
		MDC.remove(REQUEST_ID);
		MDC.remove(USER_ID);
	}

}
