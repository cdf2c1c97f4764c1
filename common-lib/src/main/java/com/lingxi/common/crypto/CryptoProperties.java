package com.lingxi.common.crypto;

import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Keys for encrypting secrets at rest.
 *
 * @param keys AES-256 keys by id, each the Base64 encoding of 32 random bytes
 * ({@code openssl rand -base64 32}). Keep retired keys here until nothing encrypted with
 * them remains; set them from the environment ({@code LINGXI_CRYPTO_KEYS_<ID>}) or a
 * Secret, never in a committed file.
 * @param activeKey id of the key new ciphertexts are written with
 */
@ConfigurationProperties(prefix = CryptoProperties.PREFIX)
public record CryptoProperties(Map<String, String> keys, String activeKey) {

	public static final String PREFIX = "lingxi.crypto";

}
