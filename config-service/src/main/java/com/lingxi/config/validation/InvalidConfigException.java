package com.lingxi.config.validation;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.config.ConfigProblems;

/** A render that OpenClaw would refuse: 422 with each violation, nothing published. */
public final class InvalidConfigException extends ProblemException {

	private static final long serialVersionUID = 1L;

	private final transient List<OpenClawSchema.Violation> violations;

	public InvalidConfigException(List<OpenClawSchema.Violation> violations) {
		super(HttpStatus.UNPROCESSABLE_CONTENT, ConfigProblems.INVALID_CONFIG, "Configuration rejected",
				"The rendered OpenClaw configuration does not validate; the last good version keeps serving.");
		this.violations = List.copyOf(violations);
		with("violations", violations.stream().map((v) -> Map.of("path", v.path(), "message", v.message())).toList());
	}

	public List<OpenClawSchema.Violation> violations() {
		return this.violations;
	}

}
