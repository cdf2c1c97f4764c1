package com.lingxi.common.crypto;

import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SecretCipherTests {

	private static final String K1 = key(1);

	private static final String K2 = key(2);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(CryptoAutoConfiguration.class));

	@Test
	void roundTripsAndNeverRepeatsACiphertext() {
		SecretCipher cipher = new SecretCipher(Map.of("k1", K1), "k1");
		String a = cipher.encrypt("gateway-token-123");
		String b = cipher.encrypt("gateway-token-123");
		assertThat(a).startsWith("lx1:k1:").isNotEqualTo(b).doesNotContain("gateway-token");
		assertThat(cipher.decrypt(a)).isEqualTo("gateway-token-123");
		assertThat(cipher.decrypt(b)).isEqualTo("gateway-token-123");
	}

	@Test
	void oldCiphertextsStayReadableAfterRotation() {
		String old = new SecretCipher(Map.of("k1", K1), "k1").encrypt("secret");
		SecretCipher rotated = new SecretCipher(Map.of("k1", K1, "k2", K2), "k2");
		assertThat(rotated.decrypt(old)).isEqualTo("secret");
		assertThat(rotated.needsReencryption(old)).isTrue();
		String fresh = rotated.encrypt("secret");
		assertThat(rotated.keyIdOf(fresh)).isEqualTo("k2");
		assertThat(rotated.needsReencryption(fresh)).isFalse();
	}

	@Test
	void retiredKeyCannotDecrypt() {
		String old = new SecretCipher(Map.of("k1", K1), "k1").encrypt("secret");
		SecretCipher withoutK1 = new SecretCipher(Map.of("k2", K2), "k2");
		assertThatIllegalArgumentException().isThrownBy(() -> withoutK1.decrypt(old)).withMessageContaining("'k1'");
	}

	@Test
	void tamperingAndContextSwapsAreDetected() {
		SecretCipher cipher = new SecretCipher(Map.of("k1", K1), "k1");
		String sealed = cipher.encrypt("key-of-instance-a", "instance-a");
		assertThat(cipher.decrypt(sealed, "instance-a")).isEqualTo("key-of-instance-a");
		assertThatIllegalArgumentException().isThrownBy(() -> cipher.decrypt(sealed, "instance-b"));
		char[] chars = sealed.toCharArray();
		int last = chars.length - 5;
		chars[last] = (chars[last] == 'A') ? 'B' : 'A';
		assertThatIllegalArgumentException().isThrownBy(() -> cipher.decrypt(new String(chars), "instance-a"));
		assertThatIllegalArgumentException().isThrownBy(() -> cipher.decrypt("plain text"));
	}

	@Test
	void rejectsWeakOrUnknownKeys() {
		String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
		assertThatIllegalArgumentException().isThrownBy(() -> new SecretCipher(Map.of("k1", shortKey), "k1"))
			.withMessageContaining("32 bytes");
		assertThatIllegalArgumentException().isThrownBy(() -> new SecretCipher(Map.of("k1", K1), "k9"));
		assertThatIllegalArgumentException().isThrownBy(() -> new SecretCipher(Map.of(), "k1"));
	}

	@Test
	void autoConfiguredOnlyWhenAnActiveKeyIsSet() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(SecretCipher.class));
		this.runner.withPropertyValues("lingxi.crypto.keys.k1=" + K1, "lingxi.crypto.active-key=k1")
			.run((context) -> assertThat(context.getBean(SecretCipher.class).activeKeyId()).isEqualTo("k1"));
		this.runner.withPropertyValues("lingxi.crypto.keys.k1=bad", "lingxi.crypto.active-key=k1")
			.run((context) -> assertThat(context).hasFailed());
	}

	private static String key(int seed) {
		byte[] bytes = new byte[32];
		for (int i = 0; i < bytes.length; i++) {
			bytes[i] = (byte) (seed * 31 + i);
		}
		return Base64.getEncoder().encodeToString(bytes);
	}

}
