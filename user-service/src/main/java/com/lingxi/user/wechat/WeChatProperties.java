package com.lingxi.user.wechat;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * WeChat web login (OAuth 2.0 authorization code).
 *
 * @param baseUrl WeChat API base URL
 * @param appId the website application's AppID; WeChat login is off while it is empty
 * @param appSecret the AppSecret
 * @param timeout timeout of each WeChat call
 */
@ConfigurationProperties(prefix = "lingxi.wechat")
public record WeChatProperties(@DefaultValue("https://api.weixin.qq.com") String baseUrl, String appId,
		String appSecret, @DefaultValue("5s") Duration timeout) {

	public boolean configured() {
		return this.appId != null && !this.appId.isBlank() && this.appSecret != null && !this.appSecret.isBlank();
	}

}
