package com.lingxi.user.sms;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Verification codes by SMS.
 *
 * @param provider who delivers the codes: {@code aliyun} (Alibaba Cloud SMS) or, in
 * development mode only ({@code lingxi.development=true}), {@code log} (nothing is sent;
 * the code goes to the dev inbox {@code GET /api/dev/sms/{phone}})
 * @param codePepper secret mixed into the stored hash of each code; set it in every
 * environment ({@code LINGXI_SMS_CODE_PEPPER})
 * @param codeTtl how long a code stays valid
 * @param maxAttempts wrong guesses after which a code is void
 * @param resendInterval minimum time between two codes to one phone
 * @param dailyLimit codes per phone per day
 * @param ipHourlyLimit codes requested from one client address per hour
 * @param aliyun Alibaba Cloud settings, used when {@code provider=aliyun}
 */
@ConfigurationProperties(prefix = "lingxi.sms")
public record SmsProperties(@DefaultValue("log") Provider provider, String codePepper,
		@DefaultValue("5m") Duration codeTtl, @DefaultValue("5") int maxAttempts,
		@DefaultValue("60s") Duration resendInterval, @DefaultValue("10") int dailyLimit,
		@DefaultValue("30") int ipHourlyLimit, @DefaultValue Aliyun aliyun) {

	/** Who delivers verification codes. */
	public enum Provider {

		/**
		 * Nothing is sent: the code goes to the dev inbox. Development mode only.
		 */
		LOG,

		/** Alibaba Cloud SMS ({@code SendSms}). */
		ALIYUN

	}

	/**
	 * Alibaba Cloud SMS ({@code SendSms}, API version 2017-05-25).
	 *
	 * @param endpoint API endpoint
	 * @param accessKeyId AccessKey id of a RAM user allowed to call
	 * {@code dysmsapi:SendSms} ({@code LINGXI_SMS_ALIYUN_ACCESS_KEY_ID})
	 * @param accessKeySecret its AccessKey secret
	 * ({@code LINGXI_SMS_ALIYUN_ACCESS_KEY_SECRET})
	 * @param signName approved signature name, the 【...】 part
	 * ({@code LINGXI_SMS_ALIYUN_SIGN_NAME})
	 * @param templateCode approved template with a {@code ${code}} variable
	 * ({@code LINGXI_SMS_ALIYUN_TEMPLATE_CODE})
	 * @param timeout request timeout
	 */
	public record Aliyun(@DefaultValue("https://dysmsapi.aliyuncs.com") String endpoint, String accessKeyId,
			String accessKeySecret, String signName, String templateCode, @DefaultValue("5s") Duration timeout) {

	}

}
