package com.lingxi.user.sms;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.redis.RedisAutoConfiguration;
import com.lingxi.common.test.TestInfrastructure;
import com.lingxi.user.UserServiceApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which SMS settings user-service starts with: the log sender and its dev inbox only in
 * development mode, a real provider with complete settings under the prod profile.
 */
@ExtendWith(OutputCaptureExtension.class)
class SmsProviderSettingsTests {

	private static final String[] COMPLETE_ALIYUN = { "lingxi.sms.provider=aliyun",
			"lingxi.sms.aliyun.access-key-id=LTAI-test-id", "lingxi.sms.aliyun.access-key-secret=test-secret",
			"lingxi.sms.aliyun.sign-name=灵犀云", "lingxi.sms.aliyun.template-code=SMS_123456" };

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RedisAutoConfiguration.class))
		.withUserConfiguration(Properties.class, SmsConfiguration.class, DevSmsInboxController.class)
		.withBean(WebClient.Builder.class, WebClient::builder)
		.withPropertyValues("spring.data.redis.host=" + TestInfrastructure.redis().host(),
				"spring.data.redis.port=" + TestInfrastructure.redis().port(),
				"lingxi.sms.code-pepper=test-pepper-0123456789abcdef");

	@Test
	void developmentModeHasTheLogSenderAndTheDevInbox() {
		this.runner.withPropertyValues("lingxi.development=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(SmsSender.class)).isInstanceOf(LogSmsSender.class);
			assertThat(context).hasSingleBean(DevSmsInboxController.class);
		});
	}

	@Test
	void outsideDevelopmentModeTheLogSenderRefusesToStartAndSaysWhatToSet() {
		this.runner.run((context) -> assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(SmsSettingsException.class)
			.hasMessageContaining("LINGXI_SMS_PROVIDER=aliyun")
			.hasMessageContaining("LINGXI_SMS_ALIYUN_ACCESS_KEY_ID")
			.hasMessageContaining("LINGXI_SMS_ALIYUN_TEMPLATE_CODE")
			.hasMessageContaining("LINGXI_DEVELOPMENT=true"));
		this.runner.withPropertyValues("lingxi.development=false", "lingxi.sms.provider=log")
			.run((context) -> assertThat(context).getFailure().rootCause().isInstanceOf(SmsSettingsException.class));
	}

	@Test
	void aRealProviderHasNoDevInboxEvenInDevelopmentMode() {
		this.runner.withPropertyValues(COMPLETE_ALIYUN).withPropertyValues("lingxi.development=true").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(SmsSender.class)).isInstanceOf(AliyunSmsSender.class);
			assertThat(context).doesNotHaveBean(DevSmsInboxController.class);
		});
	}

	@Test
	void aliyunWithMissingSettingsNamesEachOne() {
		this.runner.withPropertyValues("lingxi.sms.provider=aliyun", "lingxi.sms.aliyun.access-key-id=LTAI-test-id")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(SmsSettingsException.class)
				.hasMessageContaining("lingxi.sms.aliyun.access-key-secret (LINGXI_SMS_ALIYUN_ACCESS_KEY_SECRET)")
				.hasMessageContaining("lingxi.sms.aliyun.sign-name (LINGXI_SMS_ALIYUN_SIGN_NAME)")
				.hasMessageContaining("lingxi.sms.aliyun.template-code (LINGXI_SMS_ALIYUN_TEMPLATE_CODE)")
				.message()
				.doesNotContain("ACCESS_KEY_ID"));
	}

	@Test
	void theProdProfileRefusesTheLogSenderEvenInDevelopmentMode() {
		this.runner.withPropertyValues("spring.profiles.active=prod", "lingxi.development=true")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(SmsSettingsException.class)
				.hasMessageContaining("prod")
				.hasMessageContaining("LINGXI_SMS_PROVIDER=aliyun"));
	}

	@Test
	void theProdProfileNeedsCompleteAliyunSettingsOverHttps() {
		this.runner.withPropertyValues("spring.profiles.active=prod", "lingxi.sms.provider=aliyun")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(SmsSettingsException.class)
				.hasMessageContaining("LINGXI_SMS_ALIYUN_ACCESS_KEY_ID"));
		this.runner.withPropertyValues("spring.profiles.active=prod")
			.withPropertyValues(COMPLETE_ALIYUN)
			.withPropertyValues("lingxi.sms.aliyun.endpoint=http://dysmsapi.aliyuncs.com")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(SmsSettingsException.class)
				.hasMessageContaining("not https"));
		this.runner.withPropertyValues("spring.profiles.active=prod")
			.withPropertyValues(COMPLETE_ALIYUN)
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(DevSmsInboxController.class));
	}

	@Test
	void theServiceUnderTheProdProfileDoesNotStartWithoutARealProvider(CapturedOutput output) {
		List<String> args = new ArrayList<>();
		for (String property : TestInfrastructure.properties("SmsProviderSettings", "user_svc")) {
			args.add("--" + property);
		}
		args.add("--server.port=0");
		args.add("--spring.profiles.active=prod");
		assertThatThrownBy(
				() -> new SpringApplicationBuilder(UserServiceApplication.class).run(args.toArray(String[]::new))
					.close())
			.hasRootCauseInstanceOf(SmsSettingsException.class);
		// Spring Boot's failure report says what to do, without a stack trace to dig
		// through.
		assertThat(output).contains("APPLICATION FAILED TO START").contains("LINGXI_SMS_PROVIDER=aliyun");
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(SmsProperties.class)
	static class Properties {

	}

}
