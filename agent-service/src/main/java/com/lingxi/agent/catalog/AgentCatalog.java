package com.lingxi.agent.catalog;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The built-in agents, in display order, and the catalog's version. Immutable; loaded
 * once at start-up by {@link AgentCatalogLoader}.
 */
public final class AgentCatalog {

	/** The agent every new user starts with. */
	public static final String DEFAULT_AGENT = "assistant";

	private final String version;

	private final List<AgentTemplate> templates;

	private final Map<String, AgentTemplate> byId;

	AgentCatalog(String version, List<AgentTemplate> templates) {
		this.version = version;
		this.templates = List.copyOf(templates);
		this.byId = templates.stream().collect(Collectors.toUnmodifiableMap(AgentTemplate::id, Function.identity()));
	}

	public String version() {
		return this.version;
	}

	public List<AgentTemplate> templates() {
		return this.templates;
	}

	public Optional<AgentTemplate> find(String id) {
		return Optional.ofNullable((id != null) ? this.byId.get(id) : null);
	}

	public boolean contains(String id) {
		return id != null && this.byId.containsKey(id);
	}

}
