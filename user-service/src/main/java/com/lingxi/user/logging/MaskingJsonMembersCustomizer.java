package com.lingxi.user.logging;

import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;

/**
 * Applies {@link LogMasking} to every string of every structured (JSON) log line: the
 * message, the stack trace, MDC values. Registered in application.yml as
 * {@code logging.structured.json.customizer}.
 */
final class MaskingJsonMembersCustomizer implements StructuredLoggingJsonMembersCustomizer<Object> {

	@Override
	public void customize(JsonWriter.Members<Object> members) {
		members.applyingValueProcessor(JsonWriter.ValueProcessor.of(String.class, LogMasking::mask));
	}

}
