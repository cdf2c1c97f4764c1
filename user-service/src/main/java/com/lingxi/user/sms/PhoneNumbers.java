package com.lingxi.user.sms;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Phone numbers in, E.164 out. Mainland China mobile numbers are checked strictly
 * ({@code +86 1[3-9]} and nine more digits), written with or without the country code,
 * spaces, dashes or brackets; other countries need the {@code +} form and must be valid
 * E.164 (a country code, then up to 15 digits in all).
 */
public final class PhoneNumbers {

	private static final Pattern MAINLAND_MOBILE = Pattern.compile("1[3-9]\\d{9}");

	private static final Pattern E164 = Pattern.compile("\\+[1-9]\\d{6,14}");

	private static final Pattern SEPARATORS = Pattern.compile("[\\s\\-().\\u00a0]");

	private PhoneNumbers() {
	}

	/** The E.164 form ({@code +8613800138000}) of a valid number, empty otherwise. */
	public static Optional<String> normalize(String raw) {
		if (raw == null) {
			return Optional.empty();
		}
		String compact = SEPARATORS.matcher(toHalfWidth(raw.trim())).replaceAll("");
		if (compact.startsWith("00")) {
			compact = "+" + compact.substring(2);
		}
		if (MAINLAND_MOBILE.matcher(compact).matches()) {
			return Optional.of("+86" + compact);
		}
		if (compact.startsWith("86") && MAINLAND_MOBILE.matcher(compact.substring(2)).matches()) {
			return Optional.of("+" + compact);
		}
		if (compact.startsWith("+86")) {
			return MAINLAND_MOBILE.matcher(compact.substring(3)).matches() ? Optional.of(compact) : Optional.empty();
		}
		return E164.matcher(compact).matches() ? Optional.of(compact) : Optional.empty();
	}

	/** {@code +86138****8000}: enough to recognise, not enough to misuse, for logs. */
	public static String mask(String e164) {
		if (e164 == null || e164.length() < 8) {
			return "****";
		}
		return e164.substring(0, e164.length() - 8) + "****" + e164.substring(e164.length() - 4);
	}

	private static String toHalfWidth(String value) {
		StringBuilder out = new StringBuilder(value.length());
		for (char c : value.toCharArray()) {
			if (c >= '\uFF01' && c <= '\uFF5E') {
				out.append((char) (c - 0xFEE0));
			}
			else if (c == '\u3000') {
				out.append(' ');
			}
			else {
				out.append(c);
			}
		}
		return out.toString();
	}

}
