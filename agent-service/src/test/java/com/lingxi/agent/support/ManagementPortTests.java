package com.lingxi.agent.support;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.test.IntegrationTest;

/**
 * Probes and scrapes reach the actuator on the management port without credentials; the
 * API port serves no actuator, and the management port no API.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
@IntegrationTest
class ManagementPortTests {

	@LocalServerPort
	int apiPort;

	@LocalManagementPort
	int managementPort;

	@Value("${spring.application.name}")
	String name;

	private static WebTestClient client(int port) {
		return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
	}

	@Test
	void healthAndMetricsAnswerOnTheManagementPortOnly() {
		client(this.managementPort).get().uri("/actuator/health").exchange().expectStatus().isOk();
		client(this.managementPort).get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((metrics) -> org.assertj.core.api.Assertions.assertThat(metrics)
				.contains("application=\"" + this.name + "\""));
		client(this.managementPort).get().uri("/api/agents/catalog").exchange().expectStatus().isNotFound();
		// Without the gateway's assertion the API port answers nothing at all, actuator
		// paths included.
		client(this.apiPort).get().uri("/actuator/health").exchange().expectStatus().isUnauthorized();
	}

}
