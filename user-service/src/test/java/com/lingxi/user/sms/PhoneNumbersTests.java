package com.lingxi.user.sms;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class PhoneNumbersTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			value = { "13800138000|+8613800138000", "+86 138 0013 8000|+8613800138000",
					"+86-138-0013-8000|+8613800138000", "8613800138000|+8613800138000",
					"0086 13800138000|+8613800138000", "(+86) 199 1234 5678|+8619912345678",
					"＋８６１３８００１３８０００|+8613800138000", "+1 415 555 0100|+14155550100", "+44 20 7946 0958|+442079460958" })
	void normalisesToE164(String input, String expected) {
		assertThat(PhoneNumbers.normalize(input)).contains(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "12800138000", "+86 12800138000", "1380013800", "+8613800138000123", "phone",
			"+0123456789", "123", "+86 138 0013 800a" })
	void rejectsWhatIsNotAPhoneNumber(String input) {
		assertThat(PhoneNumbers.normalize(input)).isEmpty();
	}

	@org.junit.jupiter.api.Test
	void masksForLogs() {
		assertThat(PhoneNumbers.mask("+8613800138000")).isEqualTo("+86138****8000");
	}

}
