package com.lingxi.user.logging;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.lingxi.user.sms.PhoneNumbers;

/**
 * The last line of defence for personal data in logs: masks whatever looks like a phone
 * number or a verification code in a log value, whoever wrote the line (our code, a
 * framework logging a request path, an exception message quoting a URL). Our own log
 * statements mask phone numbers themselves and never mention codes; this catches the
 * rest.
 */
public final class LogMasking {

	/**
	 * An E.164 number ({@code +} or its URL encoding {@code %2B}, then 7 to 15 digits),
	 * or a mainland mobile number written without the country code, or with {@code 86} in
	 * front of it; never part of a longer run of digits or letters.
	 */
	private static final Pattern PHONE = Pattern
		.compile("(?<![0-9A-Za-z])(?:(?:\\+|%2[Bb])[1-9]\\d{6,14}|(?:86)?1[3-9]\\d{9})(?![0-9])");

	/**
	 * A verification code as it travels to the SMS provider: {@code "code":"123456"},
	 * plain or URL-encoded once or twice ({@code TemplateParam}).
	 */
	private static final Pattern CODE = Pattern
		.compile("((?:\"|%22|%2522)code(?:\"|%22|%2522)\\s*(?::|%3A|%253A)\\s*(?:\"|%22|%2522))\\d{4,8}");

	private LogMasking() {
	}

	/**
	 * {@code value} with phone numbers masked as {@code +86138****8000} and codes as
	 * ******.
	 */
	public static String mask(String value) {
		if (value == null || !hasLongDigitRun(value)) {
			return value;
		}
		String phonesMasked = PHONE.matcher(value)
			.replaceAll((match) -> Matcher.quoteReplacement(PhoneNumbers.mask(match.group())));
		return CODE.matcher(phonesMasked).replaceAll((match) -> Matcher.quoteReplacement(match.group(1)) + "******");
	}

	/**
	 * Codes have four or more digits, phone numbers seven or more: skip what has neither.
	 */
	private static boolean hasLongDigitRun(String value) {
		int run = 0;
		for (int i = 0; i < value.length(); i++) {
			if (Character.isDigit(value.charAt(i))) {
				if (++run >= 4) {
					return true;
				}
			}
			else {
				run = 0;
			}
		}
		return false;
	}

}
