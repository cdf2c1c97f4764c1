package com.lingxi.common.test;

import static org.assertj.core.api.Assertions.assertThat;

/** Assertions on problem responses as a user receives them. */
public final class ProblemBodies {

	private ProblemBodies() {
	}

	/**
	 * The body names nothing internal: no URL (besides problem types), IP address,
	 * host:port, Java class or exception name, nor the usual words of a connection
	 * failure.
	 */
	public static void assertShowsNothingInternal(String what, String body) {
		String withoutType = body.replaceAll("https://lingxi\\.cloud/problems/[a-z0-9-]+", "");
		assertThat(withoutType).as(what)
			.doesNotContainPattern("[a-zA-Z][a-zA-Z0-9+.-]*://")
			.doesNotContainPattern("\\b\\d{1,3}(\\.\\d{1,3}){3}\\b")
			.doesNotContainPattern("\\b[A-Za-z][A-Za-z0-9-]*:\\d{2,5}\\b")
			.doesNotContainPattern("\\b[A-Z]\\w*(Exception|Error)\\b")
			.doesNotContainPattern("\\b([a-z_][a-z0-9_]*\\.){2,}[A-Z]\\w*")
			.doesNotContainPattern("(?i)connection (refused|reset|prematurely closed)");
	}

}
