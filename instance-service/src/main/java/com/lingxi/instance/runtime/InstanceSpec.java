package com.lingxi.instance.runtime;

import java.util.List;
import java.util.UUID;

import com.lingxi.instance.model.InstanceProperties;

/**
 * Everything a runtime needs to run one gateway.
 *
 * @param instanceId the instance
 * @param userId its user, null while pooled
 * @param plan the user's plan, null while pooled
 * @param gatewayToken the gateway's bearer token (environment only, never a file)
 * @param modelKey the instance's model-proxy key (environment only)
 * @param modelBaseUrl the model proxy's URL as the gateway reaches it
 * @param resources CPU/memory for the user's plan
 * @param files openclaw.json and the workspace files to place before the first start
 */
public record InstanceSpec(UUID instanceId, UUID userId, String plan, String gatewayToken, String modelKey,
		String modelBaseUrl, InstanceProperties.Resources resources, List<GatewayFile> files) {

	@Override
	public String toString() {
		return "InstanceSpec[" + this.instanceId + ", user " + this.userId + ", " + this.files.size() + " files]";
	}

}
