package com.lingxi.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.common.test.OpenClawRuntime;
import com.lingxi.config.render.Bundle;

/**
 * The real OpenClaw CLI of the pinned version ({@code deploy/install-openclaw.sh}
 * installs it on first use), for checking rendered configurations the way a gateway will
 * read them.
 */
public final class OpenClawCli {

	private OpenClawCli() {
	}

	/** {@code openclaw config validate --json} of a bundle's openclaw.json. */
	public static JsonNode validate(Bundle bundle) throws Exception {
		JsonMapper json = JsonMapper.builder().build();
		Path dir = Files.createTempDirectory("openclaw-validate");
		Path home = Files.createDirectories(dir.resolve("home"));
		Path state = Files.createDirectories(home.resolve(".openclaw"));
		Path config = state.resolve("openclaw.json");
		Files.writeString(config, bundle.openclawJson(json));
		ProcessBuilder builder = new ProcessBuilder(OpenClawRuntime.node().toString(),
				OpenClawRuntime.entry().toString(), "config", "validate", "--json")
			.redirectError(ProcessBuilder.Redirect.DISCARD);
		Map<String, String> env = builder.environment();
		env.put("HOME", home.toString());
		env.put("OPENCLAW_STATE_DIR", state.toString());
		env.put("OPENCLAW_CONFIG_PATH", config.toString());
		env.put("OPENCLAW_OFFLINE", "1");
		env.put("OPENCLAW_NO_AUTO_UPDATE", "1");
		env.put("OPENCLAW_GATEWAY_TOKEN", "test-token");
		env.put("LINGXI_MODEL_KEY", "lx-test");
		env.put("LINGXI_MODEL_BASE_URL", "http://127.0.0.1:8084/v1");
		Process process = builder.start();
		String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(120, TimeUnit.SECONDS)) {
			process.destroyForcibly();
			throw new IllegalStateException("openclaw config validate timed out");
		}
		return json.readTree(out.substring(out.indexOf('{')));
	}

}
