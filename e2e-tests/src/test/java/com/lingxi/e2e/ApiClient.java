package com.lingxi.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.common.test.TestInfrastructure;

/**
 * What a client of the public API does, against the gateway of a platform started as
 * processes: sign up through the dev SMS inbox, call with a bearer token, read JSON.
 */
final class ApiClient {

	private final WebTestClient http;

	ApiClient(int gatewayPort) {
		this.http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + gatewayPort)
			.responseTimeout(Duration.ofSeconds(60))
			.build();
	}

	WebTestClient http() {
		return this.http;
	}

	/**
	 * Arguments every service of a test platform shares: the test database and Redis
	 * namespace, plain-text logs, and the address of each service that is started. The
	 * list is the caller's to extend.
	 */
	static List<String> sharedArguments(String database, String namespace, Map<String, Integer> servicePorts) {
		return sharedArguments(database, namespace, servicePorts, TestInfrastructure.postgres().host(),
				TestInfrastructure.postgres().port(), TestInfrastructure.redis().host(),
				TestInfrastructure.redis().port());
	}

	/**
	 * As above, with PostgreSQL and Redis at the given addresses (relays, for outages).
	 */
	static List<String> sharedArguments(String database, String namespace, Map<String, Integer> servicePorts,
			String postgresHost, int postgresPort, String redisHost, int redisPort) {
		TestInfrastructure.Postgres postgres = TestInfrastructure.postgres();
		List<String> shared = new ArrayList<>(List.of("--lingxi.database.host=" + postgresHost,
				"--lingxi.database.port=" + postgresPort, "--lingxi.database.name=" + database,
				"--lingxi.database.username=" + postgres.user(), "--lingxi.database.password=" + postgres.password(),
				"--spring.data.redis.host=" + redisHost, "--spring.data.redis.port=" + redisPort,
				"--spring.data.redis.password=" + TestInfrastructure.redis().password(),
				"--lingxi.redis.namespace=" + namespace, "--logging.structured.format.console="));
		servicePorts.forEach((service, port) -> shared
			.add("--spring.cloud.discovery.client.simple.instances." + service + "[0].uri=http://127.0.0.1:" + port));
		return shared;
	}

	static String newPhone() {
		return "138" + String.format("%08d", ThreadLocalRandom.current().nextInt(100_000_000));
	}

	WebTestClient.ResponseSpec post(String path, Object body) {
		return this.http.post().uri(path).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
	}

	WebTestClient.ResponseSpec post(String path, Object body, String token) {
		return this.http.post()
			.uri(path)
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	WebTestClient.ResponseSpec get(String path, String token) {
		return this.http.get().uri(path).header("Authorization", "Bearer " + token).exchange();
	}

	static JsonNode json(WebTestClient.ResponseSpec response, HttpStatus status) {
		return response.expectStatus().isEqualTo(status).expectBody(JsonNode.class).returnResult().getResponseBody();
	}

	/** The last code the dev SMS inbox holds for {@code phone}. */
	String code(String phone) {
		return json(this.http.get().uri("/api/dev/sms/{phone}", phone).exchange(), HttpStatus.OK).path("messages")
			.path(0)
			.path("code")
			.asString();
	}

	/** Registers {@code phone}; the session: tokens and profile. */
	JsonNode signUp(String phone) {
		post("/api/auth/sms-code", Map.of("phone", phone)).expectStatus().isAccepted();
		return json(
				post("/api/auth/register",
						Map.of("phone", phone, "code", code(phone), "password", "journey-pass-1", "nickname", "旅人")),
				HttpStatus.CREATED);
	}

}
