package com.lingxi.instance;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Configuration bundles in config-service's shape, for a stand-in config-service. */
public final class Bundles {

	private Bundles() {
	}

	/**
	 * A bundle as the files a runtime writes: its workspace files, then openclaw.json
	 * last (as instance-service orders them).
	 */
	public static List<com.lingxi.instance.runtime.GatewayFile> files(ObjectNode bundle) {
		List<com.lingxi.instance.runtime.GatewayFile> files = new ArrayList<>();
		for (JsonNode file : bundle.path("files")) {
			files.add(com.lingxi.instance.runtime.GatewayFile.text(file.path("path").asString(),
					file.path("content").asString()));
		}
		files.add(com.lingxi.instance.runtime.GatewayFile.text("openclaw.json", bundle.path("openclaw").toString()));
		return files;
	}

	public static ObjectNode bundle(List<String> agents, String marker) {
		ObjectNode bundle = JsonNodeFactory.instance.objectNode();
		ObjectNode config = bundle.putObject("openclaw");
		ObjectNode gateway = config.putObject("gateway");
		gateway.put("mode", "local");
		gateway.put("bind", "loopback");
		gateway.putObject("auth").put("mode", "token").put("token", "${OPENCLAW_GATEWAY_TOKEN}");
		gateway.putObject("http").putObject("endpoints").putObject("chatCompletions").put("enabled", true);
		gateway.putObject("reload").put("mode", "hybrid");
		config.putObject("update").put("checkOnStart", false);
		config.putObject("discovery").putObject("mdns").put("mode", "off");
		config.putObject("logging").put("file", "~/.openclaw/logs/gateway.log");
		ObjectNode models = config.putObject("models");
		models.put("mode", "replace");
		models.putObject("catalogRefresh").put("enabled", false);
		ObjectNode provider = models.putObject("providers").putObject("lingxi");
		provider.put("baseUrl", "${LINGXI_MODEL_BASE_URL}");
		provider.put("apiKey", "${LINGXI_MODEL_KEY}");
		provider.put("api", "openai-completions");
		provider.putArray("models").addObject().put("id", "standard").put("name", "Lingxi Standard");
		ObjectNode agentsNode = config.putObject("agents");
		agentsNode.put("ownership", "explicit");
		ObjectNode defaults = agentsNode.putObject("defaults");
		defaults.put("model", "lingxi/standard");
		defaults.putObject("heartbeat").put("every", "0m");
		defaults.putObject("systemAgent").put("agentId", agents.get(0));
		ObjectNode entries = agentsNode.putObject("entries");
		ArrayNode files = bundle.putArray("files");
		for (String agent : agents) {
			ObjectNode entry = entries.putObject(agent);
			entry.put("name", agent);
			entry.put("workspace", "~/.openclaw/workspaces/" + agent);
			entry.put("model", "lingxi/standard");
			entry.putObject("params").putObject("extraBody").put("lingxi_agent", agent);
			entry.putArray("skills");
			for (String name : List.of("SOUL", "AGENTS", "IDENTITY", "USER", "MEMORY")) {
				files.addObject()
					.put("path", "workspaces/" + agent + "/" + name + ".md")
					.put("content", "# " + name + " of " + agent + " (" + marker + ")\n")
					.put("encoding", "utf-8");
			}
		}
		ObjectNode plugins = config.putObject("plugins").putObject("entries");
		plugins.putObject("memory-core").putObject("config").putObject("dreaming").put("enabled", false);
		plugins.putObject("admin-http-rpc").put("enabled", true);
		config.putObject("skills").putObject("workshop").putObject("autonomous").put("mode", "off");
		return bundle;
	}

	/** A bundle OpenClaw refuses (a key its strict schema does not know). */
	public static ObjectNode invalid(List<String> agents) {
		ObjectNode bundle = bundle(agents, "broken");
		((ObjectNode) bundle.path("openclaw").path("agents").path("entries").path(agents.get(0))).put("flavour",
				"spicy");
		return bundle;
	}

}
