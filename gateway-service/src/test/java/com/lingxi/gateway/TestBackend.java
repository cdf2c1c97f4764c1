package com.lingxi.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Stands in for the services behind the gateway: publishes a JWKS like user-service and
 * echoes every other request (method, path, headers, body size) as JSON, so tests see
 * exactly what the gateway forwarded. Also signs access tokens the way user-service does.
 */
final class TestBackend {

	static final String ISSUER = "https://lingxi.cloud";

	private static final JsonMapper json = JsonMapper.builder().build();

	final ECKey key;

	final DisposableServer server;

	TestBackend() {
		try {
			this.key = new ECKeyGenerator(Curve.P_256).keyID("test-key-1").generate();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		String jwks = new JWKSet(this.key.toPublicJWK()).toString();
		this.server = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			if (request.path().equals(".well-known/jwks.json")) {
				return response.header("Content-Type", "application/json").sendString(Mono.just(jwks)).then();
			}
			return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0]).flatMap((body) -> {
				Map<String, Object> echo = new LinkedHashMap<>();
				echo.put("method", request.method().name());
				echo.put("path", request.fullPath());
				Map<String, String> headers = new LinkedHashMap<>();
				request.requestHeaders().forEach((e) -> headers.put(e.getKey().toLowerCase(), e.getValue()));
				echo.put("headers", headers);
				echo.put("bodyBytes", body.length);
				Mono<Void> delay = request.fullPath().endsWith("/slow") ? Mono.delay(Duration.ofSeconds(3)).then()
						: Mono.empty();
				return delay.then(response.header("Content-Type", "application/json")
					.sendString(Mono.just(json.writeValueAsString(echo)))
					.then());
			});
		}).bindNow();
	}

	int port() {
		return this.server.port();
	}

	String token(UUID user, String plan) {
		return token(user, plan, Instant.now().plus(Duration.ofMinutes(15)), ISSUER, "lingxi-api", this.key);
	}

	String token(UUID user, String plan, Instant expires, String issuer, String audience, ECKey signer) {
		JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(issuer)
			.audience(audience)
			.subject(user.toString())
			.claim("plan", plan)
			.jwtID(UUID.randomUUID().toString())
			.issueTime(Date.from(Instant.now().minusSeconds(1)))
			.expirationTime(Date.from(expires))
			.build();
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signer.getKeyID())
			.type(new JOSEObjectType("at+jwt"))
			.build(), claims);
		try {
			jwt.sign(new ECDSASigner(signer));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		return jwt.serialize();
	}

	void stop() {
		this.server.disposeNow();
	}

}
