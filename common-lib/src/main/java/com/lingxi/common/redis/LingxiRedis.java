package com.lingxi.common.redis;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;

/**
 * The platform's Redis: one Lettuce client, a shared multiplexed connection for ordinary
 * commands, dedicated connections for blocking reads, and a key namespace so that several
 * environments (or test classes) can share one server without seeing each other's keys.
 *
 * <p>
 * Connections are opened on first use, not at start-up, and commands fail fast while
 * Redis is unreachable instead of queueing: callers decide whether that means "fail open"
 * (rate limits) or "retry later" (event relay).
 */
public final class LingxiRedis implements DisposableBean {

	private final RedisClient client;

	private final RedisURI uri;

	private final String namespace;

	private final AtomicReference<Mono<StatefulRedisConnection<String, String>>> shared = new AtomicReference<>();

	/**
	 * @param uri the server
	 * @param namespace key prefix
	 * @param commandTimeout time limit of an ordinary command
	 * @param blockingCommandTimeout time limit of a blocking read
	 * ({@code XREADGROUP ... BLOCK}, {@code BLPOP}, ...), which must outlast the block it
	 * asks for
	 */
	public LingxiRedis(RedisURI uri, String namespace, Duration commandTimeout, Duration blockingCommandTimeout) {
		this.client = RedisClient.create();
		this.uri = uri;
		this.client.setOptions(ClientOptions.builder()
			.autoReconnect(true)
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.timeoutOptions(TimeoutOptions.builder()
				.timeoutSource(new CommandTimeouts(commandTimeout, blockingCommandTimeout))
				.build())
			.build());
		this.namespace = namespace;
	}

	/** The namespace every key of this platform starts with. */
	public String namespace() {
		return this.namespace;
	}

	/** {@code <namespace>:<part>:<part>...} */
	public String key(String... parts) {
		StringBuilder key = new StringBuilder(this.namespace);
		for (String part : parts) {
			key.append(':').append(part);
		}
		return key.toString();
	}

	/** Reactive commands on the shared connection (never for blocking commands). */
	public Mono<RedisReactiveCommands<String, String>> commands() {
		return sharedConnection().map(StatefulRedisConnection::reactive);
	}

	/** A new connection of the caller's own, for blocking reads; the caller closes it. */
	public Mono<StatefulRedisConnection<String, String>> dedicatedConnection() {
		return Mono.fromCompletionStage(() -> this.client.connectAsync(StringCodec.UTF8, this.uri));
	}

	/** A new publish/subscribe connection; the caller closes it. */
	public Mono<StatefulRedisPubSubConnection<String, String>> pubSubConnection() {
		return Mono.fromCompletionStage(() -> this.client.connectPubSubAsync(StringCodec.UTF8, this.uri));
	}

	private Mono<StatefulRedisConnection<String, String>> sharedConnection() {
		Mono<StatefulRedisConnection<String, String>> current = this.shared.get();
		if (current != null) {
			return current;
		}
		Mono<StatefulRedisConnection<String, String>> connecting = dedicatedConnection().cache();
		if (!this.shared.compareAndSet(null, connecting)) {
			return this.shared.get();
		}
		// A failed first connection is not cached: the next caller tries again.
		return connecting.doOnError((ex) -> this.shared.compareAndSet(connecting, null));
	}

	/**
	 * Blocking reads wait for data by design; every other command gets the ordinary
	 * limit.
	 */
	private static final class CommandTimeouts extends TimeoutOptions.TimeoutSource {

		private static final Set<CommandType> BLOCKING = EnumSet.of(CommandType.XREAD, CommandType.XREADGROUP,
				CommandType.BLPOP, CommandType.BRPOP, CommandType.BLMOVE, CommandType.BRPOPLPUSH, CommandType.BZPOPMIN,
				CommandType.BZPOPMAX, CommandType.BLMPOP, CommandType.BZMPOP);

		private final long commandMillis;

		private final long blockingMillis;

		CommandTimeouts(Duration command, Duration blocking) {
			this.commandMillis = command.toMillis();
			this.blockingMillis = blocking.toMillis();
		}

		@Override
		public long getTimeout(RedisCommand<?, ?, ?> command) {
			return (command.getType() instanceof CommandType type && BLOCKING.contains(type)) ? this.blockingMillis
					: this.commandMillis;
		}

		@Override
		public TimeUnit getTimeUnit() {
			return TimeUnit.MILLISECONDS;
		}

	}

	@Override
	public void destroy() {
		Mono<StatefulRedisConnection<String, String>> current = this.shared.getAndSet(null);
		if (current != null) {
			current.subscribe(StatefulRedisConnection::closeAsync, (ex) -> {
			});
		}
		this.client.shutdownAsync(0, 2, TimeUnit.SECONDS);
	}

}
