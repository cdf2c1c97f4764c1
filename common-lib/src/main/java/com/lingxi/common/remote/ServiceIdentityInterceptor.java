package com.lingxi.common.remote;

import feign.RequestInterceptor;
import feign.RequestTemplate;

import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestContext;
import com.lingxi.common.trust.ServiceTokens;
import com.lingxi.common.trust.TrustHeaders;

/**
 * Proves this service's identity on every Feign request (a service token whose audience
 * is the Feign client's name, i.e. the callee's service name) and carries the caller's
 * request id, so that the callee logs under the same id. The user is never forwarded as a
 * header: internal endpoints take the user they act on as part of their path, and each
 * names the services allowed to ask.
 */
final class ServiceIdentityInterceptor implements RequestInterceptor {

	private final ServiceTokens tokens;

	ServiceIdentityInterceptor(ServiceTokens tokens) {
		this.tokens = tokens;
	}

	@Override
	public void apply(RequestTemplate template) {
		template.header(TrustHeaders.SERVICE, this.tokens.tokenFor(template.feignTarget().name()));
		RequestContext context = RemoteCallContext.current();
		if (context != null) {
			template.header(IdentityHeaders.REQUEST_ID, context.requestId());
		}
	}

}
