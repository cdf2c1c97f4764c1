package com.lingxi.billing.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.billing.usage.Tokenizer;

@Configuration(proxyBeanMethods = false)
class UpstreamConfiguration {

	@Bean
	LocalCompletions localCompletions(JsonMapper json, Tokenizer tokenizer) {
		return new LocalCompletions(json, tokenizer);
	}

	@Bean
	ModelRouter modelRouter(ProxyProperties properties, LocalCompletions completions) {
		List<Upstream> upstreams = new ArrayList<>();
		Map<String, ProxyProperties.Upstream> configured = (properties.upstreams() != null) ? properties.upstreams()
				: Map.of();
		configured.forEach((name, config) -> {
			if (config.enabled()) {
				upstreams.add(new HttpUpstream(name, config));
			}
		});
		return new ModelRouter(properties, upstreams, new DemoUpstream(completions));
	}

}
