package com.lingxi.user.auth;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** Request bodies of {@code /api/auth/*}. */
final class AuthRequests {

	private AuthRequests() {
	}

	record SmsCode(@NotBlank @Size(max = 32) String phone) {
	}

	record Register(@NotBlank @Size(max = 32) String phone,
			@NotBlank @Pattern(regexp = "\\d{6}", message = "must be the six digits sent by SMS") String code,
			@Size(min = 8, message = "must be at least 8 characters") @FitsBcrypt @Pattern(
					regexp = "^(?=.*\\p{L})(?=.*\\d).*$",
					message = "must contain at least one letter and one digit") String password,
			@Size(min = 1, max = 50) String nickname) {
	}

	record Login(@NotBlank @Size(max = 32) String phone, @FitsBcrypt String password,
			@Pattern(regexp = "\\d{6}", message = "must be the six digits sent by SMS") String code) {
	}

	record WeChat(@NotBlank @Size(max = 256) String code) {
	}

	record Refresh(@NotBlank @Size(max = 256) String refreshToken) {
	}

	record Logout(@Size(max = 256) String refreshToken) {
	}

}
