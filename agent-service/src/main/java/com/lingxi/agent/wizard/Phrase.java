package com.lingxi.agent.wizard;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word or phrase to find in normalised text: Chinese (any CJK character) matches as a
 * substring; Latin matches whole words, in sequence, with light plural folding, an
 * optional trailing {@code *} for any ending, and (for long single words) one typo.
 *
 * @param text the phrase as written in the rules (normalised)
 * @param weight its weight (0 for cues and boundaries)
 * @param cjk whether it matches as a substring
 * @param tokens Latin tokens (stemmed, except a prefix last token)
 * @param prefix whether the last token is a prefix
 */
record Phrase(String text, double weight, boolean cjk, List<String> tokens, boolean prefix) {

	/** Latin words: letters and digits, with + and # inside (c++, c#). */
	static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9+#]*");

	static Phrase of(String normalized, double weight) {
		if (TextNormalizer.hasCjk(normalized)) {
			return new Phrase(normalized, weight, true, List.of(), false);
		}
		boolean prefix = normalized.endsWith("*");
		String body = prefix ? normalized.substring(0, normalized.length() - 1) : normalized;
		List<String> tokens = new ArrayList<>();
		Matcher words = WORD.matcher(body);
		while (words.find()) {
			tokens.add(words.group());
		}
		if (tokens.isEmpty()) {
			throw new IllegalArgumentException("'" + normalized + "' has no letters or digits");
		}
		for (int i = 0; i < tokens.size(); i++) {
			if (!(prefix && i == tokens.size() - 1)) {
				tokens.set(i, stem(tokens.get(i)));
			}
		}
		return new Phrase(normalized, weight, false, List.copyOf(tokens), prefix);
	}

	/** Plural folding for words of five letters or more: reports, stories. */
	static String stem(String token) {
		if (token.length() >= 5) {
			if (token.endsWith("ies")) {
				return token.substring(0, token.length() - 3) + "y";
			}
			if (token.endsWith("s") && !token.endsWith("ss")) {
				return token.substring(0, token.length() - 1);
			}
		}
		return token;
	}

	/** Whether a single long word may also match with one typo. */
	boolean fuzzyEligible() {
		return !this.cjk && this.tokens.size() == 1 && this.tokens.get(0).length() >= 6
				&& this.tokens.get(0).chars().allMatch(Character::isLetter);
	}

	@Override
	public String toString() {
		return this.text.toLowerCase(Locale.ROOT);
	}

}
