package com.lingxi.common.events;

/**
 * An event that no retry can make succeed: it goes straight to the dead-letter stream.
 */
public class NonRetryableEventException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public NonRetryableEventException(String message) {
		super(message);
	}

	public NonRetryableEventException(String message, Throwable cause) {
		super(message, cause);
	}

}
