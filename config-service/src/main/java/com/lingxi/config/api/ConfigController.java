package com.lingxi.config.api;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.config.render.Bundle;
import com.lingxi.config.versions.ConfigPublisher;
import com.lingxi.config.versions.ConfigVersions;
import com.lingxi.config.versions.Rollbacks;
import com.lingxi.config.versions.VersionViews;

/** {@code /api/config/*}: the caller's own configuration history. */
@RestController
@Validated
class ConfigController {

	private final ConfigVersions versions;

	private final ConfigPublisher publisher;

	private final Rollbacks rollbacks;

	private final JsonMapper json;

	ConfigController(ConfigVersions versions, ConfigPublisher publisher, Rollbacks rollbacks, JsonMapper json) {
		this.versions = versions;
		this.publisher = publisher;
		this.rollbacks = rollbacks;
		this.json = json;
	}

	@GetMapping("/api/config/current")
	Mono<VersionViews.Detail> current(CurrentUser caller) {
		return this.publisher.current(caller.id()).map((stored) -> VersionViews.detail(stored, this.json));
	}

	@GetMapping("/api/config/versions")
	Mono<VersionViews.Page> versions(CurrentUser caller,
			@RequestParam(defaultValue = "0") @Min(0) @Max(10_000) int page,
			@RequestParam(defaultValue = "20") @Min(1) @Max(100) int size) {
		return this.versions.list(caller.id(), size, (long) page * size)
			.map(VersionViews::summary)
			.collectList()
			.map((items) -> new VersionViews.Page(page, size, items));
	}

	@GetMapping("/api/config/versions/{version}")
	Mono<VersionViews.Detail> version(CurrentUser caller, @PathVariable @Positive long version) {
		return this.versions.get(caller.id(), version)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Configuration version " + version)))
			.map((stored) -> VersionViews.detail(stored, this.json));
	}

	@GetMapping("/api/config/diff")
	Mono<VersionViews.DiffView> diff(CurrentUser caller, @RequestParam @Positive long from,
			@RequestParam @Positive long to) {
		return Mono.zip(load(caller, from), load(caller, to))
			.map((pair) -> VersionViews.diff(from, to, pair.getT1(), pair.getT2()));
	}

	/**
	 * Renders an earlier version's team with today's memories, skills, profile and plan,
	 * and makes it current.
	 */
	@PostMapping("/api/config/rollback")
	Mono<Map<String, Object>> rollback(CurrentUser caller, @Valid @RequestBody Rollback request) {
		return this.rollbacks.rollback(caller.id(), request.version()).map((outcome) -> {
			ConfigPublisher.Published published = outcome.published();
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("version", published.version());
			body.put("sha256", published.sha256());
			body.put("changed", published.changed());
			body.put("created", published.created());
			body.put("basedOn", outcome.basedOn());
			body.put("leftOut", Map.of("agents", outcome.leftOutAgents(), "skills", outcome.leftOutSkills()));
			body.put("publishedAt", Instant.now().toString());
			return body;
		});
	}

	private Mono<Bundle> load(CurrentUser caller, long version) {
		return this.versions.get(caller.id(), version)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Configuration version " + version)))
			.map((stored) -> Bundle.fromCanonical(this.json.readTree(stored.bundleJson())));
	}

	record Rollback(@NotNull @Positive Long version) {
	}

}
