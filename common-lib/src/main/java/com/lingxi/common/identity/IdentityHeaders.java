package com.lingxi.common.identity;

import java.util.List;

/**
 * Headers the gateway sets on every request it forwards, after removing any a client
 * sent. Services trust them only because nothing but the gateway can reach them.
 */
public final class IdentityHeaders {

	/** The authenticated user's id (UUID). Absent for anonymous requests. */
	public static final String USER_ID = "X-User-Id";

	/** The authenticated user's plan ({@code free}, {@code pro}, ...). */
	public static final String USER_PLAN = "X-User-Plan";

	/** Correlates one request across services and logs. */
	public static final String REQUEST_ID = "X-Request-Id";

	/** The client address as the gateway saw it. */
	public static final String CLIENT_IP = "X-Client-Ip";

	/** Headers that only the gateway may set: any copy from a client is removed first. */
	public static final List<String> GATEWAY_OWNED = List.of(USER_ID, USER_PLAN, CLIENT_IP);

	/** Prefix of every identity header; the gateway drops all client headers with it. */
	public static final String USER_PREFIX = "X-User-";

	private IdentityHeaders() {
	}

}
