package com.lingxi.e2e;

import java.net.Socket;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;

import com.lingxi.common.test.TestTrust;
import com.lingxi.common.trust.InternalApi;
import com.lingxi.common.trust.TrustHeaders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The platform's own attack suite: the real service jars and a real OpenClaw gateway,
 * attacked the ways docs/security.md says they must withstand. Alice has an assistant
 * with a conversation, a memory and a team; Bob, Dave and anonymous callers try to get at
 * them, every service port is called directly with forged and misdirected credentials,
 * the model proxy is tricked, paths are bent, and PostgreSQL and Redis go away during
 * traffic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityAttackTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	/** Public routes (no token needed), by method and pattern. */
	private static final Set<String> PUBLIC = Set.of("POST /api/auth/sms-code", "POST /api/auth/register",
			"POST /api/auth/login", "POST /api/auth/refresh", "POST /api/auth/wechat", "GET /api/skills",
			"GET /api/skills/{id}", "GET /api/skills/recommend", "GET /api/billing/plans", "GET /api/dev/sms/{phone}");

	private static Platform platform;

	private static ApiClient api;

	private static final Map<String, String> alice = new LinkedHashMap<>();

	private static String aliceToken;

	private static String bobToken;

	@BeforeAll
	static void startPlatform() throws Exception {
		List<String> everywhere = List
			.of("--management.endpoints.web.exposure.include=health,info,prometheus,mappings");
		Map<String, List<String>> own = new LinkedHashMap<>();
		for (String service : Platform.SERVICES) {
			own.put(service, new ArrayList<>(everywhere));
		}
		own.get("instance-service")
			.addAll(List.of("--lingxi.instances.local.memory-budget=1200MB", "--lingxi.instances.pool.target=1"));
		own.get("gateway-service")
			.addAll(List.of("--lingxi.gateway.rate-limit.plans.free.requests-per-second=1000",
					"--lingxi.gateway.rate-limit.plans.free.burst=1000",
					"--lingxi.gateway.rate-limit.anonymous.requests-per-second=1000",
					"--lingxi.gateway.rate-limit.anonymous.burst=1000"));
		// A plan with a small allowance, for racing the quota.
		own.get("billing-service")
			.addAll(List.of("--lingxi.billing.plans.tiny.display-name=Tiny",
					"--lingxi.billing.plans.tiny.monthly-tokens=1200",
					"--lingxi.billing.plans.tiny.requests-per-minute=1000",
					"--lingxi.billing.plans.tiny.tokens-per-minute=10000000",
					"--lingxi.billing.plans.tiny.agents-per-team=3", "--lingxi.billing.plans.tiny.instance-cpu=500m",
					"--lingxi.billing.plans.tiny.instance-memory=1536Mi",
					"--lingxi.billing.plans.tiny.hibernate-after=30m",
					"--lingxi.billing.plans.tiny.model-aliases=standard",
					"--lingxi.billing.plans.tiny.concurrent-calls=32"));
		platform = Platform.start("attack", own, true, 29600);
		api = platform.api();
	}

	@AfterAll
	static void stopPlatform() throws Exception {
		if (platform != null) {
			platform.close();
		}
	}

	@Test
	@Order(1)
	void aliceHasAnAssistantWithThingsWorthStealing() throws Exception {
		String phone = ApiClient.newPhone();
		JsonNode session = api.signUp(phone);
		aliceToken = session.path("accessToken").asString();
		alice.put("id", session.path("user").path("id").asString());
		alice.put("phone", phone);
		String marker = "alice-secret-" + UUID.randomUUID();
		alice.put("marker", marker);
		JsonNode memory = ApiClient.json(
				api.post("/api/memories",
						Map.of("domain", "personal", "type", "fact", "content", marker, "importance", 9), aliceToken),
				HttpStatus.CREATED);
		alice.put("memory", memory.path("id").asString());
		api.post("/api/agents", Map.of("agentId", "coder"), aliceToken).expectStatus().is2xxSuccessful();

		JsonNode ready = awaitState(aliceToken, "READY", Duration.ofMinutes(5));
		alice.put("instance", ready.path("instanceId").asString(""));
		List<ServerSentEvent<JsonNode>> events = api.http()
			.post()
			.uri("/api/instance/chat")
			.header("Authorization", "Bearer " + aliceToken)
			.contentType(MediaType.APPLICATION_JSON)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.bodyValue(Map.of("agentId", "assistant", "message", "Remember: " + marker))
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<JsonNode>>() {
			})
			.getResponseBody()
			.collectList()
			.block(Duration.ofMinutes(3));
		ServerSentEvent<JsonNode> done = events.get(events.size() - 1);
		assertThat(done.event()).isEqualTo("done");
		alice.put("conversation", done.data().path("conversationId").asString());

		bobToken = api.signUp(ApiClient.newPhone()).path("accessToken").asString();
	}

	@Test
	@Order(2)
	void bobSweepsEveryApiRouteWithAlicesIdsAndGetsNothingOfHers() throws Exception {
		assertThat(alice).containsKey("conversation");
		List<Route> routes = apiRoutes();
		assertThat(routes).as("routes found in the services' handler mappings").hasSizeGreaterThan(40);
		// Bob signing himself out would end the sweep early: last.
		routes.sort(Comparator.comparing((Route route) -> route.pattern().equals("/api/auth/logout")));
		List<String> unfilled = new ArrayList<>();
		for (Route route : routes) {
			if (route.pattern().startsWith("/api/dev/")) {
				continue; // development mode only: refused without it (user-service
							// tests)
			}
			String path;
			try {
				path = fill(route.pattern());
			}
			catch (IllegalArgumentException ex) {
				unfilled.add(route + ": " + ex.getMessage());
				continue;
			}
			Answer asBob = call(route.method(), gateway(path), bodyFor(route), "Authorization", "Bearer " + bobToken);
			assertNoLeak(route + " as Bob", asBob, path);
			if (route.pattern().contains("{id}")
					&& (path.contains(alice.get("memory")) || path.contains(alice.get("conversation")))) {
				assertThat(asBob.status()).as(route + " on Alice's own id, as Bob").isEqualTo(404);
			}
			Answer anonymous = call(route.method(), gateway(path), bodyFor(route));
			assertNoLeak(route + " anonymously", anonymous, path);
			if (!PUBLIC.contains(route.toString()) && !route.pattern().equals("/api/instance/ws")) {
				assertThat(anonymous.status()).as(route + " without a token").isEqualTo(401);
			}
		}
		assertThat(unfilled).as("routes the sweep cannot fill: give their path variables a value").isEmpty();

		// Alice's things are all still hers and unchanged.
		JsonNode memory = ApiClient.json(api.get("/api/memories/" + alice.get("memory"), aliceToken), HttpStatus.OK);
		assertThat(memory.path("content").asString()).isEqualTo(alice.get("marker"));
		assertThat(ApiClient.json(api.get("/api/agents", aliceToken), HttpStatus.OK).toString()).contains("coder");
		api.get("/api/instance/conversations/" + alice.get("conversation"), aliceToken).expectStatus().isOk();
		assertThat(ApiClient.json(api.get("/api/instance/status", aliceToken), HttpStatus.OK).path("state").asString())
			.isEqualTo("READY");
	}

	@Test
	@Order(3)
	void everyServicePortRefusesForgedAndMisdirectedCredentials() throws Exception {
		String aliceId = alice.get("id");
		Map<String, String> protectedRoute = Map.of("user-service", "/api/user/profile", "agent-service",
				"/api/memories", "billing-service", "/api/billing/quota", "config-service", "/api/config/current",
				"instance-service", "/api/instance/status");
		for (Map.Entry<String, String> service : protectedRoute.entrySet()) {
			String url = direct(service.getKey(), service.getValue());
			// Who reaches a port can claim to be anyone: it is not believed.
			Answer forged = call("GET", url, null, "X-User-Id", aliceId, "X-User-Plan", "enterprise", "X-Client-Ip",
					"10.0.0.1");
			assertThat(forged.status()).as(url + " with X-User-Id").isEqualTo(401);
			assertNoLeak(url, forged, url);
			// An assertion the gateway made for another service is useless here.
			String other = service.getKey().equals("user-service") ? "agent-service" : "user-service";
			Answer misdirected = call("GET", url, null, TrustHeaders.EDGE,
					TestTrust.edgeAssertion(other, UUID.fromString(aliceId), "free"));
			assertThat(misdirected.status()).as(url + " with an assertion for " + other).isEqualTo(401);
			// The actuator is not on the API port; the API is not on the management port.
			assertThat(call("GET", direct(service.getKey(), "/actuator/health"), null).status()).isIn(401, 404);
			assertThat(call("GET", "http://127.0.0.1:" + platform.managementPort(service.getKey()) + service.getValue(),
					null, TrustHeaders.EDGE,
					TestTrust.edgeAssertion(service.getKey(), UUID.fromString(aliceId), "free"))
				.status()).isEqualTo(404);
		}

		String plan = "/internal/users/" + aliceId + "/plan";
		String upgrade = "{\"plan\":\"enterprise\",\"reason\":\"free upgrade\"}";
		String billing = direct("billing-service", plan);
		assertThat(call("POST", billing, upgrade).status()).isEqualTo(401);
		assertThat(call("POST", billing, upgrade, TrustHeaders.SERVICE,
				TestTrust.strangerToken(InternalApi.OPERATOR, "billing-service"))
			.status()).isEqualTo(401);
		for (String caller : List.of("instance-service", "config-service", "gateway-service", "agent-service",
				"user-service")) {
			assertThat(call("POST", billing, upgrade, TrustHeaders.SERVICE,
					TestTrust.serviceToken(caller, "billing-service"))
				.status()).as(caller + " changing a plan").isEqualTo(403);
		}
		// A token for one service is refused by another, even from the right caller.
		assertThat(call("POST", billing, upgrade, TrustHeaders.SERVICE,
				TestTrust.serviceToken(InternalApi.OPERATOR, "user-service"))
			.status()).isEqualTo(401);
		assertThat(call("POST", direct("billing-service", "/internal/keys"),
				"{\"instanceId\":\"" + UUID.randomUUID() + "\"}", TrustHeaders.SERVICE,
				TestTrust.serviceToken("config-service", "billing-service"))
			.status()).isEqualTo(403);
		assertThat(call("GET", direct("user-service", "/internal/users/" + aliceId), null, TrustHeaders.SERVICE,
				TestTrust.serviceToken("instance-service", "user-service"))
			.status()).isEqualTo(403);
		assertThat(call("GET", direct("agent-service", "/internal/users/" + aliceId + "/team"), null,
				TrustHeaders.SERVICE, TestTrust.serviceToken("billing-service", "agent-service"))
			.status()).isEqualTo(403);
		assertThat(call("GET", direct("config-service", "/internal/configs/" + aliceId + "/current"), null,
				TrustHeaders.SERVICE, TestTrust.serviceToken("agent-service", "config-service"))
			.status()).isEqualTo(403);
		// The right caller is let in: the refusals above are about who calls, not a
		// broken port.
		assertThat(call("GET", direct("agent-service", "/internal/users/" + aliceId + "/team"), null,
				TrustHeaders.SERVICE, TestTrust.serviceToken("config-service", "agent-service"))
			.status()).isEqualTo(200);
		assertThat(
				ApiClient.json(api.get("/api/billing/subscription", aliceToken), HttpStatus.OK).path("plan").asString())
			.isEqualTo("free");

		// The model proxy's listener serves the model API and nothing else.
		for (String path : List.of(plan, "/internal/keys", "/api/billing/quota", "/actuator/health",
				"/actuator/prometheus")) {
			assertThat(call("GET", "http://127.0.0.1:" + platform.modelProxyPort() + path, null, "X-User-Id", aliceId)
				.status()).as("model proxy listener " + path).isEqualTo(404);
		}
		// And the public edge routes neither.
		for (String path : List.of(plan, "/internal/keys", "/actuator/health")) {
			assertThat(call("GET", gateway(path), null, "Authorization", "Bearer " + aliceToken).status())
				.as("gateway " + path)
				.isEqualTo(404);
		}
	}

	/**
	 * What an agent running commands in Alice's gateway can do: the probe enters the
	 * gateway's own namespaces as its own user ({@code nsenter}), exactly where a shell
	 * command of an agent runs. It finds the gateway's keys in its own environment, and
	 * with them reaches the model proxy and nothing else.
	 */
	@Test
	@Order(4)
	void fromInsideAlicesGatewayOnlyTheModelProxyAnswers() throws Exception {
		Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
				"entering a gateway's namespaces needs root (CI runs as root)");
		long pid = gatewayPid();
		String uid = statusField(pid, "Uid:");
		String gid = statusField(pid, "Gid:");
		String aliceId = alice.get("id");
		String script = String.join("\n",
				"env_of() { for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\" 2>/dev/null; done; }",
				"key=$(env_of | sed -n 's/^LINGXI_MODEL_KEY=//p' | head -1)",
				"token=$(env_of | sed -n 's/^OPENCLAW_GATEWAY_TOKEN=//p' | head -1)", "echo \"model-key:${#key}\"",
				"echo \"platform-secrets:$(env_of | grep -c '^LINGXI_TRUST_\\|^LINGXI_CRYPTO_\\|^PGPASSWORD\\|^REDIS_PASSWORD')\"",
				"echo \"processes:$(ls -d /proc/[0-9]* | wc -l)\"",
				"echo \"e2e-logs:$(ls " + Path.of("target", "e2e-logs").toAbsolutePath() + " 2>/dev/null | wc -l)\"",
				"code() { curl -s -o /dev/null -m 10 -w '%{http_code}' \"$@\"; }",
				"echo \"plan-as-service:$(code -X POST -H 'Content-Type: application/json' -H \"X-Lingxi-Service: $key\" -d '{\"plan\":\"enterprise\"}' http://127.0.0.1:"
						+ platform.port("billing-service") + "/internal/users/" + aliceId + "/plan)\"",
				"echo \"plan-as-bearer:$(code -X POST -H 'Content-Type: application/json' -H \"Authorization: Bearer $token\" -d '{\"plan\":\"enterprise\"}' http://127.0.0.1:"
						+ platform.port("billing-service") + "/internal/users/" + aliceId + "/plan)\"",
				"echo \"profile-as-alice:$(code -H 'X-User-Id: " + aliceId + "' http://127.0.0.1:"
						+ platform.port("user-service") + "/api/user/profile)\"",
				"echo \"team:$(code -H \"Authorization: Bearer $key\" http://127.0.0.1:"
						+ platform.port("agent-service") + "/internal/users/" + aliceId + "/team)\"",
				"echo \"keys-on-proxy:$(code -X POST -H \"Authorization: Bearer $key\" http://127.0.0.1:"
						+ platform.modelProxyPort() + "/internal/keys)\"",
				"echo \"model:$(code -H \"Authorization: Bearer $key\" -H 'Content-Type: application/json' -d '{\"model\":\"standard\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' http://127.0.0.1:"
						+ platform.modelProxyPort() + "/v1/chat/completions)\"");
		Process probe = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-m", "-p", "-i", "-u", "-C", "-S", uid,
				"-G", gid, "--", "/bin/sh", "-c", script)
			.redirectErrorStream(true)
			.start();
		String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(probe.waitFor()).as(out).isZero();
		Map<String, String> seen = new LinkedHashMap<>();
		out.lines().filter((line) -> line.contains(":")).forEach((line) -> {
			int colon = line.indexOf(':');
			seen.put(line.substring(0, colon), line.substring(colon + 1).strip());
		});
		assertThat(Integer.parseInt(seen.get("model-key"))).as(out).isPositive();
		assertThat(seen).as(out)
			.containsEntry("platform-secrets", "0")
			.containsEntry("e2e-logs", "0")
			.containsEntry("plan-as-service", "401")
			.containsEntry("plan-as-bearer", "401")
			.containsEntry("profile-as-alice", "401")
			.containsEntry("team", "401")
			.containsEntry("keys-on-proxy", "404")
			.containsEntry("model", "200");
		assertThat(Integer.parseInt(seen.get("processes"))).as("processes the gateway can see").isLessThan(20);
		assertThat(
				ApiClient.json(api.get("/api/billing/subscription", aliceToken), HttpStatus.OK).path("plan").asString())
			.isEqualTo("free");
	}

	private static long gatewayPid() throws Exception {
		try (var folders = java.nio.file.Files.list(platform.instances())) {
			for (Path folder : folders.toList()) {
				Path pidFile = folder.resolve("pid");
				if (java.nio.file.Files.exists(pidFile)) {
					long pid = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
					if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
						return pid;
					}
				}
			}
		}
		return fail("no running gateway under " + platform.instances());
	}

	private static String statusField(long pid, String field) throws Exception {
		for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
			if (line.startsWith(field)) {
				return line.substring(field.length()).strip().split("\\s+")[1];
			}
		}
		return fail("no " + field + " for pid " + pid);
	}

	@Test
	@Order(5)
	void theModelProxyBillsEveryCallHoweverItIsDisguised() throws Exception {
		JsonNode dave = api.signUp(ApiClient.newPhone());
		String daveToken = dave.path("accessToken").asString();
		String daveId = dave.path("user").path("id").asString();
		String key = modelKeyFor(daveId);

		// Replaying a request id does not make the second call free.
		String requestId = "replay-" + UUID.randomUUID();
		Answer first = chat(key, 200, null, "X-Request-Id", requestId);
		Answer second = chat(key, 200, null, "X-Request-Id", requestId);
		assertThat(first.status()).isEqualTo(200);
		assertThat(second.status()).isEqualTo(200);
		assertThat(first.header("X-Lingxi-Call-Id")).isNotEqualTo(second.header("X-Lingxi-Call-Id"));
		JsonNode usage = awaitUsage(daveToken, 2);
		assertThat(usage.path("total").path("requests").asLong()).isEqualTo(2);
		long oneCall = usage.path("total").path("totalTokens").asLong() / 2;

		// Asking for several answers, or for more output than the model alias allows.
		Answer several = chat(key, 200, 3);
		assertThat(several.status()).isEqualTo(400);
		assertThat(several.body()).contains("\"error\"");
		assertThat(chat(key, 50_000_000, null).status()).isEqualTo(200);
		awaitUsage(daveToken, 3);

		// Twenty parallel calls at the edge of a small allowance (1,200 tokens, some used
		// above) overspend by one call at most.
		operator("billing-service", "POST", "/internal/users/" + daveId + "/plan", "{\"plan\":\"tiny\"}");
		ExecutorService pool = Executors.newFixedThreadPool(20);
		try {
			List<Future<Answer>> calls = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				calls.add(pool.submit((Callable<Answer>) () -> chat(key, 200, null)));
			}
			int refused = 0;
			for (Future<Answer> call : calls) {
				int status = call.get().status();
				assertThat(status).isIn(200, 402, 429);
				refused += (status == 200) ? 0 : 1;
			}
			assertThat(refused).as("calls refused at the edge of the allowance").isPositive();
		}
		finally {
			pool.shutdownNow();
		}
		JsonNode quota = ApiClient.json(api.get("/api/billing/quota", daveToken), HttpStatus.OK);
		assertThat(quota.path("plan").asString()).isEqualTo("tiny");
		assertThat(quota.path("used").asLong()).isLessThanOrEqualTo(quota.path("monthlyTokens").asLong() + oneCall);
	}

	@Test
	@Order(6)
	void bentPathsNeverReachInternalEndpointsOrTheActuator() throws Exception {
		String aliceId = alice.get("id");
		List<String> tricks = List.of("/api/agents/../../internal/users/" + aliceId + "/team",
				"/api/agents/%2e%2e/%2e%2e/internal/users/" + aliceId + "/team",
				"/api/agents/..%2f..%2finternal/users/" + aliceId + "/team",
				"/api/agents/%252e%252e/%252e%252e/internal/users/" + aliceId + "/team",
				"//internal/users/" + aliceId + "/team", "/api/agents/..;/..;/internal/users/" + aliceId + "/team",
				"/api/memories/%2e%2e%5c%2e%2e%5cinternal", "/api/user/..%2f..%2factuator/health",
				"/internal/users/" + aliceId + "/team", "/actuator/env");
		for (String trick : tricks) {
			String answer = raw(platform.port("gateway-service"),
					"GET " + trick + " HTTP/1.1\r\nHost: lingxi\r\nAuthorization: Bearer " + aliceToken
							+ "\r\nConnection: close\r\n\r\n");
			assertThat(answer).as("through the gateway: " + trick).matches("(?s)HTTP/1.1 (400|404) .*");
		}
		// Straight at a service, with a genuine assertion for it: still no way into
		// /internal.
		String assertion = TestTrust.edgeAssertion("agent-service", UUID.fromString(aliceId), "free");
		for (String trick : tricks) {
			String answer = raw(platform.port("agent-service"), "GET " + trick + " HTTP/1.1\r\nHost: lingxi\r\n"
					+ TrustHeaders.EDGE + ": " + assertion + "\r\nConnection: close\r\n\r\n");
			assertThat(answer).as("at agent-service: " + trick).matches("(?s)HTTP/1.1 (400|401|404) .*");
			assertThat(answer).doesNotContain("\"agents\"");
		}
	}

	@Test
	@Order(7)
	void whileRedisIsDownUsersGetClearAnswersAndNothingRecordedIsLost() throws Exception {
		outage(platform.redis(), "redis");
	}

	@Test
	@Order(8)
	void whilePostgresIsDownUsersGetClearAnswersAndNothingRecordedIsLost() throws Exception {
		outage(platform.postgres(), "postgres");
	}

	/**
	 * 30 seconds without a dependency during steady traffic: every answer is a success or
	 * a problem+json (never a bare 500 or a hung request), and every memory the platform
	 * said it saved is there afterwards.
	 */
	private void outage(Outage dependency, String name) throws Exception {
		List<String> saved = new ArrayList<>();
		List<String> failures = new ArrayList<>();
		Set<Integer> seen = new LinkedHashSet<>();
		Runnable traffic = () -> {
			String content = name + "-outage-" + UUID.randomUUID();
			try {
				Answer write = call("POST", gateway("/api/memories"),
						json.writeValueAsString(Map.of("domain", "personal", "type", "fact", "content", content)),
						"Authorization", "Bearer " + aliceToken);
				Answer read = call("GET", gateway("/api/user/profile"), null, "Authorization", "Bearer " + aliceToken);
				Answer anonymous = call("GET", gateway("/api/skills"), null);
				synchronized (saved) {
					if (write.status() == 201) {
						saved.add(json.readTree(write.body()).path("id").asString() + " " + content);
					}
					for (Answer answer : List.of(write, read, anonymous)) {
						seen.add(answer.status());
						if (answer.status() >= 400 && !answer.problem()) {
							failures.add(answer.status() + " without a problem body: " + answer.body());
						}
						if (answer.status() == 500) {
							failures.add("500: " + answer.body());
						}
					}
				}
			}
			catch (Exception ex) {
				synchronized (saved) {
					failures.add(ex.toString());
				}
			}
		};
		long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
		while (System.nanoTime() < until) {
			traffic.run();
		}
		dependency.begin();
		try {
			until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
			while (System.nanoTime() < until) {
				traffic.run();
				Thread.sleep(200);
			}
		}
		finally {
			dependency.end();
		}
		long recovered = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (System.nanoTime() < recovered) {
			if (call("GET", gateway("/api/user/profile"), null, "Authorization", "Bearer " + aliceToken)
				.status() == 200) {
				break;
			}
			Thread.sleep(500);
		}
		assertThat(failures).as("answers while " + name + " was down").isEmpty();
		assertThat(seen).as("statuses seen").isNotEmpty();
		for (String entry : saved) {
			String[] idAndContent = entry.split(" ", 2);
			Answer memory = call("GET", gateway("/api/memories/" + idAndContent[0]), null, "Authorization",
					"Bearer " + aliceToken);
			assertThat(memory.status()).as("a memory saved around the outage: " + entry).isEqualTo(200);
			assertThat(memory.body()).contains(idAndContent[1]);
		}
	}

	// --- helpers
	// ---------------------------------------------------------------------------

	private record Route(String method, String pattern) {

		@Override
		public String toString() {
			return this.method + " " + this.pattern;
		}

	}

	private record Answer(int status, String body, java.net.http.HttpHeaders headers) {

		boolean problem() {
			return this.headers.firstValue("Content-Type").orElse("").startsWith("application/problem+json")
					|| this.body.contains("\"error\"");
		}

		String header(String name) {
			return this.headers.firstValue(name).orElse(null);
		}

	}

	/**
	 * Every {@code /api/**} route the running services map, read from their actuators.
	 */
	private static List<Route> apiRoutes() throws Exception {
		Set<Route> routes = new LinkedHashSet<>();
		for (String service : Platform.SERVICES) {
			if (service.equals("gateway-service")) {
				continue;
			}
			Answer mappings = call("GET", "http://127.0.0.1:" + platform.managementPort(service) + "/actuator/mappings",
					null);
			assertThat(mappings.status()).as(service + " mappings").isEqualTo(200);
			collect(json.readTree(mappings.body()), routes);
		}
		return new ArrayList<>(routes);
	}

	private static void collect(JsonNode node, Set<Route> routes) {
		if (node.isObject()) {
			JsonNode conditions = node.get("requestMappingConditions");
			if (conditions != null) {
				List<String> methods = new ArrayList<>();
				conditions.path("methods").forEach((method) -> methods.add(method.asString()));
				if (methods.isEmpty()) {
					methods.add("GET");
				}
				conditions.path("patterns").forEach((pattern) -> {
					if (pattern.asString().startsWith("/api/")) {
						methods.forEach((method) -> routes.add(new Route(method, pattern.asString())));
					}
				});
			}
			node.properties().forEach((entry) -> collect(entry.getValue(), routes));
		}
		else if (node.isArray()) {
			node.forEach((child) -> collect(child, routes));
		}
	}

	private static final Pattern VARIABLE = Pattern.compile("\\{([^}]+)}");

	/** Alice's value for each path variable a route may have. */
	private static String fill(String pattern) {
		Matcher matcher = VARIABLE.matcher(pattern);
		StringBuilder path = new StringBuilder();
		while (matcher.find()) {
			String name = matcher.group(1);
			String value = switch (name) {
				case "id" -> {
					if (pattern.startsWith("/api/memories/")) {
						yield alice.get("memory");
					}
					if (pattern.startsWith("/api/instance/conversations/")) {
						yield alice.get("conversation");
					}
					if (pattern.startsWith("/api/skills/")) {
						yield "data-analysis";
					}
					throw new IllegalArgumentException("no value for {id}");
				}
				case "agentId" -> "coder";
				case "skillId" -> "data-analysis";
				case "version" -> "1";
				case "provider" -> "alipay";
				case "phone" -> alice.get("phone");
				default -> throw new IllegalArgumentException("no value for {" + name + "}");
			};
			matcher.appendReplacement(path, Matcher.quoteReplacement(value));
		}
		matcher.appendTail(path);
		if (pattern.equals("/api/memories/search")) {
			return path + "?q=" + alice.get("marker");
		}
		if (pattern.equals("/api/config/diff")) {
			return path + "?from=1&to=2";
		}
		return path.toString();
	}

	/** What Bob sends: the most damaging well-formed body for the route, else {}. */
	private static String bodyFor(Route route) throws Exception {
		Map<String, Object> body = switch (route.toString()) {
			case "PUT /api/memories/{id}" -> Map.of("content", "bob was here", "importance", 1);
			case "POST /api/instance/chat" ->
				Map.of("agentId", "assistant", "conversationId", alice.get("conversation"), "message", "hi");
			case "POST /api/instance/v1/chat/completions" -> Map.of("model", "openclaw/assistant", "user",
					alice.get("conversation"), "messages", List.of(Map.of("role", "user", "content", "hi")));
			case "POST /api/config/rollback" -> Map.of("version", 1);
			case "PUT /api/agents/{agentId}" -> Map.of("customSoul", "bob");
			case "POST /api/skills/{skillId}/install", "POST /api/agents/{agentId}/skills" ->
				Map.of("agentId", "coder", "skillId", "data-analysis");
			default -> Map.of();
		};
		return route.method().equals("GET") || route.method().equals("DELETE") ? null : json.writeValueAsString(body);
	}

	/**
	 * Nothing of Alice's in an answer, but for the ids the caller put in the request
	 * himself (a 404 may name the id it did not find).
	 */
	private static void assertNoLeak(String what, Answer answer, String requested) {
		assertThat(answer.status()).as(what + ": " + answer.body()).isNotEqualTo(500);
		for (Map.Entry<String, String> secret : alice.entrySet()) {
			if (secret.getValue() != null && !secret.getValue().isBlank() && !requested.contains(secret.getValue())) {
				assertThat(answer.body()).as(what + " must not show Alice's " + secret.getKey())
					.doesNotContain(secret.getValue());
			}
		}
		assertThat(answer.body()).as(what).doesNotContain("Exception").doesNotContain("at com.lingxi");
	}

	private static JsonNode awaitState(String token, String state, Duration timeout) throws Exception {
		long deadline = System.nanoTime() + timeout.toNanos();
		JsonNode status = null;
		while (System.nanoTime() < deadline) {
			Answer answer = call("GET", gateway("/api/instance/status"), null, "Authorization", "Bearer " + token);
			if (answer.status() == 200) {
				status = json.readTree(answer.body());
				if (state.equals(status.path("state").asString())) {
					return status;
				}
				assertThat(status.path("state").asString()).isNotEqualTo("ERROR");
			}
			Thread.sleep(1000);
		}
		return fail("instance never became " + state + ": " + status);
	}

	private static JsonNode awaitUsage(String token, long requests) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		JsonNode usage = null;
		while (System.nanoTime() < deadline) {
			usage = ApiClient.json(api.get("/api/billing/usage?groupBy=model", token), HttpStatus.OK);
			if (usage.path("total").path("requests").asLong() >= requests) {
				return usage;
			}
			Thread.sleep(300);
		}
		return fail("usage never reached " + requests + " requests: " + usage);
	}

	/** A model key bound to {@code userId}, issued the way instance-service does. */
	private static String modelKeyFor(String userId) throws Exception {
		String billing = "http://127.0.0.1:" + platform.port("billing-service");
		Answer issued = call("POST", billing + "/internal/keys", "{\"instanceId\":\"" + UUID.randomUUID() + "\"}",
				TrustHeaders.SERVICE, TestTrust.serviceToken("instance-service", "billing-service"));
		assertThat(issued.status()).as(issued.body()).isEqualTo(201);
		JsonNode key = json.readTree(issued.body());
		Answer bound = call("POST", billing + "/internal/keys/" + key.path("keyId").asString() + "/bind",
				"{\"userId\":\"" + userId + "\"}", TrustHeaders.SERVICE,
				TestTrust.serviceToken("instance-service", "billing-service"));
		assertThat(bound.status()).as(bound.body()).isEqualTo(200);
		return key.path("key").asString();
	}

	private static void operator(String service, String method, String path, String body) throws Exception {
		Answer answer = call(method, direct(service, path), body, TrustHeaders.SERVICE,
				TestTrust.serviceToken(InternalApi.OPERATOR, service));
		assertThat(answer.status()).as(answer.body()).isEqualTo(200);
	}

	private static Answer chat(String key, long maxTokens, Integer n, String... headers) throws Exception {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("model", "standard");
		body.put("max_tokens", maxTokens);
		if (n != null) {
			body.put("n", n);
		}
		body.put("messages", List.of(Map.of("role", "user", "content", "hi")));
		List<String> all = new ArrayList<>(List.of("Authorization", "Bearer " + key));
		all.addAll(List.of(headers));
		return call("POST", "http://127.0.0.1:" + platform.modelProxyPort() + "/v1/chat/completions",
				json.writeValueAsString(body), all.toArray(String[]::new));
	}

	private static String gateway(String path) {
		return "http://127.0.0.1:" + platform.port("gateway-service") + path;
	}

	private static String direct(String service, String path) {
		return "http://127.0.0.1:" + platform.port(service) + path;
	}

	private static Answer call(String method, String url, String body, String... headers) throws Exception {
		// Some routes wait for the caller's gateway (a chat while it starts); on a loaded
		// machine a start can take over a minute.
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(3));
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		if (body != null) {
			request.header("Content-Type", "application/json");
		}
		request.method(method,
				(body != null) ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody());
		try {
			HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
			return new Answer(response.statusCode(), response.body(), response.headers());
		}
		catch (java.net.http.HttpTimeoutException ex) {
			throw new AssertionError(method + " " + url + " gave no complete answer within 3 minutes", ex);
		}
	}

	private static String raw(int port, String request) throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(15000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
			socket.getOutputStream().flush();
			return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
