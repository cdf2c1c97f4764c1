package com.lingxi.config.api;

import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.config.render.Bundle;
import com.lingxi.config.versions.ConfigPublisher;
import com.lingxi.common.trust.InternalApi;

/**
 * {@code /internal/configs/*}, for instance-service: what a user's gateway should run
 * (rendered on first request) and what an unassigned pooled gateway runs.
 */
@RestController
class InternalConfigController {

	private final ConfigPublisher publisher;

	private final JsonMapper json;

	InternalConfigController(ConfigPublisher publisher, JsonMapper json) {
		this.publisher = publisher;
		this.json = json;
	}

	@InternalApi(callers = "instance-service")
	@GetMapping("/internal/configs/{userId}/current")
	Mono<InternalConfig> current(@PathVariable UUID userId) {
		return this.publisher.current(userId)
			.map((stored) -> new InternalConfig(userId, stored.version().version(), stored.version().sha256(),
					this.json.readTree(stored.bundleJson())));
	}

	@InternalApi(callers = "instance-service")
	@GetMapping("/internal/configs/warm")
	Mono<InternalConfig> warm() {
		return this.publisher.warm()
			.map((bundle) -> new InternalConfig(null, 0, bundle.sha256(this.json), canonical(bundle)));
	}

	private JsonNode canonical(Bundle bundle) {
		return bundle.canonical();
	}

	/**
	 * A configuration to apply.
	 *
	 * @param userId the user, null for the warm configuration
	 * @param version version number (0 for the warm configuration)
	 * @param sha256 content hash
	 * @param bundle {@code {"openclaw": {...}, "files": [{"path","content","encoding"}]}}
	 */
	record InternalConfig(UUID userId, long version, String sha256, JsonNode bundle) {
	}

}
