package com.lingxi.billing.upstream;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The model proxy: limits, platform model aliases and the upstream providers behind them.
 *
 * @param maxRequestSize largest request body accepted (413 above)
 * @param maxResponseSize largest non-streamed upstream answer relayed
 * @param aliases platform model aliases by name ({@code standard}, {@code pro}); clients
 * send the name or {@code lingxi/<name>}
 * @param upstreams OpenAI-compatible providers by name; one without a base URL or API key
 * is off. With none on, the built-in {@code demo} upstream answers every alias
 */
@ConfigurationProperties(prefix = "lingxi.billing.proxy")
public record ProxyProperties(@DefaultValue("8MB") DataSize maxRequestSize,
		@DefaultValue("16MB") DataSize maxResponseSize, Map<String, Alias> aliases, Map<String, Upstream> upstreams) {

	/**
	 * A platform model alias.
	 *
	 * @param description what the alias is for, shown in {@code GET /v1/models}
	 * @param maxOutputTokens the most output tokens one call of this alias may ask for: a
	 * larger {@code max_tokens} / {@code max_completion_tokens} is lowered to it, a call
	 * that sets neither is sent with this {@code max_tokens}; it is also what the call
	 * reserves against the monthly allowance for its answer
	 */
	public record Alias(String description, @DefaultValue("8192") int maxOutputTokens) {

	}

	/**
	 * An OpenAI-compatible upstream provider.
	 *
	 * @param baseUrl API base, up to and including {@code /v1} (the proxy appends
	 * {@code /chat/completions})
	 * @param apiKey the provider's API key (from the environment, never a committed
	 * file); any non-empty value for a server that needs none
	 * @param priority lower is tried first; on a connection error, a 5xx or 429, or no
	 * first byte in time, the next upstream serving the alias is tried
	 * @param models upstream model per platform alias this provider serves
	 * @param planModels per plan, upstream models that replace {@code models} for that
	 * plan's users
	 * @param connectTimeout TCP/TLS connect time limit
	 * @param firstByteTimeout time limit from sending the request to the first byte of
	 * the answer
	 * @param idleTimeout longest silence allowed while reading an answer (between two
	 * chunks, and before the response headers)
	 * @param maxConnections connections kept open to this provider
	 * @param breaker circuit breaker of this provider
	 */
	public record Upstream(String baseUrl, String apiKey, @DefaultValue("100") int priority, Map<String, String> models,
			Map<String, Map<String, String>> planModels, @DefaultValue("5s") Duration connectTimeout,
			@DefaultValue("120s") Duration firstByteTimeout, @DefaultValue("120s") Duration idleTimeout,
			@DefaultValue("1024") int maxConnections, @DefaultValue Breaker breaker) {

		/** Whether this upstream is configured enough to be used. */
		public boolean enabled() {
			return this.baseUrl != null && !this.baseUrl.isBlank() && this.apiKey != null && !this.apiKey.isBlank();
		}

	}

	/**
	 * When an upstream is skipped for a while.
	 *
	 * @param failureRateThreshold percentage of failed calls that opens the circuit
	 * @param slidingWindowSize calls the failure rate is computed over
	 * @param minimumCalls calls needed before the rate counts
	 * @param openDuration how long an open circuit skips the upstream before probing it
	 */
	public record Breaker(@DefaultValue("50") float failureRateThreshold, @DefaultValue("20") int slidingWindowSize,
			@DefaultValue("5") int minimumCalls, @DefaultValue("30s") Duration openDuration) {

	}

}
