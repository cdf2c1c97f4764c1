package com.lingxi.billing.proxy;

import tools.jackson.databind.JsonNode;

/**
 * Token counts of one call.
 *
 * @param inputTokens prompt tokens
 * @param outputTokens completion tokens (reasoning included)
 * @param cachedTokens prompt tokens served from the provider's cache (part of
 * inputTokens)
 */
record Usage(long inputTokens, long outputTokens, long cachedTokens) {

	static final Usage NONE = new Usage(0, 0, 0);

	long total() {
		return this.inputTokens + this.outputTokens;
	}

	/** Reads an OpenAI {@code usage} object; null if it carries no token counts. */
	static Usage of(JsonNode usage) {
		if (usage == null || !usage.isObject()) {
			return null;
		}
		JsonNode prompt = usage.get("prompt_tokens");
		JsonNode completion = usage.get("completion_tokens");
		if ((prompt == null || !prompt.isNumber()) && (completion == null || !completion.isNumber())) {
			return null;
		}
		long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
		if (cached == 0) {
			// DeepSeek reports its context cache this way.
			cached = usage.path("prompt_cache_hit_tokens").asLong(0);
		}
		return new Usage(Math.max(0, (prompt != null) ? prompt.asLong(0) : 0),
				Math.max(0, (completion != null) ? completion.asLong(0) : 0), Math.max(0, cached));
	}

}
