package com.lingxi.common.remote;

import feign.RequestInterceptor;
import feign.RequestTemplate;

import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestContext;

/**
 * Adds the caller's request id and identity to every Feign request made through
 * {@link RemoteCalls}, so the callee logs under the same request id and scopes data to
 * the same user.
 */
final class IdentityPropagatingInterceptor implements RequestInterceptor {

	@Override
	public void apply(RequestTemplate template) {
		RequestContext context = RemoteCallContext.current();
		if (context == null) {
			return;
		}
		template.header(IdentityHeaders.REQUEST_ID, context.requestId());
		context.user().ifPresent((user) -> {
			template.header(IdentityHeaders.USER_ID, user.id().toString());
			template.header(IdentityHeaders.USER_PLAN, user.plan());
		});
	}

}
