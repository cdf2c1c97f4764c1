package com.lingxi.user.auth;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;

import com.lingxi.common.problem.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordsTests {

	private final Passwords passwords = new Passwords(4);

	@Test
	void measuresInUtf8Bytes() {
		assertThat(Passwords.fits("a".repeat(72))).isTrue();
		assertThat(Passwords.fits("a".repeat(73))).isFalse();
		assertThat(Passwords.fits("密".repeat(24))).isTrue();
		assertThat(Passwords.fits("密".repeat(24) + "1")).isFalse();
	}

	@Test
	void refusesToHashOrCheckWhatBcryptWouldCut() {
		String tooLong = "密".repeat(30) + "1";
		assertThatThrownBy(() -> this.passwords.hash(tooLong).block()).isInstanceOfSatisfying(ProblemException.class,
				(problem) -> assertThat(problem.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST));
		assertThatThrownBy(() -> this.passwords.matches(tooLong, null).block()).isInstanceOf(ProblemException.class);
		assertThat(this.passwords.matches("密".repeat(24), this.passwords.hash("密".repeat(24)).block()).block())
			.isTrue();
	}

}
