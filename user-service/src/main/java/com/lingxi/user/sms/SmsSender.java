package com.lingxi.user.sms;

import reactor.core.publisher.Mono;

/** Delivers a verification code to a phone. */
public interface SmsSender {

	/**
	 * Sends {@code code} to {@code phone} (E.164). Errors mean the message was not
	 * accepted by the provider.
	 */
	Mono<Void> send(String phone, String code);

}
