package com.lingxi.billing.upstream;

import io.netty.channel.EventLoop;
import reactor.core.publisher.Flux;

/**
 * The built-in upstream used only when no real provider is configured (the local
 * default): it answers every model alias with a short, clearly labelled text explaining
 * how to connect a real provider, streamed like a model would, with usage counted by the
 * tokenizer and billed like any call. It never pretends to be a model.
 */
final class DemoUpstream implements Upstream {

	static final String NAME = "demo";

	static final String MODEL = "lingxi-demo";

	static final String TEXT = "[Lingxi demo model] This answer does not come from an AI model. "
			+ "No model provider is configured for this Lingxi Cloud installation, so the model proxy "
			+ "answers every request with this note. To connect a real provider, give billing-service one "
			+ "environment variable and restart it: LINGXI_DEEPSEEK_API_KEY (DeepSeek), "
			+ "LINGXI_DASHSCOPE_API_KEY (Qwen on DashScope) or LINGXI_OPENAI_API_KEY (OpenAI); for any other "
			+ "OpenAI-compatible server set LINGXI_UPSTREAM_BASE_URL and LINGXI_UPSTREAM_API_KEY. "
			+ "See docs/billing-service.md.";

	private final LocalCompletions completions;

	DemoUpstream(LocalCompletions completions) {
		this.completions = completions;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public int priority() {
		return Integer.MAX_VALUE;
	}

	@Override
	public Flux<byte[]> exchange(ChatRequest request, String model, long maxOutputTokens, String callId,
			EventLoop home) {
		// Like a real upstream asked by the proxy, always report usage; the relay strips
		// the chunk again if the client did not ask for it.
		return this.completions.answer(request, MODEL, TEXT, true);
	}

}
