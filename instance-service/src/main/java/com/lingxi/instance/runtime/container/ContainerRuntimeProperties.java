package com.lingxi.instance.runtime.container;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The container runtime: one container per gateway, through the Docker Engine API.
 *
 * @param engine the engine's API: {@code unix:///run/podman/podman.sock} (Podman's
 * {@code podman system service}), {@code unix:///var/run/docker.sock} (Docker), or
 * {@code tcp://host:port}
 * @param apiVersion the API version asked for ({@code v1.41}: Docker 20.10+, Podman 4+)
 * @param image the gateway image ({@code ./lingxi images} builds it)
 * @param network the network gateways are attached to, made with its firewall by
 * {@code deploy/container/gateway-network.sh}: the only thing they reach on it is the
 * model proxy
 * @param namePrefix containers and volumes are named prefix + instance id
 * @param gatewayPort the gateway's port in its container
 * @param filesPort the file service's port in its container
 * @param user the user (uid:gid) gateways run as, the image's
 * @param tmpSize size of each gateway's {@code /tmp} (a tmpfs: the root is read-only)
 * @param pidsLimit most processes and threads in one gateway container
 * @param ulimits {@code name=soft:hard} limits for each gateway (at or below the engine's
 * own hard limits: an engine refuses to raise them)
 * @param stopTimeout how long a gateway gets to exit after SIGTERM before it is killed
 * @param callTimeout limit of one call to the engine
 * @param maxInstances most gateways the host runs at once (pooled, starting, serving)
 */
@ConfigurationProperties(prefix = "lingxi.instances.container")
public record ContainerRuntimeProperties(@DefaultValue("unix:///run/podman/podman.sock") String engine,
		@DefaultValue("v1.41") String apiVersion, @DefaultValue("localhost/lingxi/gateway:0.1.0-SNAPSHOT") String image,
		@DefaultValue("lingxi-gateways") String network, @DefaultValue("lingxi-gw-") String namePrefix,
		@DefaultValue("18789") int gatewayPort, @DefaultValue("18950") int filesPort,
		@DefaultValue("1000:1000") String user, @DefaultValue("256MB") DataSize tmpSize,
		@DefaultValue("512") long pidsLimit, @DefaultValue( {
				"nofile=4096:4096", "nproc=16384:16384" }) List<String> ulimits,
		@DefaultValue("20s") Duration stopTimeout, @DefaultValue("60s") Duration callTimeout,
		@DefaultValue("20") int maxInstances){

	/** The container (and volume) of an instance. */
	public String name(java.util.UUID instanceId) {
		return this.namePrefix + instanceId;
	}

}
