package com.lingxi.user.auth;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;

/**
 * bcrypt, off the event loop (one hash costs tens of milliseconds of CPU by design).
 * Checking a password of an account that has none still spends the same time, so response
 * times do not reveal which phone numbers have accounts. Passwords longer than bcrypt
 * reads ({@value #MAX_BYTES} bytes in UTF-8) are refused, never cut.
 */
public final class Passwords {

	/** What bcrypt reads of a password; it ignores (or refuses) the rest. */
	public static final int MAX_BYTES = 72;

	/** The field error for a longer password. */
	static final String TOO_LONG = "must be at most " + MAX_BYTES
			+ " bytes in UTF-8 (a Chinese character takes 3 bytes, a letter or digit 1)";

	private final BCryptPasswordEncoder encoder;

	private final String decoy;

	public Passwords(int strength) {
		this.encoder = new BCryptPasswordEncoder(BCryptPasswordEncoder.BCryptVersion.$2B, strength, Ids.secureRandom());
		this.decoy = this.encoder.encode("decoy-password-never-matches");
	}

	/** Whether bcrypt can hash {@code password} whole. */
	public static boolean fits(String password) {
		return password.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES;
	}

	/**
	 * The bcrypt hash; a 400 problem for a password longer than {@value #MAX_BYTES}
	 * bytes.
	 */
	public Mono<String> hash(String password) {
		if (!fits(password)) {
			return Mono.error(tooLong());
		}
		return Mono.fromCallable(() -> this.encoder.encode(password)).subscribeOn(Schedulers.boundedElastic());
	}

	/**
	 * Whether {@code password} matches {@code hash}; a null hash never matches. A 400
	 * problem for a password longer than {@value #MAX_BYTES} bytes, which no account can
	 * have.
	 */
	public Mono<Boolean> matches(String password, String hash) {
		if (!fits(password)) {
			return Mono.error(tooLong());
		}
		return Mono
			.fromCallable(() -> this.encoder.matches(password, (hash != null) ? hash : this.decoy) && hash != null)
			.subscribeOn(Schedulers.boundedElastic());
	}

	private static ProblemException tooLong() {
		return ProblemException.badRequest("The request has 1 invalid field.")
			.with("errors", List.of(Map.of("field", "password", "message", TOO_LONG)));
	}

}
