package com.lingxi.common.identity;

import java.util.List;

/**
 * Headers about the caller. Services never believe the {@code X-User-*} headers (anyone
 * who reaches a port could send them): the user comes from the gateway's signed edge
 * assertion ({@link com.lingxi.common.trust.TrustHeaders}). The gateway still removes any
 * copy a client sends, so nothing downstream is tempted to read them.
 */
public final class IdentityHeaders {

	/** Legacy user id header: removed at the edge, ignored everywhere. */
	public static final String USER_ID = "X-User-Id";

	/** Legacy plan header: removed at the edge, ignored everywhere. */
	public static final String USER_PLAN = "X-User-Plan";

	/** Correlates one request across services and logs. */
	public static final String REQUEST_ID = "X-Request-Id";

	/**
	 * The client address; informational only (the edge assertion carries the real one).
	 */
	public static final String CLIENT_IP = "X-Client-Ip";

	/** Headers that only the gateway may set: any copy from a client is removed first. */
	public static final List<String> GATEWAY_OWNED = List.of(USER_ID, USER_PLAN, CLIENT_IP);

	/** Prefix of every identity header; the gateway drops all client headers with it. */
	public static final String USER_PREFIX = "X-User-";

	private IdentityHeaders() {
	}

}
