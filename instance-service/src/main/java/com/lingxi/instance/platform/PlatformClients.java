package com.lingxi.instance.platform;

import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

import org.springframework.cloud.openfeign.FeignClient;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;

/**
 * The internal APIs of billing-service and config-service (call through
 * {@code RemoteCalls}).
 */
public final class PlatformClients {

	private PlatformClients() {
	}

	@FeignClient(name = "billing-service", contextId = "billingKeys")
	public interface Billing {

		@PostMapping("/internal/keys")
		ModelKey issueKey(@RequestBody Map<String, Object> body);

		@PostMapping("/internal/keys/{keyId}/bind")
		ModelKey bindKey(@PathVariable("keyId") UUID keyId, @RequestBody Map<String, Object> body);

		@DeleteMapping("/internal/keys/{keyId}")
		void revokeKey(@PathVariable("keyId") UUID keyId);

		@GetMapping("/internal/users/{userId}/plan")
		JsonNode plan(@PathVariable("userId") UUID userId);

	}

	@FeignClient(name = "config-service", contextId = "configs")
	public interface Configs {

		@GetMapping("/internal/configs/{userId}/current")
		ConfigDocument current(@PathVariable("userId") UUID userId);

		@GetMapping("/internal/configs/warm")
		ConfigDocument warm();

	}

	/**
	 * A model-proxy key.
	 *
	 * @param keyId its id
	 * @param key the secret (only when issued)
	 * @param instanceId the instance it belongs to
	 * @param userId the user it is bound to
	 */
	public record ModelKey(UUID keyId, String key, UUID instanceId, UUID userId) {
	}

	/**
	 * A configuration to apply.
	 *
	 * @param userId the user (null for the warm configuration)
	 * @param version version number (0 for warm)
	 * @param sha256 content hash
	 * @param bundle {@code {"openclaw": {...}, "files": [...]}}
	 */
	public record ConfigDocument(UUID userId, long version, String sha256, JsonNode bundle) {
	}

}
