package com.lingxi.instance.runtime.container;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The tests' gateway network, made by the platform's own script
 * ({@code deploy/container/gateway-network.sh}) with a subnet and model-proxy port of the
 * tests' own, so that a platform running on the same machine keeps its network.
 */
public final class TestGatewayNetwork {

	public static final String NAME = "lingxi-test-gateways";

	public static final String SUBNET = "10.89.61.0/24";

	/** This host's address on the network, where the stand-in model proxy listens. */
	public static final String HOST = "10.89.61.1";

	/** The one port the network's firewall admits. */
	public static final int PROXY_PORT = 18086;

	private TestGatewayNetwork() {
	}

	/** Creates the network (if missing) and loads its firewall rules. */
	public static void up() {
		String output = run("../deploy/container/gateway-network.sh", "up");
		if (!output.isEmpty()) {
			throw new IllegalStateException("gateway-network.sh up: " + output);
		}
	}

	/**
	 * Runs a command with the network's settings in its environment; fails unless it
	 * exits 0.
	 * @return what it printed
	 */
	public static String run(String... command) {
		try {
			ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
			builder.environment().put("LINGXI_GATEWAY_NETWORK", NAME);
			builder.environment().put("LINGXI_GATEWAY_SUBNET", SUBNET);
			builder.environment().put("LINGXI_MODEL_PROXY_PORT", Integer.toString(PROXY_PORT));
			Process process = builder.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
			}
			return output;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + String.join(" ", command), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
