package com.lingxi.user.token;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.scheduling.annotation.Scheduled;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.common.id.Ids;
import com.lingxi.user.auth.AuthProperties;

/**
 * The ES256 keys access tokens are signed with. Keys live in the database (private halves
 * encrypted with {@link SecretCipher}), so every replica signs with the same key and
 * publishes the same JWKS.
 *
 * <p>
 * Rotation never logs anyone out: a new key is published {@code keyPublishAhead} before
 * it starts signing, and a replaced key stays published until the last token it signed
 * has expired.
 */
public final class SigningKeys {

	private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);

	private static final String SELECT = """
			SELECT kid, private_key, created_at, active_from, retired_at FROM signing_keys
			WHERE retired_at IS NULL OR retired_at > :horizon ORDER BY active_from
			""";

	private static final String INSERT = """
			INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key, active_from)
			VALUES (:kid, 'ES256', CAST(:publicJwk AS jsonb), :privateKey, :activeFrom)
			""";

	private static final String RETIRE = "UPDATE signing_keys SET retired_at = :at WHERE retired_at IS NULL AND kid <> :kid";

	private final DatabaseClient db;

	private final SecretCipher cipher;

	private final AuthProperties properties;

	private final AtomicReference<List<SigningKey>> keys = new AtomicReference<>(List.of());

	private final Set<String> unreadable = ConcurrentHashMap.newKeySet();

	public SigningKeys(DatabaseClient db, SecretCipher cipher, AuthProperties properties) {
		this.db = db;
		this.cipher = cipher;
		this.properties = properties;
	}

	/** The key to sign with now, creating the first one if there is none. */
	public Mono<SigningKey> current() {
		return Mono.defer(this::cachedCurrent)
			.switchIfEmpty(Mono.defer(() -> reload().then(Mono.defer(this::cachedCurrent))))
			.switchIfEmpty(Mono.defer(() -> create(Instant.now()).then(reload()).then(Mono.defer(this::cachedCurrent))))
			.switchIfEmpty(Mono.error(() -> new IllegalStateException("No signing key could be made")));
	}

	/**
	 * A key by id, reloading once if it is unknown (another replica may have just made
	 * it).
	 */
	public Mono<SigningKey> byId(String kid) {
		return Mono.defer(() -> Mono.justOrEmpty(find(kid)))
			.switchIfEmpty(Mono.defer(() -> reload().then(Mono.defer(() -> Mono.justOrEmpty(find(kid))))));
	}

	/**
	 * The public keys verifiers need: the signing key, the next one, and recently
	 * replaced ones.
	 */
	public Mono<JWKSet> publicKeys() {
		return current().then(Mono.fromSupplier(() -> new JWKSet(this.keys.get()
			.stream()
			.filter((key) -> key.retiredAt() == null || key.retiredAt().isAfter(horizon()))
			.<JWK>map((key) -> key.jwk().toPublicJWK())
			.toList())));
	}

	/**
	 * Makes a new key that starts signing after {@code publishAhead}; the current key
	 * signs until then.
	 */
	public Mono<SigningKey> rotate(Duration publishAhead) {
		Instant activeFrom = Instant.now().plus(publishAhead);
		return create(activeFrom).flatMap((kid) -> this.db.sql(RETIRE)
			.bind("at", activeFrom.atOffset(ZoneOffset.UTC))
			.bind("kid", kid)
			.fetch()
			.rowsUpdated()
			.then(reload())
			.then(Mono.defer(() -> Mono.justOrEmpty(find(kid)))));
	}

	/** {@link #rotate(Duration)} with the configured lead time. */
	public Mono<SigningKey> rotateWithDefaultLead() {
		return rotate(this.properties.keyPublishAhead());
	}

	/**
	 * Re-reads keys (other replicas may have rotated) and rotates when the key is old.
	 */
	@Scheduled(fixedDelayString = "${lingxi.auth.key-reload-interval:1m}", initialDelay = 1000)
	Mono<Void> refresh() {
		return reload().then(Mono.defer(() -> {
			Optional<SigningKey> active = currentOf(this.keys.get());
			boolean nextPending = this.keys.get().stream().anyMatch((key) -> key.activeFrom().isAfter(Instant.now()));
			if (active.isPresent() && !nextPending
					&& active.get().createdAt().plus(this.properties.keyRotationInterval()).isBefore(Instant.now())) {
				log.info("Signing key {} is older than {}: rotating", active.get().kid(),
						this.properties.keyRotationInterval());
				return rotate(this.properties.keyPublishAhead()).then();
			}
			return Mono.empty();
		})).onErrorResume((ex) -> {
			log.warn("Signing key refresh failed: {}", ex.toString());
			return Mono.empty();
		});
	}

	private Mono<Void> reload() {
		return this.db.sql(SELECT)
			.bind("horizon", horizon().atOffset(ZoneOffset.UTC))
			.map((row,
					meta) -> Optional.ofNullable(decode(row.get("kid", String.class),
							row.get("private_key", String.class), row.get("created_at", OffsetDateTime.class),
							row.get("active_from", OffsetDateTime.class), row.get("retired_at", OffsetDateTime.class))))
			.all()
			.flatMap(Mono::justOrEmpty)
			.collectList()
			.doOnNext(this.keys::set)
			.then();
	}

	private Mono<String> create(Instant activeFrom) {
		String kid = "lx-" + Ids.uuidV7().toString().substring(0, 23);
		return Mono
			.fromCallable(() -> new ECKeyGenerator(Curve.P_256).keyID(kid)
				.algorithm(JWSAlgorithm.ES256)
				.keyUse(KeyUse.SIGNATURE)
				.secureRandom(Ids.secureRandom())
				.generate())
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((key) -> this.db.sql(INSERT)
				.bind("kid", kid)
				.bind("publicJwk", key.toPublicJWK().toJSONString())
				.bind("privateKey", this.cipher.encrypt(key.toJSONString(), kid))
				.bind("activeFrom", activeFrom.atOffset(ZoneOffset.UTC))
				.fetch()
				.rowsUpdated())
			.doOnSuccess((rows) -> log.info("Created signing key {} (signs from {})", kid, activeFrom))
			.thenReturn(kid);
	}

	/**
	 * A stored key, or null if it cannot be decrypted (its encryption key is no longer
	 * configured): such a key is left out, and a new one is made if no usable key
	 * remains.
	 */
	private SigningKey decode(String kid, String encrypted, OffsetDateTime created, OffsetDateTime activeFrom,
			OffsetDateTime retired) {
		try {
			ECKey jwk = ECKey.parse(this.cipher.decrypt(encrypted, kid));
			return new SigningKey(kid, jwk, created.toInstant(), activeFrom.toInstant(),
					(retired != null) ? retired.toInstant() : null);
		}
		catch (ParseException | IllegalArgumentException ex) {
			if (this.unreadable.add(kid)) {
				log.error("Signing key {} cannot be read and is ignored ({}); tokens it signed no longer verify", kid,
						ex.getMessage());
			}
			return null;
		}
	}

	private Mono<SigningKey> cachedCurrent() {
		return Mono.justOrEmpty(currentOf(this.keys.get()));
	}

	private Optional<SigningKey> currentOf(List<SigningKey> all) {
		Instant now = Instant.now();
		return all.stream()
			.filter((key) -> !key.activeFrom().isAfter(now))
			.filter((key) -> key.retiredAt() == null || key.retiredAt().isAfter(now))
			.max(Comparator.comparing(SigningKey::activeFrom));
	}

	private Optional<SigningKey> find(String kid) {
		return this.keys.get().stream().filter((key) -> key.kid().equals(kid)).findFirst();
	}

	/** Keys replaced before this instant signed only tokens that have expired by now. */
	private Instant horizon() {
		return Instant.now().minus(this.properties.accessTokenTtl()).minus(Duration.ofMinutes(5));
	}

	/**
	 * A signing key.
	 *
	 * @param kid key id ({@code kid} header)
	 * @param jwk the key pair
	 * @param createdAt when it was made
	 * @param activeFrom when it starts (started) signing
	 * @param retiredAt when it stops (stopped) signing, null while current
	 */
	public record SigningKey(String kid, ECKey jwk, Instant createdAt, Instant activeFrom, Instant retiredAt) {
	}

}
