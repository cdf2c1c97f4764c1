package com.lingxi.gateway.edge;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;

/**
 * Refuses request bodies over the limit with a 413 problem: when {@code Content-Length}
 * says so, before anything reaches a backend, and for chunked bodies before more than the
 * limit does. Either way the rest of the body is read and thrown away (up to
 * {@link #DRAIN_LIMIT} more bytes, for at most {@link #DRAIN_TIME}) before the answer is
 * sent: a server that answers and closes while the client is still sending makes the
 * client's TCP stack see a reset, and the client never reads the 413.
 */
public final class BodySizeLimitFilter implements WebFilter, Ordered {

	public static final int ORDER = EdgeFilter.ORDER + 10;

	/**
	 * How much of an oversized body is read (and discarded) so that the client gets the
	 * 413.
	 */
	static final long DRAIN_LIMIT = 32L * 1024 * 1024;

	/** How long draining an oversized body may take. */
	static final Duration DRAIN_TIME = Duration.ofSeconds(10);

	private final long maxBytes;

	public BodySizeLimitFilter(long maxBytes) {
		this.maxBytes = maxBytes;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		long declared = exchange.getRequest().getHeaders().getContentLength();
		if (declared > this.maxBytes) {
			if (declared > this.maxBytes + DRAIN_LIMIT) {
				return Mono.error(tooLarge());
			}
			return discard(exchange.getRequest().getBody()).then(Mono.error(tooLarge()));
		}
		if (declared >= 0) {
			return chain.filter(exchange);
		}
		AtomicLong seen = new AtomicLong();
		ServerHttpRequestDecorator counted = new ServerHttpRequestDecorator(exchange.getRequest()) {
			@Override
			public Flux<DataBuffer> getBody() {
				long max = BodySizeLimitFilter.this.maxBytes;
				return super.getBody().<DataBuffer>handle((buffer, sink) -> {
					long total = seen.addAndGet(buffer.readableByteCount());
					if (total <= max) {
						sink.next(buffer);
						return;
					}
					// Over the limit: nothing more goes on; the rest is read and dropped.
					DataBufferUtils.release(buffer);
					if (total > max + DRAIN_LIMIT) {
						sink.error(tooLarge());
					}
				}).concatWith(Mono.defer(() -> (seen.get() > max) ? Mono.error(tooLarge()) : Mono.empty()));
			}
		};
		return chain.filter(exchange.mutate().request(counted).build());
	}

	/** Reads what is left of a body, releasing every buffer, within the drain limits. */
	private static Mono<Void> discard(Flux<DataBuffer> body) {
		AtomicLong drained = new AtomicLong();
		return body.doOnNext((buffer) -> {
			drained.addAndGet(buffer.readableByteCount());
			DataBufferUtils.release(buffer);
		})
			.takeWhile((buffer) -> drained.get() <= DRAIN_LIMIT)
			.then()
			.timeout(DRAIN_TIME)
			.onErrorResume((ex) -> Mono.empty());
	}

	private ProblemException tooLarge() {
		return ProblemException.of(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
				"Request bodies may be at most " + this.maxBytes + " bytes.");
	}

}
