package com.lingxi.common.test;

import java.util.function.BiFunction;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import com.lingxi.common.trust.InvalidCredentialException;
import com.lingxi.common.trust.TrustHeaders;

/**
 * For local HTTP servers that stand in for a platform service in tests: answer a route
 * only when the request carries the expected caller's service token for that service, as
 * the real service would (401 for a missing or invalid token, 403 for another caller).
 */
public final class StandInService {

	private StandInService() {
	}

	/** Wraps a Reactor Netty route handler of the stand-in for {@code audience}. */
	public static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> calledBy(String caller,
			String audience, BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
		return (request, response) -> {
			try {
				String actual = TestTrust.verifyServiceToken(request.requestHeaders().get(TrustHeaders.SERVICE),
						audience);
				if (!caller.equals(actual)) {
					return response.status(403).sendString(Mono.just(actual + " may not call this"));
				}
			}
			catch (InvalidCredentialException ex) {
				return response.status(401).sendString(Mono.just(ex.getMessage()));
			}
			return handler.apply(request, response);
		};
	}

}
