package com.lingxi.user.wechat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.user.Accounts;
import com.lingxi.user.UserServiceTest;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * WeChat login against a local server speaking WeChat's OAuth API (text/plain JSON
 * included).
 */
@UserServiceTest
class WeChatLoginTests {

	private static final DisposableServer wechat = HttpServer.create()
		.host("127.0.0.1")
		.port(0)
		.route((routes) -> routes.get("/sns/oauth2/access_token", (request, response) -> {
			String query = request.uri();
			if (!query.contains("appid=wx-test") || !query.contains("secret=wx-secret")
					|| !query.contains("grant_type=authorization_code")) {
				return response.sendString(Mono.just("{\"errcode\":40013,\"errmsg\":\"invalid appid\"}"));
			}
			String code = query.replaceAll(".*[?&]code=([^&]*).*", "$1");
			if (code.startsWith("bad")) {
				return response.header("Content-Type", "text/plain")
					.sendString(Mono.just("{\"errcode\":40029,\"errmsg\":\"invalid code\"}"));
			}
			String person = code.replaceAll("-\\d+$", "");
			return response.header("Content-Type", "text/plain")
				.sendString(Mono.just("{\"access_token\":\"at-" + person + "\",\"expires_in\":7200,\"openid\":\"open-"
						+ person + "\",\"unionid\":\"union-" + person + "\",\"scope\":\"snsapi_login\"}"));
		}).get("/sns/userinfo", (request, response) -> {
			String person = request.uri().replaceAll(".*access_token=at-([^&]*).*", "$1");
			return response.header("Content-Type", "text/plain")
				.sendString(Mono.just("{\"openid\":\"open-" + person + "\",\"nickname\":\"微信-" + person
						+ "\",\"headimgurl\":\"http://thirdwx.qlogo.cn/" + person + ".png\",\"unionid\":\"union-"
						+ person + "\"}"));
		}))
		.bindNow();

	@DynamicPropertySource
	static void wechat(DynamicPropertyRegistry registry) {
		registry.add("lingxi.wechat.base-url", () -> "http://127.0.0.1:" + wechat.port());
		registry.add("lingxi.wechat.app-id", () -> "wx-test");
		registry.add("lingxi.wechat.app-secret", () -> "wx-secret");
	}

	@AfterAll
	static void stop() {
		wechat.disposeNow();
	}

	@Autowired
	WebTestClient http;

	private WebTestClient.RequestHeadersSpec<?> login(String code) {
		return this.http.post()
			.uri("/api/auth/wechat")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("code", code));
	}

	@Test
	void firstLoginCreatesTheAccountAndLaterOnesFindIt() {
		String person = "p" + UUID.randomUUID().toString().substring(0, 8);
		JsonNode created = login(person + "-1").exchange()
			.expectStatus()
			.isCreated()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(created.path("user").path("nickname").asString()).isEqualTo("微信-" + person);
		assertThat(created.path("user").path("avatarUrl").asString()).startsWith("https://thirdwx.qlogo.cn/");
		assertThat(created.path("user").path("wechatLinked").asBoolean()).isTrue();
		assertThat(created.path("accessToken").asString()).isNotBlank();

		JsonNode again = login(person + "-2").exchange()
			.expectStatus()
			.isOk()
			.expectBody(JsonNode.class)
			.returnResult()
			.getResponseBody();
		assertThat(again.path("user").path("id").asString()).isEqualTo(created.path("user").path("id").asString());
	}

	@Test
	void signedInUsersLinkWeChatAndCannotTakeSomeoneElses() {
		JsonNode phoneUser = new Accounts(this.http).register(Accounts.newPhone(), "s3cret-pass");
		String userId = phoneUser.path("user").path("id").asString();
		String person = "q" + UUID.randomUUID().toString().substring(0, 8);
		login(person + "-1").headers(TestTrust.asUser("user-service", userId))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.user.id")
			.isEqualTo(userId)
			.jsonPath("$.user.wechatLinked")
			.isEqualTo(true);

		String other = "r" + UUID.randomUUID().toString().substring(0, 8);
		login(other + "-1").exchange().expectStatus().isCreated();
		login(other + "-2").headers(TestTrust.asUser("user-service", userId))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.CONFLICT)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/wechat-taken");
	}

	@Test
	void rejectedCodeIsABadRequest() {
		login("bad-code").exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/wechat-code-invalid")
			.jsonPath("$.wechatErrcode")
			.isEqualTo(40029);
		this.http.post()
			.uri("/api/auth/wechat")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of())
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors[0].field")
			.isEqualTo("code");
	}

}
