package com.lingxi.gateway.auth;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.gateway.GatewayProperties;

/**
 * user-service's public keys, fetched from its JWKS and kept for {@code cacheTtl}. A
 * token with a key id not in the cache triggers one fetch (at most one per
 * {@code minRefreshInterval}, so made-up key ids cannot flood user-service); concurrent
 * requests share that fetch.
 */
public final class JwksCache {

	private static final Logger log = LoggerFactory.getLogger(JwksCache.class);

	private final WebClient http;

	private final GatewayProperties.Jwt properties;

	private final AtomicReference<Snapshot> snapshot = new AtomicReference<>(new Snapshot(new JWKSet(), Instant.EPOCH));

	private final AtomicReference<Mono<Snapshot>> inFlight = new AtomicReference<>();

	public JwksCache(WebClient http, GatewayProperties.Jwt properties) {
		this.http = http;
		this.properties = properties;
	}

	/** The EC public key with this id, or empty if user-service does not publish one. */
	public Mono<ECKey> key(String kid) {
		Snapshot current = this.snapshot.get();
		boolean stale = current.fetchedAt().plus(this.properties.cacheTtl()).isBefore(Instant.now());
		ECKey cached = find(current, kid);
		if (cached != null && !stale) {
			return Mono.just(cached);
		}
		boolean mayRefresh = stale
				|| current.fetchedAt().plus(this.properties.minRefreshInterval()).isBefore(Instant.now());
		if (!mayRefresh) {
			return Mono.justOrEmpty(cached);
		}
		return refresh(current).mapNotNull((fresh) -> find(fresh, kid)).onErrorResume((ex) -> Mono.justOrEmpty(cached));
	}

	/**
	 * The keys after a fetch: the running fetch if there is one, keys someone else
	 * fetched since the caller looked ({@code seen}), or a new fetch. Never null: a fetch
	 * that completes (and stops being the running one) between two steps here sends the
	 * loop round again rather than leaving the caller with nothing.
	 */
	private Mono<Snapshot> refresh(Snapshot seen) {
		while (true) {
			Mono<Snapshot> running = this.inFlight.get();
			if (running != null) {
				return running;
			}
			Snapshot latest = this.snapshot.get();
			if (latest != seen) {
				return Mono.just(latest);
			}
			AtomicReference<Mono<Snapshot>> self = new AtomicReference<>();
			Mono<Snapshot> fetch = fetch().doFinally((signal) -> this.inFlight.compareAndSet(self.get(), null)).cache();
			self.set(fetch);
			if (this.inFlight.compareAndSet(null, fetch)) {
				return fetch;
			}
		}
	}

	private Mono<Snapshot> fetch() {
		return this.http.get()
			.uri(this.properties.jwksUri())
			.retrieve()
			.bodyToMono(String.class)
			.timeout(Duration.ofSeconds(3))
			.map(this::parse)
			.doOnNext(this.snapshot::set)
			.doOnError((ex) -> log.warn("Cannot fetch JWKS from {}: {}", this.properties.jwksUri(), ex.toString()));
	}

	private Snapshot parse(String body) {
		try {
			return new Snapshot(JWKSet.parse(body), Instant.now());
		}
		catch (ParseException ex) {
			throw new IllegalStateException("JWKS is not valid JSON Web Key Set", ex);
		}
	}

	private static ECKey find(Snapshot snapshot, String kid) {
		JWK key = snapshot.keys().getKeyByKeyId(kid);
		return (key instanceof ECKey ec && !ec.isPrivate()) ? ec : null;
	}

	private record Snapshot(JWKSet keys, Instant fetchedAt) {
	}

}
