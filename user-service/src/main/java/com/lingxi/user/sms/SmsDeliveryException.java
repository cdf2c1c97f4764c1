package com.lingxi.user.sms;

/**
 * The provider did not accept a message. The message names what went wrong and never the
 * phone number, the code or a URL carrying them; there is deliberately no cause, whose
 * trace could.
 */
final class SmsDeliveryException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	SmsDeliveryException(String message) {
		super(message, null, false, false);
	}

}
