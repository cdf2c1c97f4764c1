package com.lingxi.user.sms;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.redis.LingxiRedis;

/**
 * {@code GET /api/dev/sms/{phone}}: the codes the log sender "sent" to a number, newest
 * first. Exists only in development mode with the log sender; this is where a developer
 * reads a code, never the log.
 */
@RestController
@ConditionalOnBooleanProperty(SmsConfiguration.DEVELOPMENT)
@ConditionalOnProperty(name = "lingxi.sms.provider", havingValue = "log", matchIfMissing = true)
class DevSmsInboxController {

	private final LingxiRedis redis;

	DevSmsInboxController(LingxiRedis redis) {
		this.redis = redis;
	}

	@GetMapping("/api/dev/sms/{phone}")
	Mono<Inbox> inbox(@PathVariable String phone) {
		String normalized = PhoneNumbers.normalize(phone)
			.orElseThrow(() -> ProblemException.badRequest("'" + phone + "' is not a valid phone number."));
		return this.redis.commands()
			.flatMap((redis) -> redis.lrange(LogSmsSender.inboxKey(this.redis, normalized), 0, -1).collectList())
			.map((entries) -> new Inbox(normalized, entries.stream().map(Message::parse).toList()));
	}

	record Inbox(String phone, List<Message> messages) {
	}

	record Message(String code, String sentAt) {

		static Message parse(String entry) {
			int bar = entry.indexOf('|');
			return new Message(entry.substring(0, bar), entry.substring(bar + 1));
		}

	}

}
