package com.lingxi.gateway.edge;

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
 * Refuses request bodies over the limit with 413: at once when {@code Content-Length}
 * says so, and while streaming for chunked bodies, before more than the limit reaches a
 * backend.
 */
public final class BodySizeLimitFilter implements WebFilter, Ordered {

	public static final int ORDER = EdgeFilter.ORDER + 10;

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
			return Mono.error(tooLarge());
		}
		if (declared >= 0) {
			return chain.filter(exchange);
		}
		AtomicLong seen = new AtomicLong();
		ServerHttpRequestDecorator counted = new ServerHttpRequestDecorator(exchange.getRequest()) {
			@Override
			public Flux<DataBuffer> getBody() {
				return super.getBody().handle((buffer, sink) -> {
					if (seen.addAndGet(buffer.readableByteCount()) > BodySizeLimitFilter.this.maxBytes) {
						DataBufferUtils.release(buffer);
						sink.error(tooLarge());
					}
					else {
						sink.next(buffer);
					}
				});
			}
		};
		return chain.filter(exchange.mutate().request(counted).build());
	}

	private ProblemException tooLarge() {
		return ProblemException.of(HttpStatus.CONTENT_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE, "Payload too large",
				"Request bodies may be at most " + this.maxBytes + " bytes.");
	}

}
