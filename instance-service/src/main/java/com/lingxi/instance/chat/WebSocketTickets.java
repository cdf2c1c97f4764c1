package com.lingxi.instance.chat;

import java.time.Duration;
import java.util.UUID;

import io.lettuce.core.SetArgs;
import reactor.core.publisher.Mono;

import com.lingxi.common.id.Ids;
import com.lingxi.common.redis.LingxiRedis;

/**
 * Single-use tickets that open the WebSocket channel: issued to an authenticated caller,
 * redeemed (and deleted) by the upgrade request within {@link #lifetime()}.
 */
public final class WebSocketTickets {

	private final LingxiRedis redis;

	private final Duration lifetime;

	public WebSocketTickets(LingxiRedis redis, Duration lifetime) {
		this.redis = redis;
		this.lifetime = lifetime;
	}

	public Duration lifetime() {
		return this.lifetime;
	}

	public Mono<String> issue(UUID userId) {
		return Mono.fromSupplier(() -> Ids.secureToken(24))
			.flatMap((ticket) -> this.redis.commands()
				.flatMap((redis) -> redis.set(key(ticket), userId.toString(),
						SetArgs.Builder.ex(this.lifetime.toSeconds())))
				.thenReturn(ticket));
	}

	/** The user a ticket was issued to; empty if it is unknown, used or expired. */
	public Mono<UUID> redeem(String ticket) {
		if (ticket == null || ticket.isBlank() || ticket.length() > 128) {
			return Mono.empty();
		}
		return this.redis.commands().flatMap((redis) -> redis.getdel(key(ticket))).map(UUID::fromString);
	}

	private String key(String ticket) {
		return this.redis.key("ws-ticket", ticket);
	}

}
