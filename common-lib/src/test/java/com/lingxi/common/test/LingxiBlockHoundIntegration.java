package com.lingxi.common.test;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound lets through in every module's tests: one-time lazy loading that the
 * JDK and libraries do on first use (resource bundles for validation messages), not I/O
 * on a hot path.
 */
public final class LingxiBlockHoundIntegration implements BlockHoundIntegration {

	@Override
	public void applyTo(BlockHound.Builder builder) {
		builder.allowBlockingCallsInside("java.util.ResourceBundle", "getBundle");
	}

}
