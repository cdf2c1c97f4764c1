package com.lingxi.user.auth;

import com.fasterxml.jackson.annotation.JsonIgnore;

import com.lingxi.user.account.Profile;
import com.lingxi.user.account.UserAccount;
import com.lingxi.user.token.AccessTokens;
import com.lingxi.user.token.RefreshTokens;

/**
 * What sign-up, login and refresh answer: a token pair and the profile.
 *
 * @param tokenType always {@code Bearer}
 * @param accessToken the access token (JWT)
 * @param expiresIn its lifetime in seconds
 * @param refreshToken the refresh token (single use)
 * @param refreshExpiresIn its lifetime in seconds
 * @param user the profile
 * @param created whether this call created the account
 */
record Session(String tokenType, String accessToken, long expiresIn, String refreshToken, long refreshExpiresIn,
		Profile user, @JsonIgnore boolean created) {

	static Session of(UserAccount account, AccessTokens.Issued access, RefreshTokens.Issued refresh, boolean created) {
		long now = System.currentTimeMillis() / 1000;
		return new Session("Bearer", access.token(), access.expiresAt().getEpochSecond() - now, refresh.token(),
				refresh.expiresAt().getEpochSecond() - now, Profile.of(account), created);
	}

}
