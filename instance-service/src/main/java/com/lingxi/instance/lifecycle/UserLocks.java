package com.lingxi.instance.lifecycle;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Runs operations on one instance (or one user) one after another in this process: an
 * assignment and a configuration change, or two configuration changes, never interleave.
 */
public final class UserLocks {

	private final Map<UUID, Mono<Void>> tails = new ConcurrentHashMap<>();

	/** Runs {@code work} after every earlier operation on {@code key} has finished. */
	public <T> Mono<T> serialized(UUID key, Supplier<Mono<T>> work) {
		return Mono.defer(() -> {
			Sinks.Empty<Void> done = Sinks.empty();
			Mono<Void> mine = done.asMono();
			Mono<Void> previous = this.tails.put(key, mine);
			Mono<Void> wait = (previous != null) ? previous.onErrorResume((ex) -> Mono.empty()) : Mono.empty();
			return wait.then(Mono.defer(work)).doFinally((signal) -> {
				done.tryEmitEmpty();
				this.tails.remove(key, mine);
			});
		});
	}

}
