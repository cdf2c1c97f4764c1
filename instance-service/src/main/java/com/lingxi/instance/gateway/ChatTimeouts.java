package com.lingxi.instance.gateway;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Time limits of chats with a user's gateway. There is no limit on a whole streamed
 * answer, which may legitimately go on for minutes; what ends a chat is a gateway that
 * does not start answering or falls silent.
 *
 * @param firstByteTimeout how long a streamed chat may wait for the gateway's first bytes
 * (OpenClaw sends its headers and a first chunk at once, before the agent runs)
 * @param idleTimeout longest silence between two pieces of a streamed answer; it covers
 * OpenClaw's slow first turn (15–19 s on a cold gateway), model thinking time and tool
 * runs that stream nothing
 * @param answerTimeout how long a chat that is not streamed may take until its answer
 * (which arrives whole)
 */
@ConfigurationProperties(prefix = ChatTimeouts.PREFIX)
public record ChatTimeouts(@DefaultValue("60s") Duration firstByteTimeout, @DefaultValue("120s") Duration idleTimeout,
		@DefaultValue("5m") Duration answerTimeout) {

	public static final String PREFIX = "lingxi.instances.chat";

	/** The defaults, for code that builds a client without settings. */
	public static final ChatTimeouts DEFAULTS = new ChatTimeouts(Duration.ofSeconds(60), Duration.ofSeconds(120),
			Duration.ofMinutes(5));

}
