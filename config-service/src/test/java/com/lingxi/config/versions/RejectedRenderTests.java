package com.lingxi.config.versions;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.HttpStatus;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.id.Ids;
import com.lingxi.common.test.IntegrationTest;
import com.lingxi.config.FakePlatform;
import com.lingxi.config.Samples;
import com.lingxi.config.sources.TeamView;
import com.lingxi.common.test.TestTrust;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A platform setting OpenClaw does not accept (a bind mode that does not exist) makes
 * every render invalid: it is refused with the reason and nothing is published.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "lingxi.config.render.gateway-bind=galaxy")
@AutoConfigureWebTestClient(timeout = "PT30S")
@IntegrationTest
class RejectedRenderTests {

	static final FakePlatform platform = new FakePlatform();

	@DynamicPropertySource
	static void platform(DynamicPropertyRegistry registry) {
		for (String service : List.of("agent-service", "billing-service", "user-service")) {
			registry.add("spring.cloud.discovery.client.simple.instances." + service + "[0].uri", platform::url);
		}
	}

	@AfterAll
	static void stop() {
		platform.stop();
	}

	@Autowired
	WebTestClient http;

	@Autowired
	ConfigVersions versions;

	@Test
	void anInvalidRenderIsRejectedWithItsReasonsAndNeverPublished() {
		UUID user = Ids.uuidV7();
		platform.teams.put(user,
				new TeamView(user, List.of(Samples.agent("coder", true, "standard", List.of())), null));
		this.http.get()
			.uri("/internal/configs/{user}/current", user)
			.headers(TestTrust.asService("instance-service", "config-service"))
			.exchange()
			.expectStatus()
			.isEqualTo(HttpStatus.UNPROCESSABLE_CONTENT)
			.expectBody()
			.jsonPath("$.type")
			.isEqualTo("https://lingxi.cloud/problems/invalid-openclaw-config")
			.jsonPath("$.violations[0].path")
			.isEqualTo("gateway.bind");
		assertThat(this.versions.current(user).blockOptional()).isEmpty();
		assertThat(this.versions.rejections(user).block()).isEqualTo(1);
	}

}
