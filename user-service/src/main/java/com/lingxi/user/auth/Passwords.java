package com.lingxi.user.auth;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import com.lingxi.common.id.Ids;

/**
 * bcrypt, off the event loop (one hash costs tens of milliseconds of CPU by design).
 * Checking a password of an account that has none still spends the same time, so response
 * times do not reveal which phone numbers have accounts.
 */
public final class Passwords {

	private final BCryptPasswordEncoder encoder;

	private final String decoy;

	public Passwords(int strength) {
		this.encoder = new BCryptPasswordEncoder(BCryptPasswordEncoder.BCryptVersion.$2B, strength, Ids.secureRandom());
		this.decoy = this.encoder.encode("decoy-password-never-matches");
	}

	public Mono<String> hash(String password) {
		return Mono.fromCallable(() -> this.encoder.encode(password)).subscribeOn(Schedulers.boundedElastic());
	}

	/** Whether {@code password} matches {@code hash}; a null hash never matches. */
	public Mono<Boolean> matches(String password, String hash) {
		return Mono
			.fromCallable(() -> this.encoder.matches(password, (hash != null) ? hash : this.decoy) && hash != null)
			.subscribeOn(Schedulers.boundedElastic());
	}

}
