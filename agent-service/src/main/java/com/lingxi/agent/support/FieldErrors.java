package com.lingxi.agent.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;

/**
 * Collects {field, message} pairs and turns them into the platform's 400 validation
 * problem, the same shape Bean Validation errors have.
 */
public final class FieldErrors {

	private final List<Map<String, String>> errors = new ArrayList<>();

	public FieldErrors add(String field, String message) {
		Map<String, String> error = new LinkedHashMap<>();
		error.put("field", field);
		error.put("message", message);
		this.errors.add(error);
		return this;
	}

	public boolean isEmpty() {
		return this.errors.isEmpty();
	}

	/** The 400 problem listing the errors. */
	public ProblemException problem() {
		int count = this.errors.size();
		return ProblemException
			.of(HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request",
					"The request has " + count + " invalid field" + ((count == 1) ? "" : "s") + ".")
			.with("errors", List.copyOf(this.errors));
	}

	/** Throws {@link #problem()} if there is any error. */
	public void throwIfAny() {
		if (!isEmpty()) {
			throw problem();
		}
	}

	public static ProblemException single(String field, String message) {
		return new FieldErrors().add(field, message).problem();
	}

	/** Length in UTF-8 bytes. */
	public static int utf8Length(String text) {
		return text.getBytes(StandardCharsets.UTF_8).length;
	}

	/**
	 * Whether text holds a character PostgreSQL cannot store (NUL) or other control
	 * characters than tab, line feed and carriage return.
	 */
	public static boolean hasForbiddenControl(String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
				return true;
			}
			if (c == 0x7f) {
				return true;
			}
		}
		return false;
	}

}
