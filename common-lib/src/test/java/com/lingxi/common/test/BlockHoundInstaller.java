package com.lingxi.common.test;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Installs BlockHound before any test runs, so a blocking call on a Reactor or Netty
 * thread fails the test that made it. Unlike BlockHound's own JUnit listener it survives
 * libraries that declare integrations they do not ship (the Nacos client's shaded Netty
 * does).
 */
public final class BlockHoundInstaller implements TestExecutionListener {

	private static volatile boolean installed;

	@Override
	public void testPlanExecutionStarted(TestPlan testPlan) {
		install();
	}

	static synchronized void install() {
		if (installed) {
			return;
		}
		BlockHound.Builder builder = BlockHound.builder();
		Iterator<BlockHoundIntegration> integrations = ServiceLoader.load(BlockHoundIntegration.class).iterator();
		while (true) {
			try {
				if (!integrations.hasNext()) {
					break;
				}
				builder.with(integrations.next());
			}
			catch (ServiceConfigurationError ex) {
				// A provider named in META-INF/services but missing from its jar: skip
				// it.
			}
		}
		builder.install();
		installed = true;
	}

}
