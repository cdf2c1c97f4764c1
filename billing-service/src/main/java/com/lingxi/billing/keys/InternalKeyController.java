package com.lingxi.billing.keys;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.trust.InternalApi;

/**
 * {@code /internal/keys/**}: instance-service issues a key per instance, binds it to the
 * user the instance is assigned to, rotates and revokes it. Never routed publicly.
 */
@RestController
class InternalKeyController {

	private final ProxyKeys keys;

	InternalKeyController(ProxyKeys keys) {
		this.keys = keys;
	}

	@InternalApi(callers = "instance-service")
	@PostMapping("/internal/keys")
	@ResponseStatus(HttpStatus.CREATED)
	Mono<Map<String, Object>> issue(@Valid @RequestBody IssueRequest request) {
		return this.keys.issue(request.instanceId()).map((issued) -> {
			Map<String, Object> body = new LinkedHashMap<>();
			body.put("keyId", issued.key().keyId());
			body.put("key", issued.secret());
			body.put("instanceId", issued.key().instanceId());
			body.put("userId", issued.key().userId());
			body.put("createdAt", issued.key().createdAt());
			return body;
		});
	}

	@InternalApi(callers = { "instance-service", InternalApi.OPERATOR })
	@GetMapping("/internal/keys/{keyId}")
	Mono<InstanceKey> find(@PathVariable UUID keyId) {
		return this.keys.find(keyId);
	}

	@InternalApi(callers = "instance-service")
	@PostMapping("/internal/keys/{keyId}/bind")
	Mono<InstanceKey> bind(@PathVariable UUID keyId, @Valid @RequestBody BindRequest request) {
		return this.keys.bind(keyId, request.userId());
	}

	@InternalApi(callers = { "instance-service", InternalApi.OPERATOR })
	@PostMapping("/internal/keys/{keyId}/rotate")
	Mono<Rotated> rotate(@PathVariable UUID keyId) {
		return this.keys.rotate(keyId)
			.map((issued) -> new Rotated(issued.key().keyId(), issued.secret(), issued.previousValidUntil()));
	}

	@InternalApi(callers = { "instance-service", InternalApi.OPERATOR })
	@DeleteMapping("/internal/keys/{keyId}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> revoke(@PathVariable UUID keyId) {
		return this.keys.revoke(keyId);
	}

	record IssueRequest(@NotNull UUID instanceId) {
	}

	record BindRequest(@NotNull UUID userId) {
	}

	/**
	 * A rotated key.
	 *
	 * @param keyId the same key id
	 * @param key the new secret
	 * @param previousValidUntil until when the old secret still works
	 */
	record Rotated(UUID keyId, String key, Instant previousValidUntil) {
	}

}
