package com.lingxi.agent.skill.registry;

import java.time.Duration;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.WebClientException;

import com.lingxi.agent.AgentProblems;
import com.lingxi.agent.skill.SkillsProperties;
import com.lingxi.agent.skill.catalog.SkillSync;
import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.common.redis.LingxiRedis;

/**
 * Mirrors the configured registry into the catalog every {@code sync-interval}, and on
 * demand ({@code POST /internal/skills/sync}). A Redis lock makes sure only one replica
 * runs a sync at a time.
 */
public final class RegistrySync implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(RegistrySync.class);

	private static final String RELEASE = """
			if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
			return 0
			""";

	private final SkillSync sync;

	private final RegistrySkills source;

	private final LingxiRedis redis;

	private final SkillsProperties.Registry settings;

	private volatile Disposable schedule;

	public RegistrySync(SkillSync sync, RegistrySkills source, LingxiRedis redis, SkillsProperties.Registry settings) {
		this.sync = sync;
		this.source = source;
		this.redis = redis;
		this.settings = settings;
	}

	/** Runs a sync now; a 409 problem if another one is running. */
	public Mono<SkillSync.Report> runNow() {
		String key = this.redis.key("skills", "registry-sync", "lock");
		String token = Ids.secureToken(12);
		Duration ttl = Duration.ofMinutes(30);
		return this.redis.commands()
			.flatMap((redis) -> redis.set(key, token, SetArgs.Builder.nx().px(ttl.toMillis())))
			.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.CONFLICT, ProblemTypes.CONFLICT,
					"Sync running", "A registry sync is already running.")))
			.then(Mono.defer(() -> this.sync.sync(this.source)))
			.onErrorMap(WebClientException.class, (ex) -> {
				log.warn("The skill registry at {} could not be read: {}", this.settings.baseUrl(), ex.toString());
				return ProblemException
					.of(HttpStatus.SERVICE_UNAVAILABLE, AgentProblems.REGISTRY_UNAVAILABLE, "Registry unavailable",
							"The skill registry could not be read. Try again later.")
					.retryAfter(Duration.ofMinutes(1));
			})
			.flatMap((report) -> release(key, token).thenReturn(report))
			.onErrorResume((ex) -> !isLockConflict(ex), (ex) -> release(key, token).then(Mono.error(ex)));
	}

	private static boolean isLockConflict(Throwable ex) {
		return ex instanceof ProblemException problem && problem.getStatusCode().value() == 409;
	}

	private Mono<Void> release(String key, String token) {
		return this.redis.commands()
			.flatMapMany((redis) -> redis.<Long>eval(RELEASE, ScriptOutputType.INTEGER, new String[] { key }, token))
			.then();
	}

	@Override
	public void start() {
		this.schedule = Flux.interval(this.settings.initialDelay(), this.settings.syncInterval())
			.onBackpressureDrop()
			.concatMap((tick) -> runNow().onErrorResume((ex) -> {
				log.warn("Registry sync from {} failed: {}", this.settings.baseUrl(), ex.toString());
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable running = this.schedule;
		if (running != null) {
			running.dispose();
		}
		this.schedule = null;
	}

	@Override
	public boolean isRunning() {
		return this.schedule != null && !this.schedule.isDisposed();
	}

}
