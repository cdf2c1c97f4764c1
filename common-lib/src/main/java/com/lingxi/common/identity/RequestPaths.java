package com.lingxi.common.identity;

import java.util.Locale;

/**
 * Request paths the platform refuses outright (400), at the edge and in every service:
 * dot segments, encoded dots, slashes, backslashes or percent signs (double encoding),
 * empty segments and path parameters. No endpoint needs them, and each is a way to make a
 * filter that classifies a path ({@code /api/**} needs an edge assertion,
 * {@code /internal/**} a service token) see a different path than the handler that serves
 * it.
 */
public final class RequestPaths {

	private RequestPaths() {
	}

	/** Whether a raw (still encoded) request path is one of those. */
	public static boolean ambiguous(String rawPath) {
		if (rawPath == null || rawPath.isEmpty()) {
			return false;
		}
		String lower = rawPath.toLowerCase(Locale.ROOT);
		if (lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || lower.contains("\\")
				|| lower.contains(";") || lower.contains("%3b") || lower.contains("%25") || lower.contains("//")
				|| lower.contains("%00")) {
			return true;
		}
		for (String segment : lower.split("/", -1)) {
			if (segment.equals(".") || segment.equals("..")) {
				return true;
			}
		}
		return false;
	}

}
