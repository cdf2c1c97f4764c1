package com.lingxi.instance.lifecycle;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.platform.Platform;
import com.lingxi.instance.runtime.GatewayFile;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.InstanceSpec;
import com.lingxi.instance.runtime.RuntimeStatus;

/**
 * What happens to instances: a user gets one (a warm gateway personalised live, or a cold
 * start, or a place in the queue), configuration changes are applied to the running
 * gateway, gateways are launched, woken, hibernated, restarted and torn down. Every step
 * is journalled.
 */
public final class Lifecycle {

	private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

	/**
	 * How a configuration error starts when the gateway failed rather than refused: the
	 * change is tried again.
	 */
	public static final String NOT_APPLIED_YET = "not applied yet, trying again: ";

	private final Instances instances;

	private final InstanceJournal journal;

	private final InstanceRuntime runtime;

	private final GatewayClient gateways;

	private final Platform platform;

	private final InstanceSecrets secrets;

	private final InstanceProperties properties;

	private final TransactionalOperator tx;

	private final UserLocks locks;

	private final Capacity capacity;

	private final Timer warmAssignment;

	private final Timer coldStart;

	private final Counter failures;

	public Lifecycle(Instances instances, InstanceJournal journal, InstanceRuntime runtime, GatewayClient gateways,
			Platform platform, InstanceSecrets secrets, InstanceProperties properties, TransactionalOperator tx,
			UserLocks locks, Capacity capacity, MeterRegistry meters) {
		this.instances = instances;
		this.journal = journal;
		this.runtime = runtime;
		this.gateways = gateways;
		this.platform = platform;
		this.secrets = secrets;
		this.properties = properties;
		this.tx = tx;
		this.locks = locks;
		this.capacity = capacity;
		this.warmAssignment = Timer.builder("lingxi.instances.time-to-ready")
			.tag("path", "warm")
			.description("From claiming a pooled gateway to READY")
			.publishPercentileHistogram()
			.register(meters);
		this.coldStart = Timer.builder("lingxi.instances.time-to-ready")
			.tag("path", "cold")
			.description("From starting a gateway process/pod to READY")
			.publishPercentileHistogram()
			.register(meters);
		this.failures = Counter.builder("lingxi.instances.failures")
			.description("Instances that went to ERROR")
			.register(meters);
	}

	// --- a user gets an instance ---

	/**
	 * Gives the user an instance unless they have one: a warm gateway personalised live,
	 * or a cold start (the launcher starts it), or a place in the queue when the machine
	 * is full. Idempotent. Emits the instance, or nothing when the user was queued.
	 */
	public Mono<Instance> assign(UUID userId, String cause) {
		return this.locks.serialized(userId, () -> this.instances.byUser(userId)
			.flatMap((existing) -> (existing.state() == InstanceState.ASSIGNING) ? personalise(existing)
					: Mono.just(existing))
			.switchIfEmpty(
					Mono.defer(() -> this.platform.plan(userId).flatMap((plan) -> claimOrStart(userId, plan, cause)))));
	}

	/**
	 * Finishes an assignment that a stopped or crashed instance-service left half done (a
	 * claimed gateway still in ASSIGNING). Personalising is idempotent, so doing it again
	 * is safe.
	 */
	public Mono<Instance> resumeAssignment(Instance instance) {
		return this.locks.serialized(instance.userId(),
				() -> this.instances.byId(instance.id())
					.filter((current) -> current.state() == InstanceState.ASSIGNING)
					.flatMap((current) -> this.journal.step(current, "resuming an interrupted assignment", null)
						.then(personalise(current))));
	}

	private Mono<Instance> claimOrStart(UUID userId, String plan, String cause) {
		return this.tx
			.transactional(this.instances.claimWarm(userId, plan)
				.flatMap((claimed) -> this.journal
					.stateChanged(claimed, InstanceState.WARM, "claimed from the warm pool (" + cause + ")")
					// A user queued while the pool was empty leaves the queue with this
					// claim.
					.then(this.instances.dequeue(userId))
					.thenReturn(claimed)))
			.onErrorResume(DataIntegrityViolationException.class, (ex) -> this.instances.byUser(userId))
			.flatMap((claimed) -> (claimed.state() == InstanceState.ASSIGNING) ? personalise(claimed)
					: Mono.just(claimed))
			.switchIfEmpty(Mono.defer(() -> startCold(userId, plan, cause)));
	}

	/**
	 * Makes a claimed warm gateway the user's: bind its key, apply their configuration
	 * live.
	 */
	private Mono<Instance> personalise(Instance claimed) {
		long started = System.nanoTime();
		return ensureKey(claimed)
			.flatMap((instance) -> this.platform.userConfig(instance.userId())
				.flatMap((config) -> this.journal
					.step(instance, "applying configuration v" + config.version(), config.agents() + " agents")
					.then(applyLive(instance, config))))
			.then(this.instances.transition(claimed.id(), Set.of(InstanceState.ASSIGNING), InstanceState.READY, null))
			.flatMap((ready) -> {
				Duration took = Duration.ofNanos(System.nanoTime() - started);
				this.warmAssignment.record(took);
				return this.journal.stateChanged(ready, InstanceState.ASSIGNING, "ready in " + took.toMillis() + " ms")
					.thenReturn(ready);
			})
			.onErrorResume((ex) -> fail(claimed, Set.of(InstanceState.ASSIGNING), "personalisation failed", ex));
	}

	/** No warm gateway: a new one for the user (the launcher starts it), or the queue. */
	private Mono<Instance> startCold(UUID userId, String plan, String cause) {
		return this.instances.count(InstanceState.OCCUPYING).flatMap((occupied) -> {
			if (occupied >= this.capacity.max()) {
				return this.instances.enqueue(userId, plan).flatMap((queued) -> {
					if (queued) {
						log.info("No capacity for user {} ({} of {} gateways): queued", userId, occupied,
								this.capacity.max());
					}
					return Mono.empty();
				});
			}
			UUID id = Ids.uuidV7();
			String token = InstanceSecrets.newGatewayToken();
			return this.tx
				.transactional(this.instances
					.insert(id, userId, InstanceState.STARTING, this.runtime.name(), this.secrets.seal(id, token), plan)
					.then(this.instances.dequeue(userId))
					.then(this.instances.byId(id))
					.flatMap((created) -> this.journal
						.stateChanged(created, null, "no warm gateway free: starting one for you (" + cause + ")")
						.thenReturn(created)))
				.onErrorResume(DataIntegrityViolationException.class, (ex) -> this.instances.byUser(userId));
		});
	}

	// --- configuration changes ---

	/**
	 * Applies the user's current configuration to their running gateway, live. A gateway
	 * that is not running picks it up when it starts. A refused configuration is
	 * recorded; the previous one keeps serving. A gateway that fails (rather than
	 * refuses) is recorded as not applied yet and the failure returned, so that the
	 * configuration event is delivered again later.
	 */
	public Mono<Void> applyCurrent(UUID userId) {
		return this.locks.serialized(userId,
				() -> this.instances.byUser(userId)
					.filter((instance) -> instance.state() == InstanceState.READY)
					.flatMap(this::applyIfChanged));
	}

	private Mono<Void> applyIfChanged(Instance instance) {
		return this.platform.userConfig(instance.userId()).flatMap((config) -> {
			if (config.sha256().equals(instance.appliedConfigSha())) {
				return Mono.<Void>empty();
			}
			return applyLive(instance, config)
				.then(this.journal.step(instance, "configuration v" + config.version() + " applied live", null))
				.onErrorResume(GatewayClient.GatewayException.class, (ex) -> {
					if (ex instanceof GatewayClient.ConfigRejectedException) {
						log.warn("Configuration v{} of user {} refused: {}", config.version(), instance.userId(),
								ex.getMessage());
						return this.instances.setConfigError(instance.id(), ex.getMessage())
							.then(this.journal.step(instance,
									"configuration v" + config.version() + " refused; the previous one keeps serving",
									ex.getMessage()));
					}
					log.warn("Configuration v{} of user {} not applied yet, will retry: {}", config.version(),
							instance.userId(), ex.getMessage());
					return this.instances.setConfigError(instance.id(), NOT_APPLIED_YET + ex.getMessage())
						.then(this.journal.step(instance, "configuration v" + config.version()
								+ " not applied yet: the gateway failed; the previous one keeps serving, trying again",
								ex.getMessage()))
						.then(Mono.error(ex));
				});
		});
	}

	/**
	 * Writes the workspace files first (an agent that chats before its files exist starts
	 * OpenClaw's first-run ritual), then replaces openclaw.json through the admin RPC,
	 * then waits until the gateway lists every agent.
	 */
	private Mono<Void> applyLive(Instance instance, Platform.Config config) {
		String token = this.secrets.gatewayToken(instance);
		return this.runtime.writeFiles(instance, config.files())
			.then(removeDroppedAgents(instance, token, config.agents()))
			// Removing agents rewrote the file: its hash is fetched afresh then.
			.flatMap((removed) -> this.gateways.applyConfig(instance.endpoint(), token, config.openclawJson(),
					removed ? null : instance.gatewayConfigHash()))
			.flatMap((hash) -> awaitAgents(instance, token, config.agents())
				.then(this.instances.setApplied(instance.id(), config.version(), config.sha256(), hash)))
			.timeout(this.properties.applyTimeout());
	}

	/**
	 * Removes the agents the gateway serves that the new configuration no longer has
	 * (OpenClaw fails a {@code config.apply} that drops an agent which has run). One the
	 * gateway will not remove is left to the configuration write, which reports why.
	 * @return whether any agent was removed
	 */
	private Mono<Boolean> removeDroppedAgents(Instance instance, String token, Set<String> kept) {
		return this.gateways.agents(instance.endpoint(), token).flatMap((served) -> {
			List<String> dropped = served.stream().filter((agent) -> !kept.contains(agent)).toList();
			return Flux.fromIterable(dropped)
				.concatMap((agent) -> this.gateways.deleteAgent(instance.endpoint(), token, agent)
					.thenReturn(true)
					.onErrorResume(GatewayClient.GatewayException.class, (ex) -> {
						log.info("Gateway of instance {} kept agent {}: {}", instance.id(), agent, ex.getMessage());
						return Mono.just(false);
					}))
				.reduce(false, Boolean::logicalOr);
		});
	}

	private Mono<Void> awaitAgents(Instance instance, String token, Set<String> agents) {
		return this.gateways.agents(instance.endpoint(), token)
			.filter((listed) -> listed.containsAll(agents))
			.repeatWhenEmpty((attempts) -> attempts.delayElements(Duration.ofMillis(200)))
			.then();
	}

	// --- launching (the launcher runs these) ---

	/**
	 * Starts (or adopts) the gateway of a PROVISIONING or STARTING instance, with the
	 * current configuration written before the first start, and waits until it is ready.
	 */
	public Mono<Void> launch(Instance instance) {
		boolean pooled = instance.userId() == null;
		boolean fresh = instance.appliedConfigSha() == null;
		long started = System.nanoTime();
		Mono<Instance> ready = ensureKey(instance).flatMap((keyed) -> fresh ? launchFresh(keyed, pooled)
				: start(keyed, List.of()).flatMap((running) -> awaitReady(running)
					.then(this.journal.step(running, "gateway ready", null))
					.then(this.gateways.configHash(running.endpoint(), this.secrets.gatewayToken(running)))
					.flatMap((hash) -> this.instances.setGatewayHash(running.id(), hash))
					.then(this.instances.byId(running.id()))
					.flatMap((current) -> pooled ? Mono.just(current) : applyIfChanged(current).thenReturn(current))));
		return ready.flatMap((running) -> this.instances
			.transition(running.id(), Set.of(instance.state()), pooled ? InstanceState.WARM : InstanceState.READY, null)
			.flatMap((after) -> {
				Duration took = Duration.ofNanos(System.nanoTime() - started);
				if (!pooled) {
					this.coldStart.record(took);
				}
				return this.journal.stateChanged(after, instance.state(), "started in " + took.toSeconds() + " s");
			})).onErrorResume((ex) -> fail(instance, Set.of(instance.state()), "start failed", ex).then());
	}

	/**
	 * First start: the current configuration (the warm one for the pool) is written
	 * before the gateway starts, so it comes up as it should be.
	 */
	private Mono<Instance> launchFresh(Instance instance, boolean pooled) {
		return (pooled ? this.platform.warmConfig() : this.platform.userConfig(instance.userId()))
			.flatMap((config) -> start(instance, config.allFiles())
				.flatMap((running) -> awaitReady(running).then(this.journal.step(running, "gateway ready", null))
					.then(this.gateways.configHash(running.endpoint(), this.secrets.gatewayToken(running)))
					.flatMap((hash) -> this.instances.setApplied(running.id(), config.version(), config.sha256(), hash))
					.then(pooled && this.properties.warmUp() ? warmUp(running) : Mono.empty())
					.thenReturn(running)));
	}

	/**
	 * Starts the gateway. A gateway that ran before keeps the files it has (its last good
	 * configuration); newer configuration is then applied live, so a bad one cannot keep
	 * it down.
	 */
	private Mono<Instance> start(Instance instance, List<GatewayFile> files) {
		InstanceSpec spec = new InstanceSpec(instance.id(), instance.userId(), instance.plan(),
				this.secrets.gatewayToken(instance), this.secrets.modelKey(instance), this.properties.modelBaseUrl(),
				this.properties.resources(instance.plan()), files);
		boolean placed = instance.runtimeRef() != null && !instance.runtimeRef().isEmpty();
		return this.journal.step(instance, placed ? "starting the gateway again" : "creating the gateway", null)
			.then(placed ? this.runtime.start(instance, spec) : this.runtime.create(spec))
			.flatMap((placement) -> this.instances.setRuntime(instance.id(), placement.endpoint(), placement.ref()))
			.then(this.instances.byId(instance.id()));
	}

	/**
	 * Waits until the gateway says it is ready, failing at once if its process exits
	 * (with the exit code: 78 means OpenClaw refused the configuration) and after the
	 * start timeout.
	 */
	private Mono<Void> awaitReady(Instance instance) {
		return Flux.interval(Duration.ZERO, Duration.ofMillis(500))
			.onBackpressureDrop()
			.concatMap((tick) -> this.gateways.ready(instance.endpoint())
				.flatMap((ready) -> ready ? Mono.just(true) : this.runtime.status(instance).flatMap((status) -> {
					if (status.phase() == RuntimeStatus.Phase.FAILED) {
						return Mono.error(new IllegalStateException(status.configError()
								? "the gateway refused its configuration (exit 78)" : status.detail()));
					}
					return Mono.just(false);
				})), 1)
			.filter(Boolean::booleanValue)
			.next()
			.timeout(this.properties.startTimeout(),
					Mono.error(() -> new IllegalStateException("not ready after " + this.properties.startTimeout())))
			.then();
	}

	/** One chat, so that the first real chat of the gateway is not its slow first one. */
	private Mono<Void> warmUp(Instance instance) {
		String token = this.secrets.gatewayToken(instance);
		Map<String, Object> chat = Map.of("model", "openclaw/assistant", "stream", false, "messages",
				List.of(Map.of("role", "user", "content", "ping")));
		return this.gateways.chat(instance.endpoint(), token, chat)
			.then()
			.timeout(Duration.ofSeconds(60))
			.then(this.instances.setWarmed(instance.id()))
			.then(this.journal.step(instance, "warmed up", null))
			.onErrorResume((ex) -> {
				log.warn("Warm-up chat of instance {} failed (it joins the pool anyway): {}", instance.id(),
						ex.toString());
				return Mono.empty();
			});
	}

	/** Issues the instance's model key if it has none, and binds it to its user. */
	private Mono<Instance> ensureKey(Instance instance) {
		Mono<Instance> keyed = (instance.modelKeyId() != null) ? Mono.just(instance)
				: this.platform.issueKey(instance.id())
					.flatMap((key) -> this.instances.setModelKey(instance.id(), key.keyId(),
							this.secrets.seal(instance.id(), key.key())))
					.then(this.instances.byId(instance.id()));
		return keyed.flatMap((withKey) -> (withKey.userId() == null) ? Mono.just(withKey)
				: this.platform.bindKey(withKey.modelKeyId(), withKey.userId()).thenReturn(withKey));
	}

	// --- hibernation, restart, deletion ---

	public Mono<Void> hibernate(Instance instance, Duration idle) {
		return this.instances.transition(instance.id(), Set.of(InstanceState.READY), InstanceState.HIBERNATED, null)
			.flatMap((after) -> this.journal
				.stateChanged(after, InstanceState.READY, "idle for " + idle.toMinutes() + " min: stopped, state kept")
				.then(this.runtime.stop(after)));
	}

	/** Wakes a hibernated instance (the launcher starts it, keeping its state). */
	public Mono<Instance> wake(Instance instance) {
		return this.instances.transition(instance.id(), Set.of(InstanceState.HIBERNATED), InstanceState.STARTING, null)
			.flatMap((after) -> this.journal.stateChanged(after, InstanceState.HIBERNATED, "waking up")
				.thenReturn(after))
			.switchIfEmpty(this.instances.byId(instance.id()));
	}

	/** Stops the user's gateway and starts it again. */
	public Mono<Instance> restart(UUID userId) {
		return this.locks
			.serialized(userId,
					() -> this.instances.byUser(userId)
						.flatMap(
								(instance) -> this.instances
									.transition(instance.id(),
											EnumSet.of(InstanceState.READY, InstanceState.ERROR,
													InstanceState.HIBERNATED),
											InstanceState.STARTING, null)
									.flatMap((after) -> this.runtime.stop(after)
										.then(this.journal.stateChanged(after, instance.state(), "restart requested"))
										.thenReturn(after))));
	}

	/**
	 * Marks the user's instance for deletion (the launcher tears it down); leaves the
	 * queue.
	 */
	public Mono<Instance> delete(UUID userId) {
		return this.locks.serialized(userId,
				() -> this.instances.dequeue(userId)
					.then(this.instances.byUser(userId))
					.flatMap((instance) -> this.instances
						.transition(instance.id(),
								EnumSet.complementOf(EnumSet.of(InstanceState.DELETING, InstanceState.DELETED)),
								InstanceState.DELETING, null)
						.flatMap((after) -> this.journal.stateChanged(after, instance.state(), "deletion requested")
							.thenReturn(after))));
	}

	/** Removes a DELETING instance's runtime objects and key, then marks it DELETED. */
	public Mono<Void> teardown(Instance instance) {
		return this.runtime.delete(instance)
			.then((instance.modelKeyId() != null)
					? this.platform.revokeKey(instance.modelKeyId()).onErrorResume((ex) -> {
						log.warn("Could not revoke key {} of instance {} (will retry): {}", instance.modelKeyId(),
								instance.id(), ex.toString());
						return Mono.error(ex);
					}) : Mono.empty())
			.then(this.instances.transition(instance.id(), Set.of(InstanceState.DELETING), InstanceState.DELETED, null))
			.flatMap((after) -> this.instances.release(after.id())
				.then(this.journal.stateChanged(after, InstanceState.DELETING, "runtime objects and key removed")));
	}

	/** Seals a secret of an instance. */
	String seal(UUID instanceId, String secret) {
		return this.secrets.seal(instanceId, secret);
	}

	/** Puts an instance in ERROR with the reason. */
	Mono<Instance> fail(Instance instance, Set<InstanceState> from, String what, Throwable ex) {
		String reason = what + ": " + ((ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName());
		log.warn("Instance {} {}", instance.id(), reason, ex);
		this.failures.increment();
		return this.instances.transition(instance.id(), from, InstanceState.ERROR, reason)
			.flatMap((after) -> this.journal.stateChanged(after, instance.state(), reason).thenReturn(after))
			.switchIfEmpty(this.instances.byId(instance.id()));
	}

}
