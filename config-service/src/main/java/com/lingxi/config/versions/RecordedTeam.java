package com.lingxi.config.versions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;

import com.lingxi.config.render.Bundle;
import com.lingxi.config.render.ConfigRenderer;
import com.lingxi.config.sources.TeamView.AgentView;

/**
 * The team a stored version was rendered from, read back from its bundle: one enabled
 * agent per entry of {@code openclaw.json} (names, emoji, model alias, skills) with its
 * SOUL.md, AGENTS.md and IDENTITY.md. {@link ConfigRenderer} read in reverse: rendering
 * these agents with the inputs of that time gives the same entries and files again.
 * Descriptions, which are not rendered, are not recovered.
 */
final class RecordedTeam {

	private RecordedTeam() {
	}

	static List<AgentView> of(Bundle bundle) {
		Map<String, String> files = new TreeMap<>();
		bundle.files().forEach((file) -> files.put(file.path(), file.content()));
		List<AgentView> agents = new ArrayList<>();
		JsonNode entries = bundle.openclaw().path("agents").path("entries");
		for (String agentId : entries.propertyNames()) {
			JsonNode entry = entries.path(agentId);
			String displayName = text(entry.path("name"));
			String identityName = text(entry.path("identity").path("name"));
			String[] names = names(agentId, displayName, identityName);
			List<String> skills = new ArrayList<>();
			entry.path("skills").forEach((skill) -> skills.add(skill.asString()));
			String dir = ConfigRenderer.workspace(agentId) + "/";
			agents.add(new AgentView(agentId, true, names[0], names[1], text(entry.path("identity").path("emoji")),
					null, null, alias(text(entry.path("model"))), files.get(dir + "SOUL.md"),
					files.get(dir + "AGENTS.md"), files.get(dir + "IDENTITY.md"), skills, null));
		}
		return agents;
	}

	/**
	 * English and Chinese name from what the renderer made of them: the entry's name is
	 * {@code "<nameZh> <name>"} when both differ, else the name (or the agent id), and
	 * the identity's name is the Chinese name if there is one.
	 */
	private static String[] names(String agentId, String displayName, String identityName) {
		if (identityName == null) {
			return new String[] { agentId.equals(displayName) ? null : displayName, null };
		}
		if (identityName.equals(displayName)) {
			return new String[] { displayName, null };
		}
		if (displayName != null && displayName.startsWith(identityName + " ")) {
			return new String[] { displayName.substring(identityName.length() + 1), identityName };
		}
		return new String[] { agentId.equals(displayName) ? null : displayName, identityName };
	}

	/** {@code lingxi/pro} → {@code pro}. */
	private static String alias(String model) {
		if (model == null) {
			return null;
		}
		int slash = model.indexOf('/');
		return (slash < 0) ? model : model.substring(slash + 1);
	}

	private static String text(JsonNode node) {
		return (node == null || node.isMissingNode() || node.isNull()) ? null : node.asString();
	}

}
