package com.lingxi.instance.lifecycle;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.common.id.Ids;
import com.lingxi.instance.model.Instance;

/**
 * Gateway tokens and model keys, sealed with AES-GCM and bound to their instance (a
 * ciphertext copied to another row does not open).
 */
public final class InstanceSecrets {

	private final SecretCipher cipher;

	public InstanceSecrets(SecretCipher cipher) {
		this.cipher = cipher;
	}

	/** A new gateway token (256 bits). */
	public static String newGatewayToken() {
		return "gw_" + Ids.secureToken(32);
	}

	public String seal(java.util.UUID instanceId, String secret) {
		return this.cipher.encrypt(secret, instanceId.toString());
	}

	public String gatewayToken(Instance instance) {
		return this.cipher.decrypt(instance.gatewayTokenSealed(), instance.id().toString());
	}

	public String modelKey(Instance instance) {
		return (instance.modelKeySealed() != null)
				? this.cipher.decrypt(instance.modelKeySealed(), instance.id().toString()) : null;
	}

}
