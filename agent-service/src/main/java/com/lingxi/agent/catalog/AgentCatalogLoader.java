package com.lingxi.agent.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

import com.lingxi.agent.support.DataFileException;
import com.lingxi.agent.support.YamlNode;

/**
 * Reads the agent catalog: {@code <location>/index.yaml} lists the agents in display
 * order; {@code <location>/<id>/} holds {@code agent.yaml} (names, description, model
 * tier, skills) and the agent's default {@code SOUL.md}, {@code AGENTS.md} and
 * {@code IDENTITY.md}. Every value is checked; a bad catalog is a start-up failure whose
 * message names the file and field.
 */
public final class AgentCatalogLoader {

	/** OpenClaw agent ids, as config-service writes them. */
	public static final Pattern AGENT_ID = Pattern.compile("^[a-z][a-z0-9-]{1,31}$");

	/** Tiers config-service maps to models. */
	public static final Set<String> MODEL_TIERS = Set.of("basic", "standard", "advanced");

	/** Words taken by routes under /api/agents. */
	static final Set<String> RESERVED_IDS = Set.of("catalog", "recommend");

	private static final int MAX_FILE_BYTES = 16 * 1024;

	private final ResourceLoader resources = new DefaultResourceLoader();

	/**
	 * Loads the catalog.
	 * @param location folder, e.g. {@code classpath:catalog/agents/}
	 * @param skillExists whether a skill id names a bundled skill
	 */
	public AgentCatalog load(String location, Predicate<String> skillExists) {
		String base = location.endsWith("/") ? location : location + "/";
		String indexName = base + "index.yaml";
		YamlNode index = YamlNode.load(this.resources.getResource(indexName), indexName);
		String version = index.get("version").text();
		List<AgentTemplate> templates = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (YamlNode idNode : index.get("agents").list()) {
			String id = idNode.text();
			if (!AGENT_ID.matcher(id).matches()) {
				throw idNode.fail("'" + id + "' is not a valid agent id ([a-z][a-z0-9-]{1,31})");
			}
			if (RESERVED_IDS.contains(id)) {
				throw idNode.fail("'" + id + "' is reserved");
			}
			if (!seen.add(id)) {
				throw idNode.fail("lists '" + id + "' twice");
			}
			templates.add(template(base, id, skillExists));
		}
		if (!seen.contains(AgentCatalog.DEFAULT_AGENT)) {
			throw new DataFileException(
					indexName + ": agents must include '" + AgentCatalog.DEFAULT_AGENT + "' (every new user's team)");
		}
		return new AgentCatalog(version, templates);
	}

	private AgentTemplate template(String base, String id, Predicate<String> skillExists) {
		String fileName = base + id + "/agent.yaml";
		YamlNode agent = YamlNode.load(this.resources.getResource(fileName), fileName);
		String declaredId = agent.get("id").text();
		if (!declaredId.equals(id)) {
			throw agent.get("id").fail("is '" + declaredId + "' but the folder is '" + id + "'");
		}
		String tier = agent.get("modelTier").text();
		if (!MODEL_TIERS.contains(tier)) {
			throw agent.get("modelTier").fail("must be one of " + MODEL_TIERS);
		}
		List<String> defaultSkills = skills(agent.get("defaultSkills"), skillExists);
		List<String> suggested = skills(agent.get("suggestedSkills"), skillExists);
		String emoji = agent.get("emoji").text();
		if (emoji.codePointCount(0, emoji.length()) > 8) {
			throw agent.get("emoji").fail("must be one emoji");
		}
		return new AgentTemplate(id, agent.get("name").text(), agent.get("nameZh").text(), emoji,
				agent.get("description").text(), agent.get("descriptionZh").text(), tier, defaultSkills, suggested,
				markdown(base + id + "/SOUL.md"), markdown(base + id + "/AGENTS.md"),
				markdown(base + id + "/IDENTITY.md"));
	}

	private static List<String> skills(YamlNode node, Predicate<String> skillExists) {
		Set<String> skills = new LinkedHashSet<>();
		for (YamlNode skillNode : node.list()) {
			String skill = skillNode.text();
			if (!skillExists.test(skill)) {
				throw skillNode.fail("names '" + skill + "', which is not a bundled skill");
			}
			if (!skills.add(skill)) {
				throw skillNode.fail("lists '" + skill + "' twice");
			}
		}
		return List.copyOf(skills);
	}

	private String markdown(String name) {
		Resource resource = this.resources.getResource(name);
		if (!resource.exists()) {
			throw new DataFileException(name + ": file not found");
		}
		try (InputStream in = resource.getInputStream()) {
			byte[] bytes = in.readAllBytes();
			if (bytes.length > MAX_FILE_BYTES) {
				throw new DataFileException(name + ": larger than " + MAX_FILE_BYTES + " bytes");
			}
			String text = new String(bytes, StandardCharsets.UTF_8);
			if (text.isBlank()) {
				throw new DataFileException(name + ": is empty");
			}
			return text;
		}
		catch (IOException ex) {
			throw new DataFileException(name + ": cannot be read", ex);
		}
	}

}
