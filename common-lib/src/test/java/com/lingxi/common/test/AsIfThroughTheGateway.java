package com.lingxi.common.test;

import java.time.Clock;

import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestIds;
import com.lingxi.common.trust.EdgeAssertion;
import com.lingxi.common.trust.TrustHeaders;

/**
 * The test client of an {@link IntegrationTest} service: a request that names no
 * credential reaches the API as an anonymous caller the gateway forwarded (with a fresh
 * edge assertion), as every real request does. Requests that carry their own credential
 * ({@link TestTrust#asUser}, {@link TestTrust#asService}), requests to
 * {@code /internal/**}, and requests marked with the {@link #RAW} attribute go out as
 * they are — which is how tests show that a forged or missing credential is refused.
 */
final class AsIfThroughTheGateway implements ExchangeFilterFunction {

	/** Request attribute: send exactly what the test wrote, no credential added. */
	static final String RAW = TestTrust.RAW;

	private final String service;

	AsIfThroughTheGateway(String service) {
		this.service = service;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		if (request.attribute(RAW).isPresent() || request.headers().containsHeader(TrustHeaders.EDGE)
				|| request.headers().containsHeader(TrustHeaders.SERVICE)
				|| request.url().getPath().startsWith("/internal/")) {
			return next.exchange(request);
		}
		// As the gateway does, a well-formed request id of the client's is kept.
		String requestId = RequestIds.accept(request.headers().getFirst(IdentityHeaders.REQUEST_ID));
		String assertion = TestTrust.edgeAssertion(this.service,
				EdgeAssertion.anonymous((requestId != null) ? requestId : RequestIds.generate(), "127.0.0.1"),
				Clock.systemUTC());
		return next.exchange(ClientRequest.from(request).header(TrustHeaders.EDGE, assertion).build());
	}

}
