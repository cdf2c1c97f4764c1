package com.lingxi.billing.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.observation.DefaultServerRequestObservationConvention;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;

import com.lingxi.billing.keys.ProxyKeys;
import com.lingxi.billing.plans.Plans;
import com.lingxi.billing.quota.PendingCharges;
import com.lingxi.billing.quota.QuotaLedger;
import com.lingxi.billing.quota.QuotaNotices;
import com.lingxi.billing.quota.QuotaProperties;
import com.lingxi.billing.upstream.LocalCompletions;
import com.lingxi.billing.upstream.ModelRouter;
import com.lingxi.billing.upstream.ProxyProperties;
import com.lingxi.billing.usage.Tokenizer;
import com.lingxi.billing.usage.UsageJournal;
import com.lingxi.common.identity.IdentityHeaders;
import com.lingxi.common.identity.RequestIds;

/**
 * The model proxy and its listener of its own. Nothing here is registered with the main
 * web server: the {@code /v1} routes, their filters and their OpenAI-format error
 * handling exist only on {@link ModelProxyServer}.
 */
@Configuration(proxyBeanMethods = false)
class ProxyConfiguration {

	/**
	 * Name of the proxy listener's request metric ({@code http.server.requests} shape).
	 */
	static final String REQUESTS_METRIC = "lingxi.billing.proxy.requests";

	@Bean
	InFlightCalls inFlightCalls(QuotaLedger ledger, PendingCharges pending, QuotaProperties quota) {
		return new InFlightCalls(ledger, pending, quota.callLease());
	}

	@Bean
	Settlement settlement(UsageJournal journal, QuotaLedger ledger, QuotaNotices notices, Tokenizer tokenizer,
			JsonMapper json, MeterRegistry meters, InFlightCalls inFlight, PendingCharges pending) {
		return new Settlement(journal, ledger, notices, tokenizer, json, meters, inFlight, pending);
	}

	@Bean
	ModelProxy modelProxy(ProxyKeys keys, Plans plans, ModelRouter router, QuotaLedger ledger, QuotaNotices notices,
			QuotaProperties quota, Settlement settlement, LocalCompletions local, JsonMapper json,
			ProxyProperties properties, MeterRegistry meters, InFlightCalls inFlight, PendingCharges pending) {
		return new ModelProxy(keys, plans, router, ledger, notices, quota, settlement, local, json,
				properties.maxRequestSize().toBytes(), properties.maxResponseSize().toBytes(), meters, inFlight,
				pending);
	}

	@Bean
	ModelProxyServer modelProxyServer(ModelProxy proxy, InFlightCalls inFlight, JsonMapper json,
			ProxyProperties proxyProperties, ProxyListenerProperties listener,
			ObjectProvider<ObservationRegistry> observations, ObjectProvider<ReactorResourceFactory> resources,
			ConfigurableEnvironment environment) {
		HttpHandler handler = proxyHandler(proxy, inFlight,
				new OpenAiErrorHandler(json, proxyProperties.maxRequestSize().toBytes()), json,
				observations.getIfAvailable(() -> ObservationRegistry.NOOP));
		ReactorResourceFactory factory = resources.getIfAvailable();
		return new ModelProxyServer(handler, listener, (factory != null) ? factory.getLoopResources() : null,
				environment, inFlight);
	}

	/**
	 * The whole application of the proxy listener: three routes, a filter that names the
	 * request, OpenAI-format errors for everything else (an unknown path is a 404
	 * {@code unknown_url}), and request metrics under a name of their own.
	 */
	static HttpHandler proxyHandler(ModelProxy proxy, InFlightCalls inFlight, OpenAiErrorHandler errors,
			JsonMapper json, ObservationRegistry observations) {
		RouterFunction<ServerResponse> routes = RouterFunctions.route()
			.POST("/v1/chat/completions", proxy::chatCompletions)
			.GET("/v1/models", proxy::models)
			.GET("/v1/models/{*model}", proxy::model)
			.build();
		HandlerStrategies strategies = HandlerStrategies.builder()
			.codecs((codecs) -> codecs.defaultCodecs().jacksonJsonEncoder(new JacksonJsonEncoder(json)))
			.build();
		return WebHttpHandlerBuilder.webHandler(RouterFunctions.toWebHandler(routes, strategies))
			.filter(requestIds(), inFlight)
			.exceptionHandler(errors)
			.observationRegistry(observations)
			.observationConvention(new DefaultServerRequestObservationConvention(REQUESTS_METRIC))
			.build();
	}

	/**
	 * Every answer names its request ({@code X-Request-Id}: the client's when well
	 * formed, else a new one). It is for correlation only; calls are keyed by a call id
	 * of the proxy's own.
	 */
	private static WebFilter requestIds() {
		return (exchange, chain) -> {
			exchange.getResponse().getHeaders().set(IdentityHeaders.REQUEST_ID, RequestIds.of(exchange));
			exchange.getResponse().beforeCommit(() -> {
				nameTheRoute(exchange);
				return Mono.empty();
			});
			return chain.filter(exchange);
		};
	}

	/**
	 * The request metric's {@code uri} is the matched route: without a DispatcherHandler
	 * nothing else tells the observation.
	 */
	private static void nameTheRoute(ServerWebExchange exchange) {
		Object pattern = exchange.getAttribute(RouterFunctions.MATCHING_PATTERN_ATTRIBUTE);
		if (pattern instanceof PathPattern route) {
			ServerRequestObservationContext.findCurrent(exchange.getAttributes())
				.ifPresent((context) -> context.setPathPattern(route.getPatternString()));
		}
	}

}
