package com.lingxi.gateway.edge;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
 * untrusted address in {@code X-Forwarded-For} (never the client's own claim).
 */
final class ClientAddress {

	private final Set<String> trustedProxies;

	ClientAddress(List<String> trustedProxies) {
		this.trustedProxies = Set.copyOf(trustedProxies);
	}

	String of(ServerHttpRequest request) {
		String peer = peer(request);
		if (this.trustedProxies.isEmpty() || !this.trustedProxies.contains(peer)) {
			return peer;
		}
		String forwarded = request.getHeaders().getFirst("X-Forwarded-For");
		if (forwarded == null) {
			return peer;
		}
		String[] hops = forwarded.split(",");
		for (int i = hops.length - 1; i >= 0; i--) {
			String hop = hops[i].trim();
			if (!hop.isEmpty() && !this.trustedProxies.contains(hop)) {
				return hop;
			}
		}
		return peer;
	}

	private static String peer(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

}
