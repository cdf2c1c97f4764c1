package com.lingxi.user.auth;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Tokens, keys and login protection.
 *
 * @param issuer {@code iss} of every access token (the gateway checks it)
 * @param audience {@code aud} of every access token
 * @param accessTokenTtl access token lifetime
 * @param refreshTokenTtl refresh token lifetime
 * @param keyRotationInterval age at which the signing key is replaced
 * @param keyPublishAhead how long a new key is published in the JWKS before it signs;
 * longer than the gateway's JWKS cache, so no verifier meets an unknown key
 * @param keyReloadInterval how often keys are re-read, so replicas see each other's
 * rotations
 * @param bcryptStrength bcrypt cost factor
 * @param lockout repeated wrong passwords (SMS-code login is not locked by them)
 */
@ConfigurationProperties(prefix = "lingxi.auth")
public record AuthProperties(@DefaultValue("https://lingxi.cloud") String issuer,
		@DefaultValue("lingxi-api") String audience, @DefaultValue("15m") Duration accessTokenTtl,
		@DefaultValue("30d") Duration refreshTokenTtl, @DefaultValue("30d") Duration keyRotationInterval,
		@DefaultValue("10m") Duration keyPublishAhead, @DefaultValue("1m") Duration keyReloadInterval,
		@DefaultValue("10") int bcryptStrength, @DefaultValue Lockout lockout) {

	/**
	 * Password-login lockout after wrong passwords.
	 *
	 * @param maxAccountFailures wrong passwords for one phone number within
	 * {@code window} that lock its password login
	 * @param maxIpFailures wrong passwords from one client address within {@code window}
	 * that lock password login from it
	 * @param window period failures are counted over
	 * @param duration how long a lock lasts
	 */
	public record Lockout(@DefaultValue("5") int maxAccountFailures, @DefaultValue("20") int maxIpFailures,
			@DefaultValue("15m") Duration window, @DefaultValue("15m") Duration duration) {

	}

}
