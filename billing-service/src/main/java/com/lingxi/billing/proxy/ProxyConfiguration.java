package com.lingxi.billing.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import com.lingxi.billing.keys.ProxyKeys;
import com.lingxi.billing.plans.Plans;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaNotices;
import com.lingxi.billing.quota.QuotaProperties;
import com.lingxi.billing.upstream.LocalCompletions;
import com.lingxi.billing.upstream.ModelRouter;
import com.lingxi.billing.upstream.ProxyProperties;
import com.lingxi.billing.usage.Tokenizer;
import com.lingxi.billing.usage.UsageJournal;

/** The {@code /v1/**} routes of the model proxy and their error rendering. */
@Configuration(proxyBeanMethods = false)
class ProxyConfiguration {

	@Bean
	Settlement settlement(UsageJournal journal, QuotaLedger ledger, QuotaNotices notices, Tokenizer tokenizer,
			JsonMapper json, MeterRegistry meters) {
		return new Settlement(journal, ledger, notices, tokenizer, json, meters);
	}

	@Bean
	ModelProxy modelProxy(ProxyKeys keys, Plans plans, ModelRouter router, QuotaLedger ledger, QuotaNotices notices,
			QuotaProperties quota, Settlement settlement, LocalCompletions local, JsonMapper json,
			ProxyProperties properties, MeterRegistry meters) {
		return new ModelProxy(keys, plans, router, ledger, notices, quota, settlement, local, json,
				properties.maxRequestSize().toBytes(), properties.maxResponseSize().toBytes(), meters);
	}

	@Bean
	RouterFunction<ServerResponse> modelProxyRoutes(ModelProxy proxy) {
		return RouterFunctions.route()
			.POST("/v1/chat/completions", proxy::chatCompletions)
			.GET("/v1/models", proxy::models)
			.GET("/v1/models/{*model}", proxy::model)
			.build();
	}

	/**
	 * Relayed chunks are small and must leave at once: no Nagle delay on the connections
	 * OpenClaw opens.
	 */
	@Bean
	NettyServerCustomizer noDelay() {
		return (server) -> server.childOption(ChannelOption.TCP_NODELAY, true);
	}

	@Bean
	OpenAiErrorHandler openAiErrorHandler(JsonMapper json, ProxyProperties properties) {
		return new OpenAiErrorHandler(json, properties.maxRequestSize().toBytes());
	}

}
