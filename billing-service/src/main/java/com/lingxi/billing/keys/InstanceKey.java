package com.lingxi.billing.keys;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A model-proxy key as other services see it (never the secret).
 *
 * @param keyId the key's id
 * @param instanceId the OpenClaw instance it was issued to
 * @param userId the user it is bound to, null while the instance is in the warm pool
 * @param createdAt issued at
 * @param boundAt bound to the user at
 * @param rotatedAt last rotation
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record InstanceKey(UUID keyId, UUID instanceId, UUID userId, Instant createdAt, Instant boundAt,
		Instant rotatedAt) {

	/** Whether a user is billed for this key's calls. */
	public boolean bound() {
		return this.userId != null;
	}

}
