package com.lingxi.billing;

import java.time.Duration;

import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The model proxy's listener of a running test context (port
 * {@code local.model-proxy.port}), where users' gateways call {@code /v1}.
 */
public final class ModelProxyListener {

	private ModelProxyListener() {
	}

	/** A client of the proxy listener on {@code port}. */
	public static WebTestClient client(int port) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(30))
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
	}

}
