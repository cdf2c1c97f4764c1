package com.lingxi.user.account;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.InstanceStateChanged;
import com.lingxi.common.events.topics.UserPlanChanged;
import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;
import com.lingxi.common.test.TestTrust;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

@UserServiceTest
class ProfileTests {

	@Autowired
	WebTestClient http;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	private String newUser() {
		return new Accounts(this.http).register(Accounts.newPhone(), "s3cret-pass").path("user").path("id").asString();
	}

	private WebTestClient.ResponseSpec put(String userId, String json) {
		return this.http.put()
			.uri("/api/user/profile")
			.headers(TestTrust.asUser("user-service", userId))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(json)
			.exchange();
	}

	private JsonNode profile(String userId) {
		return this.http.get()
			.uri("/api/user/profile")
			.headers(TestTrust.asUser("user-service", userId))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
	}

	@Test
	void readsAndEditsTheCallersOwnProfile() {
		String user = newUser();
		assertThat(profile(user).path("nickname").asString()).isEqualTo("Tester");
		put(user, "{\"nickname\":\"  小灵  \",\"avatarUrl\":\"https://cdn.example.com/a.png\"}").expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.nickname")
			.isEqualTo("小灵")
			.jsonPath("$.avatarUrl")
			.isEqualTo("https://cdn.example.com/a.png");
		put(user, "{\"avatarUrl\":null}").expectStatus().isOk().expectBody().jsonPath("$.avatarUrl").doesNotExist();
		assertThat(profile(user).path("nickname").asString()).isEqualTo("小灵");
	}

	@Test
	void refusesInvalidOrForbiddenFieldsByName() {
		String user = newUser();
		put(user, "{\"nickname\":\"\"}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("nickname");
		put(user, "{\"nickname\":\"" + "长".repeat(51) + "\"}").expectStatus().isBadRequest();
		put(user, "{\"nickname\":\"" + "长".repeat(50) + "\"}").expectStatus().isOk();
		put(user, "{\"avatarUrl\":\"http://insecure.example.com/a.png\"}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("avatarUrl");
		put(user, "{\"avatarUrl\":\"javascript:alert(1)\"}").expectStatus().isBadRequest();
		put(user, "{\"plan\":\"enterprise\",\"phone\":\"+8613800000000\"}").expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[?(@.field == 'plan')].message")
			.isEqualTo("is not writable here")
			.jsonPath("$.errors[?(@.field == 'phone')].message")
			.isEqualTo("is not writable here");
		assertThat(profile(user).path("plan").asString()).isEqualTo("free");
	}

	@Test
	void withoutAnIdentityThereIsNoProfile() {
		this.http.get().uri("/api/user/profile").exchange().expectStatus().isUnauthorized();
		// A forged identity header is not an identity.
		this.http.get()
			.uri("/api/user/profile")
			.header("X-User-Id", newUser())
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.http.get()
			.uri("/api/user/profile")
			.headers(TestTrust.asUser("user-service", UUID.randomUUID(), "free"))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void planAndInstanceFollowTheirOwnersEvents() {
		UUID user = UUID.fromString(newUser());
		UUID instance = UUID.randomUUID();
		Instant now = Instant.now();
		this.tx
			.transactional(this.events
				.publish(UserPlanChanged.TOPIC, user, new UserPlanChanged(user, "free", "pro", now))
				.then(this.events.publish(InstanceStateChanged.TOPIC, user,
						new InstanceStateChanged(instance, user, "ASSIGNING", "READY", null, now)))
				// An older state arriving late must not win.
				.then(this.events.publish(InstanceStateChanged.TOPIC, user,
						new InstanceStateChanged(instance, user, "WARM", "ASSIGNING", null, now.minusSeconds(5)))))
			.block();
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			JsonNode profile = profile(user.toString());
			assertThat(profile.path("plan").asString()).isEqualTo("pro");
			assertThat(profile.path("instanceId").asString()).isEqualTo(instance.toString());
			assertThat(profile.path("instanceStatus").asString()).isEqualTo("READY");
		});
		this.http.get()
			.uri("/internal/users/{id}", user)
			.headers(TestTrust.asService("config-service", "user-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.nickname")
			.isEqualTo("Tester");
	}

}
