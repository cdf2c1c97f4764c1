package com.lingxi.user.sms;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports refused SMS settings without a stack trace: what is wrong, what to set. */
final class SmsSettingsFailureAnalyzer extends AbstractFailureAnalyzer<SmsSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, SmsSettingsException cause) {
		return new FailureAnalysis(cause.description(), cause.action(), cause);
	}

}
