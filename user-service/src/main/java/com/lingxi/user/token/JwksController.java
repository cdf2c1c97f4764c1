package com.lingxi.user.token;

import java.time.Duration;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.trust.InternalApi;

/**
 * {@code GET /.well-known/jwks.json}, the public keys access tokens verify against, and
 * {@code POST /internal/keys/rotate} for operators.
 */
@RestController
class JwksController {

	private final SigningKeys keys;

	JwksController(SigningKeys keys) {
		this.keys = keys;
	}

	@GetMapping("/.well-known/jwks.json")
	Mono<ResponseEntity<Map<String, Object>>> jwks() {
		return this.keys.publicKeys()
			.map((set) -> ResponseEntity.ok()
				.cacheControl(CacheControl.maxAge(Duration.ofMinutes(5)).cachePublic())
				.body(set.toJSONObject(true)));
	}

	/**
	 * Starts a rotation: the new key is published now and signs after
	 * {@code publishAheadSeconds} (default: the configured lead time).
	 */
	@InternalApi(callers = InternalApi.OPERATOR)
	@PostMapping("/internal/keys/rotate")
	Mono<Map<String, Object>> rotate(@RequestParam(required = false) Long publishAheadSeconds) {
		Duration ahead = (publishAheadSeconds != null) ? Duration.ofSeconds(publishAheadSeconds) : null;
		return ((ahead != null) ? this.keys.rotate(ahead) : this.keys.rotateWithDefaultLead())
			.map((key) -> Map.of("kid", key.kid(), "activeFrom", key.activeFrom().toString()));
	}

}
