package com.lingxi.billing.plans;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
import org.springframework.http.HttpStatus;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.billing.BillingProblems;
import com.lingxi.billing.plans.PlanProperties.Plan;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.Notifications;
import com.lingxi.common.events.topics.UserPlanChanged;
import com.lingxi.common.problem.ProblemException;

/**
 * Users' plans: which plan a user is on (cached per replica for the model proxy's hot
 * path, dropped on every change through Redis pub/sub), changing it (with
 * {@code user.plan-changed} in the same transaction), and the free subscription of a new
 * user.
 */
public final class Plans implements InitializingBean, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(Plans.class);

	static final String CHANNEL = "billing.plans";

	private static final Duration CACHE_TTL = Duration.ofSeconds(30);

	private final Subscriptions subscriptions;

	private final PlanCatalog catalog;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final Notifications notifications;

	private final Cache<UUID, String> cache = Caffeine.newBuilder()
		.maximumSize(100_000)
		.expireAfterWrite(CACHE_TTL)
		.executor(Runnable::run)
		.build();

	private Disposable subscription;

	public Plans(Subscriptions subscriptions, PlanCatalog catalog, EventPublisher events, TransactionalOperator tx,
			Notifications notifications) {
		this.subscriptions = subscriptions;
		this.catalog = catalog;
		this.events = events;
		this.tx = tx;
		this.notifications = notifications;
	}

	@Override
	public void afterPropertiesSet() {
		this.subscription = this.notifications.subscribe(CHANNEL, PlanChanged.class)
			.doOnNext((changed) -> this.cache.invalidate(changed.userId()))
			.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1)).maxBackoff(Duration.ofSeconds(30)))
			.subscribe(null, (ex) -> log.warn("Plan change notifications stopped: {}", ex.toString()));
	}

	@Override
	public void destroy() {
		if (this.subscription != null) {
			this.subscription.dispose();
		}
	}

	public PlanCatalog catalog() {
		return this.catalog;
	}

	/** The name of the user's plan (the default plan without a subscription). */
	public Mono<String> planOf(UUID userId) {
		String cached = this.cache.getIfPresent(userId);
		if (cached != null) {
			return Mono.just(cached);
		}
		return subscription(userId).map((subscription) -> {
			this.cache.put(userId, subscription.plan());
			return subscription.plan();
		});
	}

	/** The user's subscription; a user without one is on the default plan. */
	public Mono<Subscription> subscription(UUID userId) {
		return this.subscriptions.current(userId)
			.map((current) -> new Subscription(userId, this.catalog.effectiveName(current.plan()), current.since()))
			.defaultIfEmpty(new Subscription(userId, this.catalog.defaultPlan(), null));
	}

	/**
	 * Puts a user on a plan, recording the change and announcing it with
	 * {@code user.plan-changed}; the same plan again changes nothing.
	 */
	public Mono<Subscription> change(UUID userId, String plan, String reason) {
		if (this.catalog.plan(plan).isEmpty()) {
			return Mono.error(
					ProblemException
						.of(HttpStatus.BAD_REQUEST, BillingProblems.UNKNOWN_PLAN, "Unknown plan",
								"There is no plan '" + plan + "'.")
						.with("plans", this.catalog.all().keySet()));
		}
		Mono<Subscription> change = this.subscriptions.currentForUpdate(userId)
			.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((current) -> {
				String previous = current.map(Subscription::plan)
					.map(this.catalog::effectiveName)
					.orElse(this.catalog.defaultPlan());
				if (current.isPresent() && current.get().plan().equals(plan)) {
					return Mono.just(current.get());
				}
				Mono<Void> announce = previous.equals(plan) ? Mono.empty()
						: this.events
							.publish(UserPlanChanged.TOPIC, userId,
									new UserPlanChanged(userId, previous, plan, Instant.now()))
							.then();
				return this.subscriptions.upsert(userId, plan)
					.then(this.subscriptions.recordChange(userId, current.map(Subscription::plan).orElse(null), plan,
							reason))
					.then(announce)
					.then(this.subscriptions.current(userId));
			});
		return this.tx.transactional(change).flatMap((changed) -> forget(userId).thenReturn(changed));
	}

	/** Gives a new user the default plan, once. */
	public Mono<Void> registered(UUID userId) {
		String plan = this.catalog.defaultPlan();
		return this.subscriptions.createIfAbsent(userId, plan)
			.flatMap((created) -> created ? this.subscriptions.recordChange(userId, null, plan, "registered")
					: Mono.empty())
			.then();
	}

	/** The user's last plan changes, newest first. */
	public Mono<List<PlanChange>> history(UUID userId) {
		return this.subscriptions.history(userId, 50).collectList();
	}

	public Plan limitsOf(String plan) {
		return this.catalog.planOrDefault(plan);
	}

	private Mono<Void> forget(UUID userId) {
		this.cache.invalidate(userId);
		return this.notifications.publish(CHANNEL, new PlanChanged(userId)).onErrorResume((ex) -> {
			log.warn("Could not announce the plan change of {}; other replicas notice within {}: {}", userId, CACHE_TTL,
					ex.toString());
			return Mono.empty();
		}).then();
	}

	/** Pub/sub message: a user's plan changed. */
	record PlanChanged(UUID userId) {
	}

}
