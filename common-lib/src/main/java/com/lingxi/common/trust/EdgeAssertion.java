package com.lingxi.common.trust;

import java.util.UUID;

/**
 * What the gateway states about one request it forwards.
 *
 * @param requestId the request's correlation id
 * @param clientIp the client address as the gateway determined it
 * @param userId the authenticated user, or null for an anonymous request
 * @param plan the user's plan when their access token was issued (null if anonymous)
 * @param accessTokenId the id ({@code jti}) of the access token the user presented, or
 * null
 */
public record EdgeAssertion(String requestId, String clientIp, UUID userId, String plan, String accessTokenId) {

	public static EdgeAssertion anonymous(String requestId, String clientIp) {
		return new EdgeAssertion(requestId, clientIp, null, null, null);
	}

}
