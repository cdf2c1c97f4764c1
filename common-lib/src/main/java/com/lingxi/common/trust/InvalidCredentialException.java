package com.lingxi.common.trust;

/** Why a credential was refused; the message is safe to show the caller. */
public final class InvalidCredentialException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public InvalidCredentialException(String message) {
		super(message, null, false, false);
	}

}
