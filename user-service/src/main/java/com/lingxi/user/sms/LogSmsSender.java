package com.lingxi.user.sms;

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import com.lingxi.common.redis.LingxiRedis;

/**
 * The development sender: sends nothing and puts the code in the dev inbox ({@code GET
 * /api/dev/sms/{phone}}), so that a developer (or a test) can sign up without a phone.
 * The log says that a code is waiting there, never the code itself. Exists only in
 * development mode.
 */
final class LogSmsSender implements SmsSender {

	private static final Logger log = LoggerFactory.getLogger(LogSmsSender.class);

	static final int INBOX_SIZE = 10;

	private final LingxiRedis redis;

	LogSmsSender(LingxiRedis redis) {
		this.redis = redis;
	}

	@Override
	public Mono<Void> send(String phone, String code) {
		log.info("Verification code for {} is in the dev inbox, GET /api/dev/sms/{phone} (log sender: no SMS sent)",
				PhoneNumbers.mask(phone));
		String inbox = inboxKey(this.redis, phone);
		String entry = code + "|" + Instant.now();
		return this.redis.commands()
			.flatMap((redis) -> redis.lpush(inbox, entry)
				.then(redis.ltrim(inbox, 0, INBOX_SIZE - 1))
				.then(redis.expire(inbox, Duration.ofMinutes(30))))
			.then();
	}

	static String inboxKey(LingxiRedis redis, String phone) {
		return redis.key("dev", "sms", phone);
	}

}
