package com.lingxi.instance.model;

import java.time.Instant;
import java.util.UUID;

import tools.jackson.databind.node.ObjectNode;

/**
 * A row of {@code instances}. Secrets are held encrypted; {@code InstanceSecrets} opens
 * them.
 *
 * @param id instance id
 * @param userId the user it serves, null while pooled
 * @param state lifecycle state
 * @param runtime {@code local} or {@code kubernetes}
 * @param endpoint base URL of the gateway (loopback address or cluster service)
 * @param gatewayTokenSealed the gateway's bearer token, encrypted
 * @param modelKeyId id of its model-proxy key
 * @param modelKeySealed its model-proxy key, encrypted
 * @param appliedConfigVersion the configuration version it runs
 * @param appliedConfigSha that version's content hash
 * @param gatewayConfigHash OpenClaw's config hash after our last write ({@code baseHash})
 * @param plan the plan its resources were sized for
 * @param runtimeRef what the runtime created (pid, port, directory / namespace, names)
 * @param warmed whether it answered a warm-up chat
 * @param restarts crash restarts so far
 * @param lastActivityAt last chat or agent work
 * @param error why it is in ERROR
 * @param configError why the last configuration could not be applied (the previous keeps
 * serving)
 * @param stateChangedAt when it entered its state
 * @param createdAt created
 */
public record Instance(UUID id, UUID userId, InstanceState state, String runtime, String endpoint,
		String gatewayTokenSealed, UUID modelKeyId, String modelKeySealed, Long appliedConfigVersion,
		String appliedConfigSha, String gatewayConfigHash, String plan, ObjectNode runtimeRef, boolean warmed,
		int restarts, Instant lastActivityAt, String error, String configError, Instant stateChangedAt,
		Instant createdAt) {

	public String ref(String field) {
		return (this.runtimeRef != null && this.runtimeRef.has(field)) ? this.runtimeRef.get(field).asString() : null;
	}

	public Integer refInt(String field) {
		return (this.runtimeRef != null && this.runtimeRef.has(field)) ? this.runtimeRef.get(field).asInt() : null;
	}

}
