package com.lingxi.common.observability;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Observability settings.
 *
 * @param instance value of the {@code instance} tag on every metric; defaults to
 * {@code <hostname>:<server.port>} (in Kubernetes, the pod name)
 */
@ConfigurationProperties(prefix = "lingxi.observability")
public record ObservabilityProperties(String instance) {

}
