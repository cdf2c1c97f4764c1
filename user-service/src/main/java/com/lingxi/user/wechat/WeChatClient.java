package com.lingxi.user.wechat;

import java.net.URI;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriBuilder;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.user.UserProblems;

/**
 * Exchanges a WeChat authorization code for the user's identity
 * ({@code /sns/oauth2/access_token}, then {@code /sns/userinfo} for nickname and avatar).
 */
public final class WeChatClient {

	private static final Logger log = LoggerFactory.getLogger(WeChatClient.class);

	private final WeChatProperties properties;

	private final WebClient http;

	private final JsonMapper json;

	public WeChatClient(WeChatProperties properties, WebClient.Builder http, JsonMapper json) {
		this.properties = properties;
		this.http = http.baseUrl(properties.baseUrl()).build();
		this.json = json;
	}

	/**
	 * The identity behind a code; 400 for a bad code, 503 when WeChat cannot be reached.
	 */
	public Mono<WeChatIdentity> identify(String code) {
		if (!this.properties.configured()) {
			return Mono.error(ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, UserProblems.WECHAT_UNAVAILABLE,
					"WeChat login is not configured", "This deployment has no WeChat application set up."));
		}
		return get((uri) -> uri.path("/sns/oauth2/access_token")
			.queryParam("appid", this.properties.appId())
			.queryParam("secret", this.properties.appSecret())
			.queryParam("code", code)
			.queryParam("grant_type", "authorization_code")
			.build()).flatMap((token) -> {
				if (token.hasNonNull("errcode") && token.path("errcode").asInt() != 0) {
					return Mono.error(ProblemException
						.of(HttpStatus.BAD_REQUEST, UserProblems.WECHAT_CODE_INVALID, "WeChat code rejected",
								"WeChat did not accept the code (" + token.path("errcode").asInt()
										+ "): it may be expired or already used.")
						.with("wechatErrcode", token.path("errcode").asInt()));
				}
				String openId = text(token, "openid");
				String accessToken = text(token, "access_token");
				if (openId == null || accessToken == null) {
					return Mono.error(unavailable(new IllegalStateException("no openid in WeChat answer")));
				}
				return profile(accessToken, openId).map((info) -> new WeChatIdentity(
						firstNonNull(text(token, "unionid"), text(info, "unionid"), openId), text(info, "nickname"),
						https(text(info, "headimgurl"))));
			});
	}

	private Mono<JsonNode> profile(String accessToken, String openId) {
		return get((uri) -> uri.path("/sns/userinfo")
			.queryParam("access_token", accessToken)
			.queryParam("openid", openId)
			.queryParam("lang", "zh_CN")
			.build()).onErrorResume(ProblemException.class, (ex) -> Mono.empty())
			.filter((info) -> !info.hasNonNull("errcode") || info.path("errcode").asInt() == 0)
			.defaultIfEmpty(JsonNodeFactory.instance.objectNode());
	}

	private Mono<JsonNode> get(Function<UriBuilder, URI> uri) {
		// WeChat answers JSON with a text/plain content type.
		return this.http.get()
			.uri(uri)
			.accept(MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN)
			.retrieve()
			.bodyToMono(String.class)
			.timeout(this.properties.timeout())
			.map(this::parse)
			.onErrorMap((ex) -> !(ex instanceof ProblemException), WeChatClient::unavailable);
	}

	private JsonNode parse(String body) {
		return this.json.readTree(body);
	}

	private static String firstNonNull(String... values) {
		for (String value : values) {
			if (value != null) {
				return value;
			}
		}
		return null;
	}

	private static String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		return (value != null && value.isString() && !value.asString().isBlank()) ? value.asString() : null;
	}

	private static String https(String url) {
		if (url == null) {
			return null;
		}
		return url.startsWith("http://") ? "https://" + url.substring("http://".length()) : url;
	}

	private static ProblemException unavailable(Throwable cause) {
		log.warn("WeChat call failed: {}", cause.toString());
		return ProblemException.of(HttpStatus.SERVICE_UNAVAILABLE, UserProblems.WECHAT_UNAVAILABLE,
				"WeChat unavailable", "WeChat could not be reached. Try again in a minute.");
	}

	/**
	 * Who WeChat says the user is.
	 *
	 * @param wechatId union id when WeChat gives one (stable across the company's apps),
	 * otherwise the open id
	 * @param nickname WeChat nickname, may be null
	 * @param avatarUrl avatar (https), may be null
	 */
	public record WeChatIdentity(String wechatId, String nickname, String avatarUrl) {
	}

}
