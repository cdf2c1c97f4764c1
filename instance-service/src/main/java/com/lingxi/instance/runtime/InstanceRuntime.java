package com.lingxi.instance.runtime;

import java.util.List;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.lingxi.instance.model.Instance;

/**
 * Where gateways run. Implementations persist nothing themselves: what they created comes
 * back as a {@link Placement} that the caller stores on the instance, so a restarted
 * instance-service finds (and adopts) what exists instead of creating it twice.
 */
public interface InstanceRuntime {

	/** {@code local} or {@code kubernetes}. */
	String name();

	/**
	 * Creates the instance's runtime objects, writes its files and configuration, and
	 * starts the gateway. Completes once the gateway process/pod is started (not
	 * necessarily ready).
	 */
	Mono<Placement> create(InstanceSpec spec);

	/** Starts a stopped gateway again (wake, restart after a crash). State is kept. */
	Mono<Placement> start(Instance instance, InstanceSpec spec);

	/** Stops the gateway and keeps its state (hibernation). */
	Mono<Void> stop(Instance instance);

	/** Removes everything the runtime created for the instance, state included. */
	Mono<Void> delete(Instance instance);

	/** Writes files into the instance's state directory, each atomically. */
	Mono<Void> writeFiles(Instance instance, List<GatewayFile> files);

	/** What the runtime sees of the instance now. */
	Mono<RuntimeStatus> status(Instance instance);

	/**
	 * Ids of every instance the runtime has objects for (orphans are those without a
	 * row).
	 */
	Flux<String> instanceIds();

}
