package com.lingxi.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import com.lingxi.common.test.OpenClawRuntime;
import com.lingxi.common.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole platform as processes — all six service jars and a real OpenClaw gateway —
 * walked the way the README's walk-through does: a user signs up, their own gateway
 * becomes READY, the default agent answers through the model proxy (the demo upstream,
 * since no provider is configured), and the tokens show up in the user's usage. A second
 * user, for whom the machine has no room yet, waits in a visible queue and can reach none
 * of the first user's things.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformJourneyTests {

	private static Platform platform;

	private static ApiClient api;

	private static String aliceToken;

	private static String aliceConversation;

	@BeforeAll
	static void startPlatform() throws Exception {
		// Room for exactly one gateway: the warm one the first user gets.
		platform = Platform.start("plat",
				Map.of("instance-service",
						List.of("--lingxi.instances.local.memory-budget=1200MB", "--lingxi.instances.pool.target=1")),
				false, 29300);
		api = platform.api();
	}

	@AfterAll
	static void stopPlatform() throws Exception {
		if (platform != null) {
			platform.close();
		}
	}

	private JsonNode awaitStatus(String token, Predicate<JsonNode> until, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		JsonNode status = null;
		while (System.nanoTime() < deadline) {
			EntityExchangeResult<JsonNode> result = api.get("/api/instance/status", token)
				.expectBody(JsonNode.class)
				.returnResult();
			status = result.getResponseBody();
			// 404 no-instance: the sign-up event has not been handled yet.
			if (result.getStatus().value() == 404) {
				assertThat(status.path("type").asString()).endsWith("/no-instance");
				Thread.sleep(250);
				continue;
			}
			assertThat(result.getStatus().value()).isEqualTo(200);
			if (until.test(status)) {
				return status;
			}
			assertThat(status.path("state").asString()).as("instance state").isNotEqualTo("ERROR");
			Thread.sleep(1000);
		}
		throw new AssertionError("instance status never got there: " + status);
	}

	private JsonNode awaitUsage(String token, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		JsonNode usage = null;
		while (System.nanoTime() < deadline) {
			usage = ApiClient.json(api.get("/api/billing/usage?groupBy=agent", token), HttpStatus.OK);
			if (!usage.path("items").isEmpty()) {
				return usage;
			}
			Thread.sleep(500);
		}
		throw new AssertionError("no usage recorded: " + usage);
	}

	@Test
	@Order(1)
	void aNewUserGetsTheirOwnGatewayWhoseDefaultAgentAnswersThroughTheMeteredModelProxy() throws Exception {
		JsonNode alice = api.signUp(ApiClient.newPhone());
		aliceToken = alice.path("accessToken").asString();

		// The warm gateway is started at boot; personalising it for this user is what
		// remains.
		JsonNode ready = awaitStatus(aliceToken, (status) -> status.path("state").asString().equals("READY"),
				Duration.ofMinutes(4));
		assertThat(ready.path("appliedConfigVersion").asLong()).isGreaterThanOrEqualTo(1);
		assertThat(ready.path("steps")).isNotEmpty();
		assertThat(ready.toString()).doesNotContain("127.0.0.1");
		JsonNode team = ApiClient.json(api.get("/api/agents", aliceToken), HttpStatus.OK);
		assertThat(team.toString()).contains("assistant");

		List<ServerSentEvent<JsonNode>> events = api.http()
			.post()
			.uri("/api/instance/chat")
			.header("Authorization", "Bearer " + aliceToken)
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.bodyValue(Map.of("agentId", "assistant", "message", "你好，请介绍一下你自己。"))
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<JsonNode>>() {
			})
			.getResponseBody()
			.collectList()
			.block(Duration.ofMinutes(2));
		assertThat(events).isNotNull();
		StringBuilder answer = new StringBuilder();
		events.stream()
			.filter((event) -> "delta".equals(event.event()))
			.forEach((event) -> answer.append(event.data().path("content").asString()));
		// No provider is configured: the proxy's demo upstream answers, clearly labelled,
		// and
		// the words arrive through the user's OpenClaw gateway.
		assertThat(answer.toString()).contains("[Lingxi demo model]").contains("LINGXI_UPSTREAM_BASE_URL");
		ServerSentEvent<JsonNode> done = events.get(events.size() - 1);
		assertThat(done.event()).isEqualTo("done");
		aliceConversation = done.data().path("conversationId").asString();
		assertThat(aliceConversation).isNotBlank();

		JsonNode conversation = ApiClient.json(api.get("/api/instance/conversations/" + aliceConversation, aliceToken),
				HttpStatus.OK);
		assertThat(conversation.path("messages").findValuesAsString("role")).containsExactly("user", "assistant");

		// Every token was metered, per agent, for this user.
		JsonNode usage = awaitUsage(aliceToken, Duration.ofSeconds(20));
		JsonNode assistant = usage.path("items").path(0);
		assertThat(assistant.path("key").asString()).isEqualTo("assistant");
		assertThat(assistant.path("inputTokens").asLong()).isPositive();
		assertThat(assistant.path("outputTokens").asLong()).isPositive();
		JsonNode quota = ApiClient.json(api.get("/api/billing/quota", aliceToken), HttpStatus.OK);
		assertThat(quota.path("used").asLong()).isGreaterThanOrEqualTo(assistant.path("totalTokens").asLong());
	}

	@Test
	@Order(2)
	void aSecondUserWaitsInAVisibleQueueAndReachesNothingOfTheFirst() throws Exception {
		assertThat(aliceConversation).as("the first journey ran").isNotNull();
		JsonNode bob = api.signUp(ApiClient.newPhone());
		String bobToken = bob.path("accessToken").asString();

		// The machine has room for one gateway, and it is the first user's.
		JsonNode queued = awaitStatus(bobToken, (status) -> status.path("state").asString().equals("QUEUED"),
				Duration.ofSeconds(60));
		assertThat(queued.path("queuePosition").asInt()).isEqualTo(1);
		api.post("/api/instance/chat", Map.of("agentId", "assistant", "message", "hi"), bobToken)
			.expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.queuePosition")
			.isEqualTo(1);

		api.get("/api/instance/conversations/" + aliceConversation, bobToken).expectStatus().isNotFound();
		assertThat(
				ApiClient.json(api.get("/api/instance/conversations", bobToken), HttpStatus.OK).path("conversations"))
			.isEmpty();
		assertThat(ApiClient.json(api.get("/api/billing/usage?groupBy=agent", bobToken), HttpStatus.OK).path("items"))
			.isEmpty();
		// Claiming to be the first user changes nothing: the gateway sets the identity.
		api.http()
			.get()
			.uri("/api/instance/conversations/" + aliceConversation)
			.header("Authorization", "Bearer " + bobToken)
			.header("X-User-Id",
					ApiClient.json(api.get("/api/user/profile", aliceToken), HttpStatus.OK).path("id").asString())
			.exchange()
			.expectStatus()
			.isNotFound();
		// The first user's gateway is untouched by all this.
		assertThat(ApiClient.json(api.get("/api/instance/status", aliceToken), HttpStatus.OK).path("state").asString())
			.isEqualTo("READY");
	}

}
