package com.lingxi.agent.skill.bundle;

/** A skill bundle that must not be accepted; the message says why in user terms. */
public class InvalidBundleException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public InvalidBundleException(String message) {
		super(message);
	}

}
