package com.lingxi.agent.team;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import com.lingxi.agent.support.FieldErrors;

/**
 * {@code PUT /api/agents/{agentId}}: {@code enabled} and/or {@code customSoul}. An absent
 * field stays as it is; {@code "customSoul": null} goes back to the template's SOUL.md.
 * Anything else is refused by name.
 */
final class AgentUpdate {

	private Boolean enabled;

	private boolean soulPresent;

	private String customSoul;

	private final Map<String, Object> unknown = new LinkedHashMap<>();

	@JsonProperty("enabled")
	void setEnabled(Boolean enabled) {
		this.enabled = enabled;
	}

	@JsonProperty("customSoul")
	void setCustomSoul(String customSoul) {
		this.soulPresent = true;
		this.customSoul = customSoul;
	}

	@JsonAnySetter
	void other(String name, Object value) {
		this.unknown.put(name, value);
	}

	@JsonIgnore
	Boolean enabled() {
		return this.enabled;
	}

	@JsonIgnore
	boolean soulPresent() {
		return this.soulPresent;
	}

	@JsonIgnore
	String customSoul() {
		return this.customSoul;
	}

	void validate() {
		FieldErrors errors = new FieldErrors();
		this.unknown.keySet().forEach((field) -> errors.add(field, "is not a field of an agent you can change"));
		if (this.enabled == null && !this.soulPresent && this.unknown.isEmpty()) {
			errors.add("body", "must contain enabled or customSoul");
		}
		errors.throwIfAny();
	}

}
