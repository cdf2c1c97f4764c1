package com.lingxi.billing.upstream;

import java.nio.charset.StandardCharsets;

/**
 * An upstream answered with an error status.
 */
public final class UpstreamException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String upstream;

	private final int status;

	private final transient byte[] body;

	public UpstreamException(String upstream, int status, byte[] body) {
		super(upstream + " answered " + status, null, false, false);
		this.upstream = upstream;
		this.status = status;
		this.body = body;
	}

	public String upstream() {
		return this.upstream;
	}

	public int status() {
		return this.status;
	}

	/** The error body as the provider sent it. */
	public byte[] body() {
		return this.body;
	}

	/** Whether another upstream might do better: 5xx and 429. */
	public boolean retryable() {
		return this.status >= 500 || this.status == 429 || this.status == 408;
	}

	public String bodyText() {
		return new String(this.body, StandardCharsets.UTF_8);
	}

}
