package com.lingxi.user.sms;

/**
 * SMS settings user-service refuses to start with. The message says what is wrong and
 * what to set instead; {@link SmsSettingsFailureAnalyzer} prints the two parts as Spring
 * Boot's start-up failure report.
 */
public final class SmsSettingsException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	private final String description;

	private final String action;

	SmsSettingsException(String description, String action) {
		super(description + " " + action);
		this.description = description;
		this.action = action;
	}

	/** What is wrong with the settings. */
	public String description() {
		return this.description;
	}

	/** What to set instead. */
	public String action() {
		return this.action;
	}

}
