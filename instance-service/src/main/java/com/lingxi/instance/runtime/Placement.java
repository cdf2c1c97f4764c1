package com.lingxi.instance.runtime;

import tools.jackson.databind.node.ObjectNode;

/**
 * Where a runtime placed a gateway.
 *
 * @param endpoint the gateway's base URL
 * @param ref what was created (stored on the instance for adoption and clean-up)
 */
public record Placement(String endpoint, ObjectNode ref) {
}
