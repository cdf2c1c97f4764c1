package com.lingxi.common.crypto;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link SecretCipher} once {@code lingxi.crypto.active-key} is set. Services that
 * store secrets depend on the bean, so a missing key stops them at start-up rather than
 * at the first write.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = CryptoProperties.PREFIX, name = "active-key")
@EnableConfigurationProperties(CryptoProperties.class)
public final class CryptoAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SecretCipher secretCipher(CryptoProperties properties) {
		return new SecretCipher(properties.keys(), properties.activeKey());
	}

}
