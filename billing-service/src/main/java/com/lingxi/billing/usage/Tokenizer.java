package com.lingxi.billing.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Counts tokens with a real BPE tokenizer ({@code o200k_base}), for the calls whose
 * upstream reported no usage (a client that hung up, a provider without usage, the demo
 * and warm-up answers). Upstream models use other vocabularies, so this is an estimate,
 * within a few per cent for most text. Counting is CPU work: it runs on
 * {@code boundedElastic}, never on an event loop.
 */
public final class Tokenizer {

	/** Tokens OpenAI counts per chat message for its role and framing. */
	public static final int TOKENS_PER_MESSAGE = 4;

	private final Encoding encoding;

	/** Loads the vocabulary (a few MB, read from the jar): construct it at start-up. */
	public Tokenizer() {
		this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
		this.encoding.countTokensOrdinary("warm up");
	}

	/** The number of tokens in a text, counted here and now (blocking CPU work). */
	public int countNow(CharSequence text) {
		if (text == null || text.isEmpty()) {
			return 0;
		}
		return this.encoding.countTokensOrdinary(text.toString());
	}

	/** The number of tokens in a text, counted on {@code boundedElastic}. */
	public Mono<Integer> count(CharSequence text) {
		if (text == null || text.isEmpty()) {
			return Mono.just(0);
		}
		return Mono.fromCallable(() -> countNow(text)).subscribeOn(Schedulers.boundedElastic());
	}

}
