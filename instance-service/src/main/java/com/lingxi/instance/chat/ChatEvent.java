package com.lingxi.instance.chat;

import java.util.Map;
import java.util.UUID;

/** What a chat sends back while it runs: progress, text, the end, or an error. */
public sealed interface ChatEvent {

	/** SSE event name / WebSocket message type. */
	String type();

	/**
	 * The instance is not ready yet (waking, starting): what it is doing.
	 *
	 * @param state instance state
	 * @param step latest step
	 */
	record Progress(String state, String step) implements ChatEvent {
		@Override
		public String type() {
			return "progress";
		}
	}

	/**
	 * A piece of the answer.
	 *
	 * @param conversationId the conversation
	 * @param content the text
	 */
	record Delta(UUID conversationId, String content) implements ChatEvent {
		@Override
		public String type() {
			return "delta";
		}
	}

	/**
	 * The answer is complete.
	 *
	 * @param conversationId the conversation (continue it by sending this id)
	 * @param usage token usage the gateway reported, if any
	 */
	record Done(UUID conversationId, Map<String, Object> usage) implements ChatEvent {
		@Override
		public String type() {
			return "done";
		}
	}

	/**
	 * The chat failed after it started.
	 *
	 * @param problemType problem type URI
	 * @param detail what went wrong
	 */
	record Error(String problemType, String detail) implements ChatEvent {
		@Override
		public String type() {
			return "error";
		}
	}

}
