package com.lingxi.config.versions;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.ConfigPublished;
import com.lingxi.config.render.Bundle;
import com.lingxi.config.render.ConfigRenderer;
import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.sources.RenderInputsLoader;
import com.lingxi.config.validation.InvalidConfigException;
import com.lingxi.config.validation.OpenClawSchema;

/**
 * Render → validate → version → publish. A render is stored only if it validates;
 * identical content is never stored twice (the existing version becomes current again);
 * every change of the current version emits {@code config.published}, in the same
 * transaction.
 */
public final class ConfigPublisher {

	private static final Logger log = LoggerFactory.getLogger(ConfigPublisher.class);

	private final RenderInputsLoader inputs;

	private final ConfigRenderer renderer;

	private final OpenClawSchema schema;

	private final ConfigVersions versions;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final JsonMapper json;

	public ConfigPublisher(RenderInputsLoader inputs, ConfigRenderer renderer, OpenClawSchema schema,
			ConfigVersions versions, EventPublisher events, TransactionalOperator tx, JsonMapper json) {
		this.inputs = inputs;
		this.renderer = renderer;
		this.schema = schema;
		this.versions = versions;
		this.events = events;
		this.tx = tx;
		this.json = json;
	}

	/** Renders the user's configuration now and makes it current. */
	public Mono<Published> publish(UUID userId, String cause) {
		return this.inputs.load(userId)
			.publishOn(Schedulers.boundedElastic())
			.map(this.renderer::render)
			.flatMap((bundle) -> store(userId, bundle, cause));
	}

	/**
	 * Renders the given inputs (instead of reading them) and makes the result current:
	 * for a rollback, which renders an earlier version's team.
	 */
	public Mono<Published> publish(UUID userId, RenderInputs inputs, String cause) {
		return Mono.just(inputs)
			.publishOn(Schedulers.boundedElastic())
			.map(this.renderer::render)
			.flatMap((bundle) -> store(userId, bundle, cause));
	}

	/** The current version, rendering a first one if the user has none yet. */
	public Mono<ConfigVersions.StoredVersion> current(UUID userId) {
		return this.versions.current(userId)
			.switchIfEmpty(Mono.defer(() -> publish(userId, "first request").then(this.versions.current(userId))));
	}

	/** The configuration for pooled gateways without a user (validated, not stored). */
	public Mono<Bundle> warm() {
		return Mono.fromCallable(() -> {
			Bundle bundle = this.renderer.renderWarm();
			List<OpenClawSchema.Violation> violations = this.schema.validate(bundle.openclaw());
			if (!violations.isEmpty()) {
				throw new InvalidConfigException(violations);
			}
			return bundle;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	private Mono<Published> store(UUID userId, Bundle bundle, String cause) {
		List<OpenClawSchema.Violation> violations = this.schema.validate(bundle.openclaw());
		if (!violations.isEmpty()) {
			log.warn("Rendered configuration of user {} ({}) does not validate: {}", userId, cause, violations);
			return this.versions.reject(userId, cause, this.json.writeValueAsString(violations))
				.then(Mono.error(new InvalidConfigException(violations)));
		}
		String sha256 = bundle.sha256(this.json);
		String canonical = this.json.writeValueAsString(bundle.canonical());
		return this.tx.transactional(this.versions.lock(userId)
			.then(this.versions.bySha(userId, sha256))
			.flatMap((existing) -> makeCurrent(existing, cause))
			.switchIfEmpty(Mono.defer(() -> this.versions.nextVersion(userId)
				.flatMap((next) -> this.versions
					.insert(userId, next, sha256, canonical, cause, this.schema.openclawVersion())
					.then(this.versions.bySha(userId, sha256)))
				.flatMap((created) -> makeCurrent(created, cause).map(Published::asNew)))));
	}

	private Mono<Published> makeCurrent(ConfigVersions.Version version, String cause) {
		UUID userId = version.userId();
		return this.versions.currentVersion(userId).defaultIfEmpty(-1L).flatMap((current) -> {
			if (current == version.version()) {
				return Mono.just(new Published(userId, version.version(), version.sha256(), false, false));
			}
			log.info("Publishing configuration v{} of user {} ({})", version.version(), userId, cause);
			return this.versions.setCurrent(userId, version.version(), cause)
				.then(this.events.publish(ConfigPublished.TOPIC, userId,
						new ConfigPublished(userId, version.version(), version.sha256(), cause, Instant.now())))
				.thenReturn(new Published(userId, version.version(), version.sha256(), false, true));
		});
	}

	/**
	 * The outcome of a publish.
	 *
	 * @param userId the user
	 * @param version the version now current
	 * @param sha256 its content hash
	 * @param created whether the render made a new version
	 * @param changed whether the current version changed (and config.published was
	 * emitted)
	 */
	public record Published(UUID userId, long version, String sha256, boolean created, boolean changed) {

		Published asNew() {
			return new Published(this.userId, this.version, this.sha256, true, this.changed);
		}

	}

}
