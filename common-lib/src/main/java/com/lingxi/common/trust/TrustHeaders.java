package com.lingxi.common.trust;

/** The headers credentials travel in between the platform's own processes. */
public final class TrustHeaders {

	/**
	 * The gateway's signed statement about a request it forwards: who the user is (if
	 * anyone), the client address and the request id, for one audience.
	 */
	public static final String EDGE = "X-Lingxi-Edge";

	/** A service token: which platform service is calling, for one audience. */
	public static final String SERVICE = "X-Lingxi-Service";

	private TrustHeaders() {
	}

}
