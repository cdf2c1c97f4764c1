package com.lingxi.billing.keys;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;

import com.lingxi.billing.BillingProblems;
import com.lingxi.common.events.Notifications;
import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;

/**
 * Issues, binds, rotates and revokes per-instance model-proxy keys, and authenticates the
 * keys the proxy is called with. Lookups are cached per replica; every change is
 * announced on Redis pub/sub so other replicas drop their copy at once, and the cache
 * time bounds the delay if a notification is lost.
 */
public final class ProxyKeys implements InitializingBean, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(ProxyKeys.class);

	static final String CHANNEL = "billing.keys";

	private final InstanceKeys keys;

	private final Notifications notifications;

	private final KeyProperties properties;

	/** Secret hash to key. */
	private final Cache<String, InstanceKey> known;

	/** Secret hashes that matched no live key. */
	private final Cache<String, Boolean> unknown;

	private Disposable subscription;

	public ProxyKeys(InstanceKeys keys, Notifications notifications, KeyProperties properties) {
		this.keys = keys;
		this.notifications = notifications;
		this.properties = properties;
		this.known = Caffeine.newBuilder()
			.maximumSize(properties.cacheSize())
			.expireAfterWrite(properties.cacheTtl())
			.executor(Runnable::run)
			.build();
		this.unknown = Caffeine.newBuilder()
			.maximumSize(properties.cacheSize())
			.expireAfterWrite(properties.negativeCacheTtl())
			.executor(Runnable::run)
			.build();
		// Seeds the strong generator (one read of the OS entropy source) now, at
		// start-up,
		// not on the event loop serving the first request.
		Ids.secureBytes(1);
	}

	@Override
	public void afterPropertiesSet() {
		this.subscription = this.notifications.subscribe(CHANNEL, KeyChanged.class)
			.doOnNext((changed) -> forget(changed.keyId()))
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)))
			.subscribe(null, (ex) -> log.warn("Key change notifications stopped: {}", ex.toString()));
	}

	@Override
	public void destroy() {
		if (this.subscription != null) {
			this.subscription.dispose();
		}
	}

	/**
	 * The live key a presented bearer value belongs to; empty if it is none (revoked,
	 * unknown, or a rotated-out secret past its grace period).
	 */
	public Mono<InstanceKey> authenticate(String presented) {
		if (!KeySecrets.plausible(presented)) {
			return Mono.empty();
		}
		String hash = KeySecrets.hash(presented);
		InstanceKey cached = this.known.getIfPresent(hash);
		if (cached != null) {
			return Mono.just(cached);
		}
		if (this.unknown.getIfPresent(hash) != null) {
			return Mono.empty();
		}
		return this.keys.bySecretHash(hash)
			.doOnNext((key) -> this.known.put(hash, key))
			.switchIfEmpty(Mono.defer(() -> {
				this.unknown.put(hash, Boolean.TRUE);
				return Mono.empty();
			}));
	}

	/** A new key for an instance; the only time (with rotation) its secret is shown. */
	public Mono<IssuedKey> issue(UUID instanceId) {
		String secret = KeySecrets.newSecret();
		return this.keys.insert(Ids.uuidV7(), instanceId, KeySecrets.hash(secret))
			.map((key) -> new IssuedKey(key, secret, null));
	}

	public Mono<InstanceKey> find(UUID keyId) {
		return this.keys.byId(keyId).switchIfEmpty(Mono.error(() -> notFound(keyId)));
	}

	/** Binds a key to a user (again binding it to the same user is a no-op). */
	public Mono<InstanceKey> bind(UUID keyId, UUID userId) {
		return this.keys.bind(keyId, userId)
			.switchIfEmpty(Mono.defer(() -> this.keys.byId(keyId)
				.switchIfEmpty(Mono.error(() -> notFound(keyId)))
				.flatMap((existing) -> Mono.error(ProblemException.conflict(BillingProblems.KEY_BOUND_TO_ANOTHER_USER,
						"Key bound to another user", "This key already belongs to another user; issue a new key.")))))
			.flatMap((key) -> announce(key.keyId()).thenReturn(key));
	}

	/**
	 * A new secret for the same key and bindings; the old one keeps working for
	 * {@link KeyProperties#rotationGrace()}.
	 */
	public Mono<IssuedKey> rotate(UUID keyId) {
		String secret = KeySecrets.newSecret();
		Instant graceUntil = Instant.now().plus(this.properties.rotationGrace());
		return this.keys.rotate(keyId, KeySecrets.hash(secret), graceUntil)
			.switchIfEmpty(Mono.error(() -> notFound(keyId)))
			.flatMap((key) -> announce(keyId).thenReturn(new IssuedKey(key, secret, graceUntil)));
	}

	/** Revokes a key: from now on the proxy answers its calls with 401. */
	public Mono<Void> revoke(UUID keyId) {
		return this.keys.revoke(keyId).flatMap((existed) -> existed ? announce(keyId) : Mono.error(notFound(keyId)));
	}

	private Mono<Void> announce(UUID keyId) {
		forget(keyId);
		return this.notifications.publish(CHANNEL, new KeyChanged(keyId)).onErrorResume((ex) -> {
			log.warn("Could not announce a change of key {}; other replicas notice within {}: {}", keyId,
					this.properties.cacheTtl(), ex.toString());
			return Mono.empty();
		}).then();
	}

	private void forget(UUID keyId) {
		this.known.asMap().values().removeIf((key) -> key.keyId().equals(keyId));
	}

	private static ProblemException notFound(UUID keyId) {
		return ProblemException.notFound("Key " + keyId);
	}

	/**
	 * A key with its secret, as returned once on issue and on rotation.
	 *
	 * @param key the key
	 * @param secret the secret, {@code lx-...}
	 * @param previousValidUntil after a rotation, until when the old secret still works
	 */
	public record IssuedKey(InstanceKey key, String secret, Instant previousValidUntil) {
	}

	/** Pub/sub message: a key changed, drop it from caches. */
	record KeyChanged(UUID keyId) {
	}

}
