package com.lingxi.user.logging;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class LogMaskingTests {

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "sent to +8613800138000|sent to +86138****8000",
			"GET \"/api/dev/sms/+8613800138000\"|GET \"/api/dev/sms/+86138****8000\"",
			"PhoneNumbers=13800138000&SignName=x|PhoneNumbers=138****8000&SignName=x",
			"/api/dev/sms/8613800138000|/api/dev/sms/86138****8000",
			"PhoneNumbers=%2B14155550100|PhoneNumbers=%2B141****0100", "call +442079460958 now|call +4420****0958 now",
			"TemplateParam={\"code\":\"123456\"}|TemplateParam={\"code\":\"******\"}",
			"TemplateParam=%7B%22code%22%3A%22123456%22%7D|TemplateParam=%7B%22code%22%3A%22******%22%7D",
			"q=%257B%2522code%2522%253A%2522123456%2522|q=%257B%2522code%2522%253A%2522******%2522" })
	void masksPhoneNumbersAndCodes(String line, String masked) {
		assertThat(LogMasking.mask(line)).isEqualTo(masked);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Registered user 01938a6e-7c1d-7abc-8def-138001380001 (+86138****8000)",
			"took 1733612345678 ms", "request 6e9tzx4nn78bxoun", "@timestamp 2026-12-07T22:01:24.220977681Z",
			"order 913800138000", "x13800138000", "version 2017-05-25", "Consuming user.registered as group 12" })
	void leavesOtherNumbersAlone(String line) {
		assertThat(LogMasking.mask(line)).isEqualTo(line);
	}

}
