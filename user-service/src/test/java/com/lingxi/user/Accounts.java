package com.lingxi.user;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Drives sign-up over HTTP the way a client does, reading codes from the dev inbox. */
public final class Accounts {

	private final WebTestClient http;

	public Accounts(WebTestClient http) {
		this.http = http;
	}

	public void requestCode(String phone) {
		this.http.post()
			.uri("/api/auth/sms-code")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone))
			.exchange()
			.expectStatus()
			.isAccepted();
	}

	public String latestCode(String phone) {
		return this.http.get()
			.uri("/api/dev/sms/{phone}", phone)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody()
			.path("messages")
			.path(0)
			.path("code")
			.asString();
	}

	/** Registers with a password; returns the session JSON. */
	public JsonNode register(String phone, String password) {
		requestCode(phone);
		String code = latestCode(phone);
		return this.http.post()
			.uri("/api/auth/register")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("phone", phone, "code", code, "password", password, "nickname", "Tester"))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	/** A fresh mainland mobile number. */
	public static String newPhone() {
		return String.format("+86139%08d", ThreadLocalRandom.current().nextInt(100_000_000));
	}

}
