package com.lingxi.gateway.edge;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
 * untrusted address in {@code X-Forwarded-For} (never the client's own claim). Trusted
 * proxies are addresses or CIDR ranges ({@code 10.0.0.0/8}, {@code fd00::/8}).
 */
final class ClientAddress {

	private static final Logger log = LoggerFactory.getLogger(ClientAddress.class);

	private final List<Range> trustedProxies;

	private final AtomicBoolean warned = new AtomicBoolean();

	ClientAddress(List<String> trustedProxies) {
		this.trustedProxies = trustedProxies.stream().map(Range::parse).toList();
	}

	/** Whether the TCP peer of a request is one of the trusted proxies. */
	boolean fromTrustedProxy(ServerHttpRequest request) {
		return trusted(peer(request));
	}

	String of(ServerHttpRequest request) {
		String peer = peer(request);
		String forwarded = request.getHeaders().getFirst("X-Forwarded-For");
		if (!trusted(peer)) {
			if (forwarded != null && this.warned.compareAndSet(false, true)) {
				log.warn("X-Forwarded-For from {} is ignored: that peer is not a trusted proxy. If a load balancer"
						+ " sits in front of the gateway, list it in LINGXI_GATEWAY_TRUSTED_PROXIES, or every client"
						+ " shares its address (and its rate limits).", peer);
			}
			return peer;
		}
		if (forwarded == null) {
			return peer;
		}
		String[] hops = forwarded.split(",");
		for (int i = hops.length - 1; i >= 0; i--) {
			String hop = hops[i].trim();
			if (!hop.isEmpty() && !trusted(hop)) {
				return hop;
			}
		}
		return peer;
	}

	private boolean trusted(String address) {
		if (this.trustedProxies.isEmpty()) {
			return false;
		}
		byte[] bytes = Range.literal(address);
		return bytes != null && this.trustedProxies.stream().anyMatch((range) -> range.contains(bytes));
	}

	private static String peer(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	/** An address range: a network and a prefix length. */
	record Range(byte[] network, int prefix) {

		static Range parse(String spec) {
			String trimmed = spec.strip();
			int slash = trimmed.indexOf('/');
			byte[] address = literal((slash < 0) ? trimmed : trimmed.substring(0, slash));
			if (address == null) {
				throw new IllegalArgumentException("lingxi.gateway.trusted-proxies: '" + spec
						+ "' is not an IP address or CIDR range (host names are not resolved)");
			}
			int prefix = (slash < 0) ? address.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
			if (prefix < 0 || prefix > address.length * 8) {
				throw new IllegalArgumentException("lingxi.gateway.trusted-proxies: bad prefix in '" + spec + "'");
			}
			return new Range(address, prefix);
		}

		/** The bytes of an IP literal, or null for anything else (never a DNS lookup). */
		static byte[] literal(String text) {
			boolean v4 = text != null && text.matches("\\d{1,3}(\\.\\d{1,3}){3}");
			boolean v6 = text != null && text.contains(":") && text.matches("[0-9A-Fa-f:.]+");
			if (!v4 && !v6) {
				return null;
			}
			try {
				return InetAddress.getByName(text).getAddress();
			}
			catch (UnknownHostException ex) {
				return null;
			}
		}

		boolean contains(byte[] address) {
			if (address.length != this.network.length) {
				return false;
			}
			int full = this.prefix / 8;
			for (int i = 0; i < full; i++) {
				if (address[i] != this.network[i]) {
					return false;
				}
			}
			int rest = this.prefix % 8;
			if (rest == 0) {
				return true;
			}
			int mask = (0xFF << (8 - rest)) & 0xFF;
			return (address[full] & mask) == (this.network[full] & mask);
		}

	}

}
