package com.lingxi.agent.support;

/**
 * A data file shipped with the service (agent catalog, wizard rules, bundled skills) is
 * missing or invalid. Thrown while the application starts, so the service refuses to run
 * on bad data and the message names the file and the field.
 */
public class DataFileException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	public DataFileException(String message) {
		super(message);
	}

	public DataFileException(String message, Throwable cause) {
		super(message, cause);
	}

}
