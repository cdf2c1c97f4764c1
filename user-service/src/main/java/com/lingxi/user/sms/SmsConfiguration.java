package com.lingxi.user.sms;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.redis.LingxiRedis;

/**
 * Chooses the SMS sender from {@code lingxi.sms.provider} and refuses, at start-up,
 * settings under which codes would not reach a phone where they must: the {@code log}
 * sender exists only in development mode ({@code lingxi.development=true}) and never with
 * the {@code prod} profile; Alibaba Cloud needs every one of its settings (and https in
 * {@code prod}).
 */
@Configuration(proxyBeanMethods = false)
class SmsConfiguration {

	/** The platform's development-mode switch ({@code LINGXI_DEVELOPMENT}). */
	static final String DEVELOPMENT = "lingxi.development";

	static final String PROD_PROFILE = "prod";

	private static final String SET_ALIYUN = "Set LINGXI_SMS_PROVIDER=aliyun with LINGXI_SMS_ALIYUN_ACCESS_KEY_ID, "
			+ "LINGXI_SMS_ALIYUN_ACCESS_KEY_SECRET, LINGXI_SMS_ALIYUN_SIGN_NAME and LINGXI_SMS_ALIYUN_TEMPLATE_CODE.";

	@Bean
	SmsCodes smsCodes(LingxiRedis redis, SmsSender sender, SmsProperties properties) {
		return new SmsCodes(redis, sender, properties);
	}

	@Bean
	SmsSender smsSender(SmsProperties properties, Environment environment, ObjectProvider<LingxiRedis> redis,
			ObjectProvider<WebClient.Builder> http) {
		boolean development = environment.getProperty(DEVELOPMENT, Boolean.class, false);
		boolean prod = environment.acceptsProfiles(Profiles.of(PROD_PROFILE));
		return switch (properties.provider()) {
			case LOG -> {
				checkLogSender(development, prod);
				yield new LogSmsSender(redis.getObject());
			}
			case ALIYUN -> {
				checkAliyun(properties.aliyun(), prod);
				yield new AliyunSmsSender(properties.aliyun(), http.getObject());
			}
		};
	}

	static void checkLogSender(boolean development, boolean prod) {
		if (prod) {
			throw new SmsSettingsException(
					"The prod profile is active and lingxi.sms.provider is 'log': verification codes would never reach a phone.",
					SET_ALIYUN + " The log sender and its dev inbox are for development machines only.");
		}
		if (!development) {
			throw new SmsSettingsException("lingxi.sms.provider is 'log' (the default), which sends nothing: "
					+ "codes go to a dev inbox that only exists in development mode, and development mode is off.",
					SET_ALIYUN + " On a developer machine, turn on development mode instead: LINGXI_DEVELOPMENT=true "
							+ "(./lingxi up does).");
		}
	}

	static void checkAliyun(SmsProperties.Aliyun aliyun, boolean prod) {
		List<String> missing = new ArrayList<>();
		requireSet(missing, aliyun.accessKeyId(), "access-key-id");
		requireSet(missing, aliyun.accessKeySecret(), "access-key-secret");
		requireSet(missing, aliyun.signName(), "sign-name");
		requireSet(missing, aliyun.templateCode(), "template-code");
		requireSet(missing, aliyun.endpoint(), "endpoint");
		if (!missing.isEmpty()) {
			throw new SmsSettingsException(
					"lingxi.sms.provider is 'aliyun' but these settings are empty: " + String.join(", ", missing) + ".",
					"Set them: the AccessKey of a RAM user allowed to call dysmsapi:SendSms, "
							+ "your approved signature name and an approved template with a ${code} variable.");
		}
		if (prod && !aliyun.endpoint().toLowerCase(Locale.ROOT).startsWith("https://")) {
			throw new SmsSettingsException(
					"The prod profile is active and lingxi.sms.aliyun.endpoint (" + aliyun.endpoint()
							+ ") is not https: phone numbers and codes would cross the network in clear.",
					"Remove the setting to use https://dysmsapi.aliyuncs.com, or set LINGXI_SMS_ALIYUN_ENDPOINT "
							+ "to an https address.");
		}
	}

	private static void requireSet(List<String> missing, String value, String name) {
		if (value == null || value.isBlank()) {
			missing.add("lingxi.sms.aliyun." + name + " (LINGXI_SMS_ALIYUN_"
					+ name.toUpperCase(Locale.ROOT).replace('-', '_') + ")");
		}
	}

}
