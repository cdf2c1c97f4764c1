package com.lingxi.user;

import java.net.URI;

import com.lingxi.common.problem.ProblemTypes;

/** Problem types of user-service, part of its API. */
public final class UserProblems {

	public static final URI PHONE_TAKEN = ProblemTypes.of("phone-taken");

	public static final URI WECHAT_TAKEN = ProblemTypes.of("wechat-taken");

	public static final URI SMS_RATE_LIMITED = ProblemTypes.of("sms-rate-limited");

	public static final URI SMS_CODE_INVALID = ProblemTypes.of("sms-code-invalid");

	public static final URI SMS_CODE_EXHAUSTED = ProblemTypes.of("sms-code-attempts-exceeded");

	public static final URI SMS_UNAVAILABLE = ProblemTypes.of("sms-unavailable");

	public static final URI INVALID_CREDENTIALS = ProblemTypes.of("invalid-credentials");

	public static final URI LOGIN_LOCKED = ProblemTypes.of("login-locked");

	public static final URI ACCOUNT_NOT_FOUND = ProblemTypes.of("account-not-found");

	public static final URI REFRESH_TOKEN_INVALID = ProblemTypes.of("refresh-token-invalid");

	public static final URI REFRESH_TOKEN_REUSED = ProblemTypes.of("refresh-token-reused");

	public static final URI WECHAT_CODE_INVALID = ProblemTypes.of("wechat-code-invalid");

	public static final URI WECHAT_UNAVAILABLE = ProblemTypes.of("wechat-unavailable");

	private UserProblems() {
	}

}
