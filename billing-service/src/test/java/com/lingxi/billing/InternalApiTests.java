package com.lingxi.billing;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.billing.TestKeys.Key;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.InternalApi;
import com.lingxi.common.trust.TrustHeaders;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code /internal/**} contracts instance-service, config-service and agent-service
 * rely on: keys (issue, bind, rotate, revoke) and plans, and the subscription a new user
 * gets from {@code user.registered}.
 */
@BillingServiceTest
@TestPropertySource(properties = { "lingxi.billing.keys.rotation-grace=2s", "lingxi.billing.keys.cache-ttl=500ms" })
class InternalApiTests {

	@Autowired
	WebTestClient http;

	/** The model proxy's listener (users' gateways call it). */
	WebTestClient proxy;

	@Value("${local.model-proxy.port}")
	int proxyPort;

	@Autowired
	DatabaseClient db;

	@Autowired
	JsonMapper json;

	@Autowired
	EventPublisher events;

	@Autowired
	TransactionalOperator tx;

	TestKeys keys;

	UsageRows rows;

	@BeforeEach
	void setUp() {
		this.proxy = ModelProxyListener.client(this.proxyPort);
		this.keys = new TestKeys(this.http);
		this.rows = new UsageRows(this.db);
	}

	WebTestClient.ResponseSpec chat(String secret) {
		return this.proxy.post()
			.uri("/v1/chat/completions")
			.header("Authorization", "Bearer " + secret)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"model\":\"standard\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
			.exchange();
	}

	@Test
	void issuesAKeyWhoseSecretIsShownOnceAndStoredOnlyAsAHash() {
		UUID instance = UUID.randomUUID();
		JsonNode issued = this.http.post()
			.uri("/internal/keys")
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("instanceId", instance))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		String keyId = issued.path("keyId").asString();
		String secret = issued.path("key").asString();
		assertThat(secret).startsWith("lx-").hasSizeGreaterThan(40);
		assertThat(issued.path("instanceId").asString()).isEqualTo(instance.toString());
		assertThat(issued.has("userId")).isTrue();
		assertThat(issued.path("userId").isNull()).isTrue();
		assertThat(Instant.parse(issued.path("createdAt").asString())).isBefore(Instant.now().plusSeconds(1));

		this.http.get()
			.uri("/internal/keys/{id}", keyId)
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.keyId")
			.isEqualTo(keyId)
			.jsonPath("$.key")
			.doesNotExist()
			.jsonPath("$.userId")
			.isEmpty();
		assertThat(this.rows.count("SELECT count(*) FROM instance_keys WHERE secret_hash LIKE '%" + secret + "%'"))
			.isZero();
		this.http.get()
			.uri("/internal/keys/{id}", UUID.randomUUID())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.http.post()
			.uri("/internal/keys")
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{}")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("instanceId");
	}

	@Test
	void bindsAKeyToOneUserOnly() {
		Key key = this.keys.unbound();
		UUID user = UUID.randomUUID();
		this.http.post()
			.uri("/internal/keys/{id}/bind", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("userId", user))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo(user.toString())
			.jsonPath("$.key")
			.doesNotExist();
		// Again for the same user: fine (idempotent).
		this.keys.bind(key, user);
		this.http.post()
			.uri("/internal/keys/{id}/bind", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("userId", UUID.randomUUID()))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/key-bound-to-another-user");
		this.http.post()
			.uri("/internal/keys/{id}/bind", UUID.randomUUID())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("userId", user))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void rotationKeepsTheOldSecretWorkingForTheGracePeriodOnly() throws InterruptedException {
		Key key = this.keys.forNewUser();
		chat(key.secret()).expectStatus().isOk();
		JsonNode rotated = this.http.post()
			.uri("/internal/keys/{id}/rotate", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(rotated.path("keyId").asString()).isEqualTo(key.id().toString());
		String fresh = rotated.path("key").asString();
		assertThat(fresh).startsWith("lx-").isNotEqualTo(key.secret());
		chat(fresh).expectStatus().isOk();
		chat(key.secret()).expectStatus().isOk();
		Thread.sleep(2600);
		chat(key.secret()).expectStatus().isUnauthorized();
		chat(fresh).expectStatus().isOk();
		// The rotated key keeps its binding.
		this.http.get()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo(key.userId().toString());
	}

	@Test
	void aRevokedKeyIsGone() {
		Key key = this.keys.forNewUser();
		chat(key.secret()).expectStatus().isOk();
		this.http.delete()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNoContent();
		chat(key.secret()).expectStatus().isUnauthorized();
		this.http.get()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.http.delete()
			.uri("/internal/keys/{id}", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNoContent();
		this.http.delete()
			.uri("/internal/keys/{id}", UUID.randomUUID())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNotFound();
		this.http.post()
			.uri("/internal/keys/{id}/rotate", key.id())
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isNotFound();
	}

	@Test
	void onlyInstanceServiceIssuesAndBindsKeysAndOnlyAnOperatorChangesPlans() {
		Map<String, Object> newInstance = Map.of("instanceId", UUID.randomUUID());
		this.http.post()
			.uri("/internal/keys")
			.headers(TestTrust.asService("config-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(newInstance)
			.exchange()
			.expectStatus()
			.isForbidden()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		this.http.post()
			.uri("/internal/keys")
			.headers(TestTrust.asService(InternalApi.OPERATOR, "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(newInstance)
			.exchange()
			.expectStatus()
			.isForbidden();
		Key key = this.keys.unbound();
		this.http.post()
			.uri("/internal/keys/{id}/bind", key.id())
			.headers(TestTrust.asService("config-service", "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("userId", UUID.randomUUID()))
			.exchange()
			.expectStatus()
			.isForbidden();
		UUID user = UUID.randomUUID();
		for (String caller : new String[] { "instance-service", "config-service", "user-service" }) {
			this.http.post()
				.uri("/internal/users/{id}/plan", user)
				.headers(TestTrust.asService(caller, "billing-service"))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("plan", "pro"))
				.exchange()
				.expectStatus()
				.isForbidden();
		}
		// Without any credential, or with a forged one, nothing changes either.
		this.http.post()
			.uri("/internal/users/{id}/plan", user)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("plan", "pro"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.http.post()
			.uri("/internal/users/{id}/plan", user)
			.header(TrustHeaders.SERVICE, TestTrust.strangerToken(InternalApi.OPERATOR, "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("plan", "pro"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.http.get()
			.uri("/internal/users/{id}/plan", user)
			.headers(TestTrust.asService("instance-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.plan")
			.isEqualTo("free");
	}

	@Test
	void aUserWithoutASubscriptionIsOnTheFreePlanWithItsLimits() {
		this.http.get()
			.uri("/internal/users/{id}/plan", UUID.randomUUID())
			.headers(TestTrust.asService("config-service", "billing-service"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.plan")
			.isEqualTo("free")
			.jsonPath("$.limits.monthlyTokens")
			.isEqualTo(2000000)
			.jsonPath("$.limits.requestsPerMinute")
			.isEqualTo(10)
			.jsonPath("$.limits.tokensPerMinute")
			.isEqualTo(200000)
			.jsonPath("$.limits.agentsPerTeam")
			.isEqualTo(3)
			.jsonPath("$.limits.instanceCpu")
			.isEqualTo("500m")
			.jsonPath("$.limits.instanceMemory")
			.isEqualTo("1536Mi")
			.jsonPath("$.limits.hibernateAfter")
			.isEqualTo("PT30M")
			.jsonPath("$.limits.modelAliases[0]")
			.isEqualTo("standard");
	}

	@Test
	void changingThePlanIsAnnouncedOnceAndRecordedInTheHistory() {
		UUID user = UUID.randomUUID();
		this.http.post()
			.uri("/internal/users/{id}/plan", user)
			.headers(TestTrust.asService(InternalApi.OPERATOR, "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("plan", "team", "reason", "sales deal"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo(user.toString())
			.jsonPath("$.plan")
			.isEqualTo("team")
			.jsonPath("$.limits.instanceMemory")
			.isEqualTo("4Gi")
			.jsonPath("$.limits.modelAliases.length()")
			.isEqualTo(2);
		this.keys.plan(user, "team");
		this.http.get()
			.uri("/internal/users/{id}/plan", user)
			.headers(TestTrust.asService("config-service", "billing-service"))
			.exchange()
			.expectBody()
			.jsonPath("$.plan")
			.isEqualTo("team");
		var announced = this.rows.events("user.plan-changed")
			.stream()
			.filter((event) -> user.toString().equals(event.get("event_key")))
			.toList();
		assertThat(announced).hasSize(1);
		JsonNode payload = this.json.readTree((String) announced.get(0).get("payload"));
		assertThat(payload.path("previousPlan").asString()).isEqualTo("free");
		assertThat(payload.path("plan").asString()).isEqualTo("team");
		this.http.get()
			.uri("/api/billing/subscription")
			.headers(TestTrust.asUser("billing-service", user, "free"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.plan")
			.isEqualTo("team")
			.jsonPath("$.history[0].reason")
			.isEqualTo("sales deal");
		this.http.post()
			.uri("/internal/users/{id}/plan", user)
			.headers(TestTrust.asService(InternalApi.OPERATOR, "billing-service"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("plan", "platinum"))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/unknown-plan");
	}

	@Test
	void aNewUserGetsTheFreeSubscriptionOnceFromUserRegistered() {
		UUID user = UUID.randomUUID();
		UserRegistered payload = new UserRegistered(user, "free", "小明", Instant.now());
		this.tx
			.transactional(this.events.publish(UserRegistered.TOPIC, user, payload)
				.then(this.events.publish(UserRegistered.TOPIC, user, payload)))
			.block();
		await().atMost(Duration.ofSeconds(15))
			.until(() -> this.rows.count("SELECT count(*) FROM subscriptions WHERE user_id = '" + user + "'") == 1);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.rows.count("SELECT count(*) FROM event_processed") >= 2);
		assertThat(this.rows.count("SELECT count(*) FROM plan_changes WHERE user_id = '" + user + "'")).isEqualTo(1);
		this.http.get()
			.uri("/api/billing/subscription")
			.headers(TestTrust.asUser("billing-service", user, "free"))
			.exchange()
			.expectBody()
			.jsonPath("$.plan")
			.isEqualTo("free")
			.jsonPath("$.since")
			.isNotEmpty()
			.jsonPath("$.history[0].reason")
			.isEqualTo("registered");
	}

}
