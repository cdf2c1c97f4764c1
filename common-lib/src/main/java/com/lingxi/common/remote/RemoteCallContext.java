package com.lingxi.common.remote;

import java.util.concurrent.Callable;

import reactor.util.context.ContextView;

import com.lingxi.common.identity.RequestContext;

/**
 * Carries the request context of a reactive caller onto the worker thread that runs a
 * blocking Feign call, where the Feign interceptor turns it back into headers.
 */
public final class RemoteCallContext {

	private static final ThreadLocal<RequestContext> CURRENT = new ThreadLocal<>();

	private RemoteCallContext() {
	}

	/** The context of the remote call running on this thread, or null. */
	public static RequestContext current() {
		return CURRENT.get();
	}

	static <T> T callWith(ContextView reactorContext, Callable<T> call) throws Exception {
		RequestContext context = RequestContext.from(reactorContext).orElse(null);
		RequestContext previous = CURRENT.get();
		CURRENT.set(context);
		try {
			return call.call();
		}
		finally {
			if (previous != null) {
				CURRENT.set(previous);
			}
			else {
				CURRENT.remove();
			}
		}
	}

}
