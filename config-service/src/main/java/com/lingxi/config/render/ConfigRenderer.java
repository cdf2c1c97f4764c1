package com.lingxi.config.render;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView.AgentView;

/**
 * Renders a user's OpenClaw configuration: {@code openclaw.json} with one entry per
 * enabled agent (workspace, model, skills allowlist, identity), the platform's model
 * proxy as the only provider, token auth, the HTTP chat endpoint and admin RPC on, and
 * everything that would spend tokens or CPU in the background off; plus each agent's
 * workspace files (SOUL.md, AGENTS.md, IDENTITY.md, USER.md, MEMORY.md) and the shared
 * skill folders.
 *
 * <p>
 * A pure function of its inputs: no clock, no randomness, no I/O.
 */
public final class ConfigRenderer {

	/** Environment variable holding the instance's model-proxy key. */
	public static final String MODEL_KEY_VARIABLE = "LINGXI_MODEL_KEY";

	/**
	 * Request-body field each agent adds to its model calls; the model proxy reads it for
	 * usage attribution and removes it before forwarding.
	 */
	public static final String AGENT_FIELD = "lingxi_agent";

	/** Environment variable holding the gateway's bearer token. */
	public static final String GATEWAY_TOKEN_VARIABLE = "OPENCLAW_GATEWAY_TOKEN";

	private static final Pattern AGENT_ID = Pattern.compile("[a-z0-9_][a-z0-9_-]{0,63}");

	private static final Pattern SKILL_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

	private final RenderProperties properties;

	public ConfigRenderer(RenderProperties properties) {
		this.properties = properties;
	}

	/** The configuration of one user. */
	public Bundle render(RenderInputs inputs) {
		List<AgentView> agents = inputs.agents()
			.stream()
			.filter(AgentView::enabled)
			.filter((agent) -> AGENT_ID.matcher(agent.agentId()).matches())
			.sorted(Comparator.comparing(AgentView::agentId))
			.toList();
		if (agents.isEmpty()) {
			agents = List.of(fallbackAgent());
		}
		List<String> aliases = inputs.modelAliases().isEmpty() ? this.properties.defaultModelAliases()
				: inputs.modelAliases();
		ObjectNode config = base(aliases);
		ObjectNode agentsNode = config.putObject("agents");
		agentsNode.put("ownership", "explicit");
		ObjectNode defaults = agentsNode.putObject("defaults");
		defaults.put("model", modelRef(aliases.get(0)));
		defaults.putObject("heartbeat").put("every", "0m");
		defaults.putObject("systemAgent").put("agentId", systemAgent(agents));
		ObjectNode entries = agentsNode.putObject("entries");
		List<Bundle.BundleFile> files = new ArrayList<>();
		Set<String> skillsUsed = new LinkedHashSet<>();
		String userMd = userMd(inputs);
		String memoryMd = memoryMd(inputs);
		for (AgentView agent : agents) {
			ObjectNode entry = entries.putObject(agent.agentId());
			entry.put("name", displayName(agent));
			entry.put("workspace", "~/.openclaw/" + workspace(agent.agentId()));
			entry.put("model", modelRef(tier(agent.modelTier(), aliases)));
			// Every model call of this agent names it, so the proxy can bill usage per
			// agent.
			entry.putObject("params").putObject("extraBody").put(AGENT_FIELD, agent.agentId());
			ArrayNode skills = entry.putArray("skills");
			agent.skills().stream().filter(inputs.skills()::containsKey).distinct().sorted().forEach((skill) -> {
				skills.add(skill);
				skillsUsed.add(skill);
			});
			ObjectNode identity = entry.putObject("identity");
			identity.put("name", (agent.nameZh() != null) ? agent.nameZh() : agent.name());
			if (agent.emoji() != null && !agent.emoji().isBlank()) {
				identity.put("emoji", agent.emoji());
			}
			String dir = workspace(agent.agentId()) + "/";
			files.add(text(dir + "SOUL.md", agent.soul()));
			files.add(text(dir + "AGENTS.md", agent.agentsMd()));
			files.add(text(dir + "IDENTITY.md", agent.identityMd()));
			files.add(text(dir + "USER.md", userMd));
			files.add(text(dir + "MEMORY.md", memoryMd));
		}
		skillsUsed.stream().sorted().forEach((skillId) -> addSkill(files, inputs.skills().get(skillId)));
		return new Bundle(config, files);
	}

	/**
	 * The configuration of a pooled gateway that has no user yet: one general assistant,
	 * the same platform settings, no personal files. Assigning it to a user is then a
	 * live change.
	 */
	public Bundle renderWarm() {
		List<String> aliases = this.properties.defaultModelAliases();
		AgentView agent = fallbackAgent();
		ObjectNode config = base(aliases);
		ObjectNode agentsNode = config.putObject("agents");
		agentsNode.put("ownership", "explicit");
		ObjectNode defaults = agentsNode.putObject("defaults");
		defaults.put("model", modelRef(aliases.get(0)));
		defaults.putObject("heartbeat").put("every", "0m");
		defaults.putObject("systemAgent").put("agentId", agent.agentId());
		ObjectNode entry = agentsNode.putObject("entries").putObject(agent.agentId());
		entry.put("name", displayName(agent));
		entry.put("workspace", "~/.openclaw/" + workspace(agent.agentId()));
		entry.put("model", modelRef(aliases.get(0)));
		entry.putObject("params").putObject("extraBody").put(AGENT_FIELD, agent.agentId());
		entry.putArray("skills");
		entry.putObject("identity").put("name", agent.nameZh());
		String dir = workspace(agent.agentId()) + "/";
		List<Bundle.BundleFile> files = List.of(text(dir + "SOUL.md", agent.soul()),
				text(dir + "AGENTS.md", agent.agentsMd()), text(dir + "IDENTITY.md", agent.identityMd()),
				text(dir + "USER.md", "# 用户 / User\n\n(Not assigned to anyone yet.)\n"),
				text(dir + "MEMORY.md", "# 记忆 / Memory\n\n(Nothing yet.)\n"));
		return new Bundle(config, files);
	}

	/** Workspace folder of an agent, relative to the state directory. */
	public static String workspace(String agentId) {
		return "workspaces/" + agentId;
	}

	private ObjectNode base(List<String> aliases) {
		ObjectNode config = JsonNodeFactory.instance.objectNode();
		ObjectNode gateway = config.putObject("gateway");
		gateway.put("mode", "local");
		gateway.put("bind", this.properties.gatewayBind());
		ObjectNode auth = gateway.putObject("auth");
		auth.put("mode", "token");
		auth.put("token", "${" + GATEWAY_TOKEN_VARIABLE + "}");
		gateway.putObject("http").putObject("endpoints").putObject("chatCompletions").put("enabled", true);
		gateway.putObject("reload").put("mode", "hybrid");
		config.putObject("update").put("checkOnStart", false);
		config.putObject("discovery").putObject("mdns").put("mode", "off");
		config.putObject("logging").put("file", "~/.openclaw/logs/gateway.log");
		ObjectNode models = config.putObject("models");
		models.put("mode", "replace");
		models.putObject("catalogRefresh").put("enabled", false);
		ObjectNode provider = models.putObject("providers").putObject(this.properties.modelProvider());
		provider.put("baseUrl", "${" + this.properties.modelBaseUrlVariable() + "}");
		provider.put("apiKey", "${" + MODEL_KEY_VARIABLE + "}");
		provider.put("api", "openai-completions");
		ArrayNode modelList = provider.putArray("models");
		aliases.forEach((alias) -> {
			ObjectNode model = modelList.addObject();
			model.put("id", alias);
			model.put("name", "Lingxi " + Character.toUpperCase(alias.charAt(0)) + alias.substring(1));
		});
		ObjectNode plugins = config.putObject("plugins").putObject("entries");
		plugins.putObject("memory-core").putObject("config").putObject("dreaming").put("enabled", false);
		plugins.putObject("admin-http-rpc").put("enabled", true);
		config.putObject("skills").putObject("workshop").putObject("autonomous").put("mode", "off");
		return config;
	}

	private String modelRef(String alias) {
		return this.properties.modelProvider() + "/" + alias;
	}

	/**
	 * The agent's suggested tier when the plan allows it, otherwise the plan's cheapest.
	 */
	private static String tier(String suggested, List<String> aliases) {
		return (suggested != null && aliases.contains(suggested)) ? suggested : aliases.get(0);
	}

	private String systemAgent(List<AgentView> agents) {
		return agents.stream()
			.map(AgentView::agentId)
			.filter(this.properties.fallbackAgent()::equals)
			.findFirst()
			.orElse(agents.get(0).agentId());
	}

	private static String displayName(AgentView agent) {
		if (agent.nameZh() != null && agent.name() != null && !agent.nameZh().equals(agent.name())) {
			return agent.nameZh() + " " + agent.name();
		}
		return (agent.name() != null) ? agent.name() : agent.agentId();
	}

	private static String userMd(RenderInputs inputs) {
		StringBuilder md = new StringBuilder("# 用户 / User\n\n");
		String name = (inputs.profile() != null && inputs.profile().nickname() != null) ? inputs.profile().nickname()
				: null;
		if (name != null) {
			md.append("- 称呼 / Name: ").append(oneLine(name)).append('\n');
		}
		md.append("- 套餐 / Plan: ").append(inputs.plan()).append('\n');
		if (inputs.profile() != null && inputs.profile().createdAt() != null) {
			md.append("- 注册于 / Member since: ").append(inputs.profile().createdAt().toString(), 0, 10).append('\n');
		}
		md.append("\nAddress the user by the name above. They use Lingxi Cloud (灵犀云); answer in the language"
				+ " they write in.\n");
		return md.toString();
	}

	private String memoryMd(RenderInputs inputs) {
		StringBuilder md = new StringBuilder("# 记忆 / Memory\n\n");
		List<MemoryView> memories = inputs.memories()
			.stream()
			.sorted(Comparator.comparingInt(MemoryView::importance)
				.reversed()
				.thenComparing(MemoryView::updatedAt, Comparator.nullsLast(Comparator.reverseOrder()))
				.thenComparing((MemoryView memory) -> String.valueOf(memory.id())))
			.limit(this.properties.memoriesInPrompt())
			.toList();
		if (memories.isEmpty()) {
			return md.append("(Nothing yet.)\n").toString();
		}
		for (MemoryView memory : memories) {
			md.append("- [")
				.append(memory.domain())
				.append('/')
				.append(memory.type())
				.append(", ")
				.append(memory.importance())
				.append("/10] ")
				.append(oneLine(memory.content()))
				.append('\n');
		}
		return md.toString();
	}

	private void addSkill(List<Bundle.BundleFile> files, SkillBundle skill) {
		for (SkillBundle.SkillFile file : skill.files()) {
			if (!SKILL_PATH.matcher(file.path()).matches() || file.path().contains("..")) {
				throw new IllegalArgumentException("Skill " + skill.skillId() + " has an unsafe path: " + file.path());
			}
			files.add(new Bundle.BundleFile("skills/" + skill.skillId() + "/" + file.path(), file.content(),
					"base64".equals(file.encoding()) ? "base64" : "utf-8"));
		}
	}

	private AgentView fallbackAgent() {
		return new AgentView(this.properties.fallbackAgent(), true, "Assistant", "小灵助手", "✨", "A general assistant",
				"通用助手", this.properties.defaultModelAliases().get(0), """
						# SOUL

						You are 小灵 (Xiaoling), a warm, capable general assistant on Lingxi Cloud (灵犀云).
						Be concise and concrete. Prefer doing over describing. When the user needs a
						specialist (coding, operations, product, writing), say that they can add one to
						their team with the Lingxi wizard in the console.
						""", """
						# AGENTS

						Work in this workspace. Keep notes short. Ask before doing anything that cannot be
						undone.
						""", """
						# IDENTITY

						- Name: 小灵 (Xiaoling)
						- Emoji: ✨
						- Role: general assistant
						""", List.of(), null);
	}

	private static Bundle.BundleFile text(String path, String content) {
		return new Bundle.BundleFile(path, (content != null) ? content : "", "utf-8");
	}

	private static String oneLine(String text) {
		return text.replaceAll("[\\r\\n]+", " ").strip();
	}

}
