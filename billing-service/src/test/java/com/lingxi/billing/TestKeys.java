package com.lingxi.billing;

import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.InternalApi;

/** Issues and binds proxy keys through the internal API, as instance-service does. */
public final class TestKeys {

	private final WebTestClient http;

	public TestKeys(WebTestClient http) {
		this.http = http;
	}

	/** A new key for a new instance, not bound to anyone (a warm-pool instance). */
	public Key unbound() {
		JsonNode issued = this.http.post()
			.uri("/internal/keys")
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("instanceId", UUID.randomUUID()))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		return new Key(UUID.fromString(issued.path("keyId").asString()), issued.path("key").asString(),
				UUID.fromString(issued.path("instanceId").asString()), null);
	}

	/** A new key bound to a new user. */
	public Key forNewUser() {
		return bind(unbound(), UUID.randomUUID());
	}

	public Key bind(Key key, UUID userId) {
		this.http.post()
			.uri("/internal/keys/{id}/bind", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("userId", userId))
			.exchange()
			.expectStatus()
			.isOk();
		return new Key(key.id(), key.secret(), key.instanceId(), userId);
	}

	/** Puts a user on a plan. */
	public void plan(UUID userId, String plan) {
		this.http.post()
			.uri("/internal/users/{id}/plan", userId)
			.headers(TestTrust.asService(InternalApi.OPERATOR, "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("plan", plan))
			.exchange()
			.expectStatus()
			.isOk();
	}

	/**
	 * A proxy key.
	 *
	 * @param id key id
	 * @param secret the {@code lx-...} secret
	 * @param instanceId its instance
	 * @param userId its user, null while unbound
	 */
	public record Key(UUID id, String secret, UUID instanceId, UUID userId) {

		public String bearer() {
			return "Bearer " + this.secret;
		}

	}

}
