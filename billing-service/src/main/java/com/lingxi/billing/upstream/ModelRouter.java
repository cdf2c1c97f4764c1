package com.lingxi.billing.upstream;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * Maps a platform model alias and a plan to the upstream calls that can serve it, in the
 * order they are tried.
 */
public final class ModelRouter implements DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(ModelRouter.class);

	/** Prefix OpenClaw may put before an alias ({@code lingxi/standard}). */
	public static final String PROVIDER_PREFIX = "lingxi/";

	private final Map<String, ProxyProperties.Alias> aliases;

	private final List<Upstream> upstreams;

	private final Map<String, ProxyProperties.Upstream> configs;

	private final DemoUpstream demo;

	ModelRouter(ProxyProperties properties, List<Upstream> upstreams, DemoUpstream demo) {
		if (properties.aliases() == null || properties.aliases().isEmpty()) {
			throw new IllegalStateException("No model aliases configured (lingxi.billing.proxy.aliases)");
		}
		this.aliases = new LinkedHashMap<>(properties.aliases());
		this.configs = (properties.upstreams() != null) ? properties.upstreams() : Map.of();
		List<Upstream> sorted = new ArrayList<>(upstreams);
		sorted.sort(Comparator.comparingInt(Upstream::priority).thenComparing(Upstream::name));
		this.upstreams = List.copyOf(sorted);
		this.demo = demo;
		if (this.upstreams.isEmpty()) {
			log.warn("No model provider is configured: the demo upstream answers every model call. "
					+ "Set LINGXI_DEEPSEEK_API_KEY (or see docs/billing-service.md) to use a real one.");
		}
		else {
			log.info("Model providers, in order: {}", this.upstreams.stream().map(Upstream::name).toList());
		}
	}

	/**
	 * The configured alias a requested model names ({@code x} or {@code lingxi/x}), or
	 * null.
	 */
	public String alias(String requested) {
		if (requested == null) {
			return null;
		}
		String name = requested.startsWith(PROVIDER_PREFIX) ? requested.substring(PROVIDER_PREFIX.length()) : requested;
		return this.aliases.containsKey(name) ? name : null;
	}

	public Set<String> aliases() {
		return this.aliases.keySet();
	}

	public ProxyProperties.Alias aliasConfig(String alias) {
		return this.aliases.get(alias);
	}

	/** Whether no real provider is configured and the demo answers. */
	public boolean demoMode() {
		return this.upstreams.isEmpty();
	}

	/**
	 * The upstream calls that can serve an alias for a plan, in the order to try them;
	 * empty if no configured provider serves it.
	 */
	public List<Target> route(String alias, String plan) {
		if (this.upstreams.isEmpty()) {
			return List.of(new Target(this.demo, DemoUpstream.MODEL));
		}
		List<Target> targets = new ArrayList<>(this.upstreams.size());
		for (Upstream upstream : this.upstreams) {
			String model = modelFor(this.configs.get(upstream.name()), alias, plan);
			if (model != null && !model.isBlank()) {
				targets.add(new Target(upstream, model));
			}
		}
		return targets;
	}

	private static String modelFor(ProxyProperties.Upstream config, String alias, String plan) {
		if (config == null) {
			return null;
		}
		if (config.planModels() != null && config.planModels().containsKey(plan)) {
			String model = config.planModels().get(plan).get(alias);
			if (model != null) {
				return model;
			}
		}
		return (config.models() != null) ? config.models().get(alias) : null;
	}

	@Override
	public void destroy() {
		this.upstreams.forEach((upstream) -> {
			if (upstream instanceof HttpUpstream http) {
				http.dispose();
			}
		});
	}

	/**
	 * One way to serve a call.
	 *
	 * @param upstream the provider
	 * @param model the provider's model
	 */
	public record Target(Upstream upstream, String model) {
	}

}
