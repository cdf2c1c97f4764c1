package com.lingxi.agent;

import java.util.UUID;

import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.test.TestTrust;

/**
 * A signed-in user as the gateway presents them to the service: a fresh edge assertion on
 * every request.
 */
public final class Caller {

	private final WebTestClient http;

	private final UUID id;

	private final String plan;

	public Caller(WebTestClient http, String plan) {
		this(http, UUID.randomUUID(), plan);
	}

	public Caller(WebTestClient http, UUID id, String plan) {
		this.http = http;
		this.id = id;
		this.plan = plan;
	}

	public UUID id() {
		return this.id;
	}

	public WebTestClient.ResponseSpec get(String uri, Object... vars) {
		return this.http.get().uri(uri, vars).headers(this::identity).exchange();
	}

	public WebTestClient.ResponseSpec post(String uri, Object body, Object... vars) {
		return this.http.post()
			.uri(uri, vars)
			.headers(this::identity)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	public WebTestClient.ResponseSpec put(String uri, Object body, Object... vars) {
		return this.http.put()
			.uri(uri, vars)
			.headers(this::identity)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	public WebTestClient.ResponseSpec delete(String uri, Object... vars) {
		return this.http.delete().uri(uri, vars).headers(this::identity).exchange();
	}

	public JsonNode json(WebTestClient.ResponseSpec response) {
		return response.expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	private void identity(org.springframework.http.HttpHeaders headers) {
		TestTrust.asUser("agent-service", this.id, this.plan).accept(headers);
	}

}
