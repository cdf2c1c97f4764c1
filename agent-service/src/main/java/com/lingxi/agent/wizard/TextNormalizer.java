package com.lingxi.agent.wizard;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;

/**
 * Brings user text and rule terms to one form: NFKC (full-width letters, digits and
 * punctuation become their ASCII forms, compatibility characters are unified), lower
 * case, a character folding table (traditional to simplified Chinese), typographic
 * apostrophes to ASCII, and runs of white space to one space.
 */
public final class TextNormalizer {

	private final Map<Integer, Integer> fold;

	public TextNormalizer(Map<Integer, Integer> fold) {
		this.fold = Map.copyOf(fold);
	}

	public String normalize(String text) {
		String nfkc = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
		StringBuilder out = new StringBuilder(nfkc.length());
		boolean space = false;
		for (int i = 0; i < nfkc.length();) {
			int cp = nfkc.codePointAt(i);
			i += Character.charCount(cp);
			if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
				if (!space && out.length() > 0) {
					out.append(' ');
				}
				space = true;
				continue;
			}
			space = false;
			if (cp == '\u2018' || cp == '\u2019' || cp == '\u02bc') {
				cp = '\'';
			}
			out.appendCodePoint(this.fold.getOrDefault(cp, cp));
		}
		int end = out.length();
		while (end > 0 && out.charAt(end - 1) == ' ') {
			end--;
		}
		out.setLength(end);
		return out.toString();
	}

	/** Whether the text has a Chinese, Japanese or Korean character. */
	static boolean hasCjk(String text) {
		return text.codePoints().anyMatch(TextNormalizer::isCjk);
	}

	static boolean isCjk(int cp) {
		Character.UnicodeScript script = Character.UnicodeScript.of(cp);
		return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA
				|| script == Character.UnicodeScript.KATAKANA || script == Character.UnicodeScript.HANGUL;
	}

}
