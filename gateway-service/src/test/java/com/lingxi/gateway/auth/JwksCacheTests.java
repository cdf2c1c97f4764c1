package com.lingxi.gateway.auth;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.gateway.GatewayProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key cache under concurrent lookups while refreshes start and complete: every lookup
 * of a published key finds it, and refreshes are shared.
 */
class JwksCacheTests {

	private final ECKey key = generate("key-1");

	private final AtomicInteger fetches = new AtomicInteger();

	private final DisposableServer jwks = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
		this.fetches.incrementAndGet();
		return response.header("Content-Type", "application/json")
			.sendString(Mono.just(new JWKSet(this.key.toPublicJWK()).toString()))
			.then();
	}).bindNow();

	@AfterEach
	void stop() {
		this.jwks.disposeNow();
	}

	private static ECKey generate(String kid) {
		try {
			return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private JwksCache cache(WebClient http, Duration ttl, Duration minRefreshInterval) {
		GatewayProperties.Jwt settings = new GatewayProperties.Jwt(
				"http://127.0.0.1:" + this.jwks.port() + "/.well-known/jwks.json", "https://lingxi.cloud", "lingxi-api",
				ttl, minRefreshInterval, Duration.ofSeconds(30), 1000, 0, 0);
		return new JwksCache(http, settings);
	}

	/**
	 * A client whose answers come from memory, so that a refresh completes on the thread
	 * that starts it, within microseconds: the timing in which a lookup used to find the
	 * refresh it wanted to join already cleared.
	 */
	private WebClient inMemory(String body) {
		return WebClient.builder().exchangeFunction((request) -> {
			this.fetches.incrementAndGet();
			return Mono.just(ClientResponse.create(HttpStatus.OK)
				.header(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
				.body(body)
				.build());
		}).build();
	}

	/** Runs {@code lookups} lookups on each of {@code threads} threads at once. */
	private void lookUpConcurrently(JwksCache cache, int threads, int lookups) throws Exception {
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		AtomicInteger missing = new AtomicInteger();
		CountDownLatch go = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				workers.add(pool.submit(() -> {
					go.await();
					for (int i = 0; i < lookups; i++) {
						try {
							ECKey found = cache.key("key-1").block(Duration.ofSeconds(10));
							if (found == null || !"key-1".equals(found.getKeyID())) {
								missing.incrementAndGet();
							}
						}
						catch (Throwable ex) {
							failures.add(ex);
						}
					}
					return null;
				}));
			}
			go.countDown();
			for (Future<?> worker : workers) {
				worker.get(5, TimeUnit.MINUTES);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(failures).as("lookups that failed").isEmpty();
		assertThat(missing).as("lookups that did not find the key").hasValue(0);
	}

	@Test
	void lookupsRacingRefreshesThatCompleteAtOnceAlwaysFindThePublishedKey() throws Exception {
		// Keys go stale at once, so every lookup starts or joins a refresh.
		String published = new JWKSet(this.key.toPublicJWK()).toString();
		lookUpConcurrently(cache(inMemory(published), Duration.ZERO, Duration.ZERO), 4, 50_000);
	}

	@Test
	void concurrentLookupsAgainstARealServerFindTheKeyAndShareRefreshes() throws Exception {
		int threads = 16;
		int lookups = 2000;
		lookUpConcurrently(cache(WebClient.create(), Duration.ZERO, Duration.ZERO), threads, lookups);
		assertThat(this.fetches.get()).as("refreshes are shared").isLessThan(threads * lookups);
	}

}
