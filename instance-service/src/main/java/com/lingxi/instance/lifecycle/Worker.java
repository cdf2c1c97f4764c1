package com.lingxi.instance.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;

import com.lingxi.common.id.Ids;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.runtime.InstanceRuntime;
import com.lingxi.instance.runtime.RuntimeStatus;

/**
 * The leader's background work, level-based and idempotent (safe to run twice, safe after
 * a crash): launches PROVISIONING and STARTING instances (a bounded number at once) and
 * tears down DELETING ones; keeps the warm pool at its target within the machine's
 * capacity, serving the queue first; reconciles runtimes with the database (restarts
 * crashed gateways, records refused configurations, rescues instances stuck past their
 * deadline, removes orphans); hibernates idle instances.
 */
public final class Worker implements SmartLifecycle {

	private static final Logger log = LoggerFactory.getLogger(Worker.class);

	private static final int MAX_AUTOMATIC_RESTARTS = 5;

	private final Instances instances;

	private final Lifecycle lifecycle;

	private final InstanceRuntime runtime;

	private final InstanceJournal journal;

	private final InstanceProperties properties;

	private final LeaderLatch leader;

	private final Capacity capacity;

	private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();

	private final Map<InstanceState, AtomicLong> counts = new EnumMap<>(InstanceState.class);

	private final AtomicLong queued = new AtomicLong();

	private volatile Disposable running;

	public Worker(Instances instances, Lifecycle lifecycle, InstanceRuntime runtime, InstanceJournal journal,
			InstanceProperties properties, LeaderLatch leader, Capacity capacity, MeterRegistry meters) {
		this.instances = instances;
		this.lifecycle = lifecycle;
		this.runtime = runtime;
		this.journal = journal;
		this.properties = properties;
		this.leader = leader;
		this.capacity = capacity;
		for (InstanceState state : InstanceState.values()) {
			AtomicLong count = new AtomicLong();
			this.counts.put(state, count);
			Gauge.builder("lingxi.instances", count, AtomicLong::get)
				.tag("state", state.name())
				.description("Instances by state")
				.register(meters);
		}
		Gauge.builder("lingxi.instances.queue", this.queued, AtomicLong::get)
			.description("Sign-ups waiting for capacity")
			.register(meters);
	}

	@Override
	public void start() {
		Disposable launching = every(Duration.ofMillis(500), this::launchAndTeardown);
		Disposable pooling = every(this.properties.pool().refillInterval(), this::servePoolAndQueue);
		Disposable reconciling = every(this.properties.reconcileInterval(), this::reconcile);
		Disposable hibernating = every(Duration.ofMinutes(1), this::hibernateIdle);
		Disposable measuring = Flux.interval(Duration.ZERO, Duration.ofSeconds(5))
			.onBackpressureDrop()
			.concatMap((tick) -> measure().onErrorResume((ex) -> Mono.empty()), 1)
			.subscribe();
		this.running = Disposables.composite(launching, pooling, reconciling, hibernating, measuring);
	}

	private Disposable every(Duration interval, Supplier<Mono<Void>> work) {
		return Flux.interval(Duration.ofMillis(200), interval)
			.onBackpressureDrop()
			.filter((tick) -> this.leader.isLeader())
			.concatMap((tick) -> work.get().onErrorResume((ex) -> {
				log.warn("Background work failed", ex);
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

	/**
	 * Launches waiting instances (a bounded number at once) and tears down deleted ones.
	 */
	Mono<Void> launchAndTeardown() {
		return this.instances
			.inStates(EnumSet.of(InstanceState.PROVISIONING, InstanceState.STARTING, InstanceState.DELETING))
			.filter((instance) -> !this.inFlight.contains(instance.id()))
			.doOnNext((instance) -> {
				if (instance.state() == InstanceState.DELETING) {
					background(instance, this.lifecycle.teardown(instance));
				}
				else if (launching() < this.properties.pool().maxConcurrentStarts()) {
					background(instance, this.lifecycle.launch(instance));
				}
			})
			.then();
	}

	private long launching() {
		return this.inFlight.size();
	}

	private void background(Instance instance, Mono<Void> work) {
		if (!this.inFlight.add(instance.id())) {
			return;
		}
		work.doFinally((signal) -> this.inFlight.remove(instance.id())).subscribe(null, (ex) -> {
			log.warn("Work on instance {} failed: {}", instance.id(), ex.toString());
		});
	}

	/** Serves queued sign-ups first, then tops the warm pool up to its target. */
	Mono<Void> servePoolAndQueue() {
		return this.instances.queue()
			.concatMap((waiting) -> this.lifecycle.assign(waiting.userId(), "queued since " + waiting.queuedAt()))
			.then(refill());
	}

	private Mono<Void> refill() {
		Mono<Long> warm = this.instances.count(EnumSet.of(InstanceState.WARM));
		Mono<Long> coming = this.instances.inStates(EnumSet.of(InstanceState.PROVISIONING)).count();
		Mono<Long> occupied = this.instances.count(InstanceState.OCCUPYING);
		Mono<Long> waiting = this.instances.queue().count();
		return Mono.zip(warm, coming, occupied, waiting).flatMap((counts) -> {
			if (counts.getT4() > 0) {
				return Mono.empty();
			}
			long deficit = this.properties.pool().target() - counts.getT1() - counts.getT2();
			if (deficit < 0 && counts.getT2() == 0) {
				return trim(-deficit);
			}
			long room = this.capacity.max() - counts.getT3();
			long create = Math.min(deficit, room);
			return Flux.range(0, (int) Math.max(0, create)).concatMap((i) -> provision()).then();
		});
	}

	/**
	 * Removes warm gateways above the pool's target (it was lowered), newest first: they
	 * hold memory nobody asked for. A gateway claimed meanwhile is left alone.
	 */
	private Mono<Void> trim(long surplus) {
		return this.instances.inStates(EnumSet.of(InstanceState.WARM))
			.sort(Comparator.comparing(Instance::createdAt).reversed())
			.take(surplus)
			.concatMap((instance) -> this.instances
				.transition(instance.id(), Set.of(InstanceState.WARM), InstanceState.DELETING, null)
				.flatMap((after) -> this.journal.stateChanged(after, InstanceState.WARM,
						"warm pool above its target of " + this.properties.pool().target() + ": removed")))
			.then();
	}

	private Mono<Void> provision() {
		UUID id = Ids.uuidV7();
		String token = InstanceSecrets.newGatewayToken();
		return this.instances
			.insert(id, null, InstanceState.PROVISIONING, this.runtime.name(), this.lifecycle.seal(id, token), null)
			.then(this.instances.byId(id))
			.flatMap((created) -> this.journal.stateChanged(created, null, "new gateway for the warm pool"));
	}

	/** Compares every instance with its runtime and repairs the difference. */
	Mono<Void> reconcile() {
		Instant stuck = Instant.now().minus(this.properties.stuckAfter());
		Mono<Void> running = this.instances
			.inStates(EnumSet.of(InstanceState.WARM, InstanceState.READY, InstanceState.ASSIGNING))
			.filter((instance) -> !this.inFlight.contains(instance.id()))
			.concatMap((instance) -> this.runtime.status(instance).flatMap((status) -> repair(instance, status)))
			.then();
		Mono<Void> transitional = this.instances
			.inStates(EnumSet.of(InstanceState.PROVISIONING, InstanceState.STARTING))
			.filter((instance) -> !this.inFlight.contains(instance.id()) && instance.stateChangedAt().isBefore(stuck))
			.concatMap((instance) -> this.lifecycle.fail(instance, Set.of(instance.state()), "stuck",
					new IllegalStateException("no progress for " + this.properties.stuckAfter())))
			.then();
		// A personalisation takes seconds and is bounded by the apply timeout: one still
		// in
		// ASSIGNING long after was interrupted (a crash or restart) and is finished here.
		Instant interrupted = Instant.now().minus(this.properties.applyTimeout().multipliedBy(2));
		Mono<Void> assigning = this.instances.inStates(EnumSet.of(InstanceState.ASSIGNING))
			.filter((instance) -> instance.stateChangedAt().isBefore(interrupted))
			.concatMap((instance) -> this.lifecycle.resumeAssignment(instance).then())
			.then();
		Mono<Void> recovering = this.instances.inStates(EnumSet.of(InstanceState.ERROR))
			.filter((instance) -> instance.userId() != null && instance.restarts() < 3
					&& (instance.error() == null || !instance.error().contains("refused its configuration")))
			.concatMap((instance) -> this.instances.countRestart(instance.id())
				.then(this.instances.transition(instance.id(), Set.of(InstanceState.ERROR), InstanceState.STARTING,
						null))
				.flatMap((after) -> this.journal.stateChanged(after, InstanceState.ERROR,
						"retrying after: " + instance.error())))
			.then();
		Mono<Void> discarding = this.instances.inStates(EnumSet.of(InstanceState.ERROR))
			.filter((instance) -> instance.userId() == null)
			.concatMap((instance) -> this.instances
				.transition(instance.id(), Set.of(InstanceState.ERROR), InstanceState.DELETING, null)
				.flatMap((after) -> this.journal.stateChanged(after, InstanceState.ERROR,
						"failed pool gateway discarded: " + instance.error())))
			.then();
		return running.then(transitional).then(assigning).then(recovering).then(discarding).then(removeOrphans());
	}

	private Mono<Void> repair(Instance instance, RuntimeStatus status) {
		if (status.phase() == RuntimeStatus.Phase.RUNNING || status.phase() == RuntimeStatus.Phase.STARTING) {
			return Mono.empty();
		}
		if (status.configError()) {
			return this.lifecycle
				.fail(instance, Set.of(instance.state()), "gateway refused its configuration",
						new IllegalStateException(status.detail()))
				.then();
		}
		if (instance.restarts() >= MAX_AUTOMATIC_RESTARTS) {
			return this.lifecycle
				.fail(instance, Set.of(instance.state()), "gateway keeps crashing",
						new IllegalStateException(instance.restarts() + " restarts, last: " + status.detail()))
				.then();
		}
		InstanceState restartAs = (instance.userId() == null) ? InstanceState.PROVISIONING : InstanceState.STARTING;
		log.warn("Gateway of instance {} is {} ({}): restarting", instance.id(), status.phase(), status.detail());
		// Objects or folder gone: recreate them with the whole configuration, not just a
		// start.
		Mono<Void> forget = (status.phase() == RuntimeStatus.Phase.MISSING)
				? this.instances.forgetRuntime(instance.id()) : Mono.empty();
		return this.instances.countRestart(instance.id())
			.then(forget)
			.then(this.instances.transition(instance.id(), Set.of(instance.state()), restartAs, null))
			.flatMap((after) -> this.journal.stateChanged(after, instance.state(),
					"gateway " + status.phase().name().toLowerCase() + ": restarting (" + status.detail() + ")"));
	}

	private Mono<Void> removeOrphans() {
		return this.runtime.instanceIds().collectList().flatMap((ids) -> {
			if (ids.isEmpty()) {
				return Mono.empty();
			}
			return this.instances.inStates(EnumSet.complementOf(EnumSet.of(InstanceState.DELETED)))
				.map((instance) -> instance.id().toString())
				.collectList()
				.flatMapMany((known) -> {
					Set<String> orphans = new HashSet<>(ids);
					known.forEach(orphans::remove);
					return Flux.fromIterable(orphans);
				})
				.filter((id) -> this.inFlight.stream().noneMatch((flying) -> flying.toString().equals(id)))
				.concatMap((id) -> {
					log.warn("Removing runtime objects of {}: no live instance owns them", id);
					return this.runtime.delete(orphan(id)).onErrorResume((ex) -> Mono.empty());
				})
				.then();
		});
	}

	private static Instance orphan(String id) {
		return new Instance(UUID.fromString(id), null, InstanceState.DELETED, null, null, null, null, null, null, null,
				null, null, null, false, 0, null, null, null, null, null);
	}

	/**
	 * Stops instances of plans with a hibernation timeout that have been idle longer than
	 * it.
	 */
	Mono<Void> hibernateIdle() {
		return Flux.fromIterable(this.properties.hibernation().entrySet())
			.concatMap((plan) -> this.instances.idleSince(Instant.now().minus(plan.getValue()), plan.getKey())
				.filter((instance) -> !this.inFlight.contains(instance.id()))
				.concatMap((instance) -> this.lifecycle.hibernate(instance, plan.getValue())))
			.then();
	}

	private Mono<Void> measure() {
		return Flux.fromArray(InstanceState.values())
			.concatMap((state) -> this.instances.count(EnumSet.of(state)).doOnNext(this.counts.get(state)::set))
			.then(this.instances.queue().count().doOnNext(this.queued::set))
			.then();
	}

}
