package com.lingxi.billing.upstream;

import io.netty.channel.EventLoop;
import reactor.core.publisher.Flux;

/**
 * Something that answers chat completions: an OpenAI-compatible provider, or the built-in
 * demo.
 */
public interface Upstream {

	/** Name in configuration, metrics and usage records. */
	String name();

	/** Lower is tried first. */
	int priority();

	/**
	 * Sends a request and streams the raw answer body as it arrives (SSE bytes for a
	 * streamed call, the JSON document otherwise). Fails with {@link UpstreamException}
	 * when the provider answers with an error status, or with the transport's error.
	 * @param request the client's request
	 * @param model the upstream model to ask for
	 * @param maxOutputTokens the most output the call may ask for (the alias's limit)
	 * @param callId the proxy's call id, passed on as {@code X-Request-Id} for the
	 * provider's logs
	 * @param home the event loop of the client's connection, which the upstream
	 * connection should share (null: any)
	 */
	Flux<byte[]> exchange(ChatRequest request, String model, long maxOutputTokens, String callId, EventLoop home);

	/** Whether the upstream may be called now (its circuit is not open). */
	default boolean tryAcquire() {
		return true;
	}

	/** The call got a first byte (or a client error) back: the upstream works. */
	default void succeeded(long startedNanos) {
	}

	/** The call failed before a first byte in a way that counts against the upstream. */
	default void failed(long startedNanos, Throwable error) {
	}

	/** The call was abandoned before it could tell. */
	default void released() {
	}

}
