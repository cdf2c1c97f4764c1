package com.lingxi.common.identity;

import java.util.List;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * A list of path patterns, each optionally limited to one HTTP method:
 * {@code "/api/auth/**"} or {@code "GET /api/skills/**"}.
 */
public final class PathRules {

	private final List<Rule> rules;

	private PathRules(List<Rule> rules) {
		this.rules = rules;
	}

	public static PathRules of(List<String> specs) {
		PathPatternParser parser = PathPatternParser.defaultInstance;
		return new PathRules(specs.stream().map((spec) -> Rule.parse(parser, spec)).toList());
	}

	/** Whether any rule matches the request. */
	public boolean matches(HttpMethod method, PathContainer path) {
		return this.rules.stream().anyMatch((rule) -> rule.matches(method, path));
	}

	private record Rule(HttpMethod method, PathPattern pattern) {

		static Rule parse(PathPatternParser parser, String spec) {
			String trimmed = spec.trim();
			int space = trimmed.indexOf(' ');
			if (space > 0) {
				return new Rule(HttpMethod.valueOf(trimmed.substring(0, space).toUpperCase()),
						parser.parse(trimmed.substring(space + 1).trim()));
			}
			return new Rule(null, parser.parse(trimmed));
		}

		boolean matches(HttpMethod requestMethod, PathContainer path) {
			return (this.method == null || this.method.equals(requestMethod)) && this.pattern.matches(path);
		}

	}

}
