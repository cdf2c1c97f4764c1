package com.lingxi.common.test;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound lets through in every module's tests: one-time lazy loading that the
 * JDK and libraries do on first use (resource bundles for validation messages), short
 * lock waits inside libraries, and test infrastructure's own waits; not I/O on a hot
 * path.
 */
public final class LingxiBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("java.util.ResourceBundle", "getBundle");
		// Jackson builds each (de)serializer once, under a lock; concurrent first uses
		// wait briefly.
		builder.allowBlockingCallsInside("tools.jackson.databind.deser.DeserializerCache",
				"_createAndCacheValueDeserializer");
		builder.allowBlockingCallsInside("tools.jackson.databind.ser.SerializerCache", "addAndResolveValueSerializer");
		// Lettuce guards a connection's writer with a short lock; threads writing at once
		// wait for it.
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters");
		builder.allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "decrementWriters");
		// A PostgreSQL that asks for a password (scram-sha-256, as the one ./lingxi
		// starts):
		// the driver's SCRAM client draws its nonce from SecureRandom, which reads a few
		// bytes of /dev/urandom (never blocks) during the connection handshake.
		builder.allowBlockingCallsInside("com.ongres.scram.common.ScramFunctions", "nonce");
		// fabric8's mock API server (test infrastructure, not code under test) waits for
		// its watch executor on its own Vert.x event loop when a watch closes; refused,
		// the wait leaves the executor's lock broken and the server cannot shut down.
		builder.allowBlockingCallsInside("io.fabric8.kubernetes.client.server.mock.WatchEventsListener", "onClosed");
	}

}
