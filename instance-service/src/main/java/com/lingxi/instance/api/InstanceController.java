package com.lingxi.instance.api;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.instance.InstanceProblems;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.lifecycle.Lifecycle;
import com.lingxi.instance.model.Instance;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.instance.model.InstanceState;
import com.lingxi.instance.model.Instances;

/** {@code /api/instance/*}: the caller's own instance. */
@RestController
class InstanceController {

	private final Instances instances;

	private final InstanceJournal journal;

	private final Lifecycle lifecycle;

	private final GatewayClient gateways;

	InstanceController(Instances instances, InstanceJournal journal, Lifecycle lifecycle, GatewayClient gateways) {
		this.instances = instances;
		this.journal = journal;
		this.lifecycle = lifecycle;
		this.gateways = gateways;
	}

	@GetMapping("/api/instance/status")
	Mono<Status> status(CurrentUser caller) {
		return this.instances.byUser(caller.id())
			.flatMap(this::status)
			.switchIfEmpty(Mono.defer(() -> queued(caller.id())))
			.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.NOT_FOUND, InstanceProblems.NO_INSTANCE,
					"No instance", "You have no instance. POST /api/instance/create makes one.")));
	}

	@PostMapping("/api/instance/create")
	Mono<ResponseEntity<Status>> create(CurrentUser caller) {
		return this.lifecycle.assign(caller.id(), "requested")
			.flatMap(this::status)
			.switchIfEmpty(Mono.defer(() -> queued(caller.id())))
			.map((status) -> ResponseEntity.status("READY".equals(status.state()) ? HttpStatus.OK : HttpStatus.ACCEPTED)
				.body(status));
	}

	@PostMapping("/api/instance/restart")
	Mono<ResponseEntity<Status>> restart(CurrentUser caller) {
		return this.lifecycle.restart(caller.id())
			.switchIfEmpty(Mono
				.defer(() -> this.instances.byUser(caller.id())
					.flatMap((instance) -> Mono.<Instance>error(
							ProblemException.of(HttpStatus.CONFLICT, InstanceProblems.NOT_READY, "Cannot restart now",
									"The instance is " + instance.state() + "; try again when it is ready."))))
				.switchIfEmpty(Mono.error(() -> noInstance())))
			.flatMap(this::status)
			.map((status) -> ResponseEntity.accepted().body(status));
	}

	@DeleteMapping("/api/instance/delete")
	Mono<ResponseEntity<Status>> delete(CurrentUser caller) {
		return this.lifecycle.delete(caller.id())
			.flatMap(this::status)
			.map((status) -> ResponseEntity.accepted().body(status))
			.switchIfEmpty(Mono.error(() -> noInstance()));
	}

	private Mono<Status> status(Instance instance) {
		Mono<String> health = (instance.state() == InstanceState.READY)
				? this.gateways.ready(instance.endpoint()).map((ready) -> ready ? "ready" : "unreachable")
				: Mono.just(instance.state() == InstanceState.HIBERNATED ? "stopped" : "n/a");
		return Mono.zip(health, this.journal.steps(instance.id(), 50).collectList())
			.map((both) -> new Status(instance.id(), instance.state().name(), instance.runtime(),
					instance.appliedConfigVersion(), instance.configError(), instance.error(), both.getT1(), null,
					instance.lastActivityAt(), instance.createdAt(), both.getT2()));
	}

	private Mono<Status> queued(UUID userId) {
		return this.instances.queuePosition(userId)
			.map((position) -> new Status(null, InstanceState.QUEUED.name(), null, null, null, null, "n/a", position,
					null, null, List.of()));
	}

	private static ProblemException noInstance() {
		return ProblemException.of(HttpStatus.NOT_FOUND, InstanceProblems.NO_INSTANCE, "No instance",
				"You have no instance.");
	}

	/**
	 * What the console shows of an instance.
	 *
	 * @param instanceId instance id (null while queued)
	 * @param state lifecycle state
	 * @param runtime where it runs
	 * @param appliedConfigVersion the configuration version it runs
	 * @param configError why the latest configuration was not applied, if it was not
	 * @param error why it is in ERROR
	 * @param health the gateway's own readiness, when it should be running
	 * @param queuePosition place in the queue when waiting for capacity
	 * @param lastActivityAt last chat
	 * @param createdAt created
	 * @param steps progress and history, oldest first
	 */
	record Status(UUID instanceId, String state, String runtime, Long appliedConfigVersion, String configError,
			String error, String health, Long queuePosition, Instant lastActivityAt, Instant createdAt,
			List<InstanceJournal.Step> steps) {
	}

}
