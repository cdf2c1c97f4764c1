package com.lingxi.agent.wizard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.springframework.core.io.Resource;

import com.lingxi.agent.support.DataFileException;
import com.lingxi.agent.support.YamlNode;

/**
 * The wizard's rules, read from a versioned YAML file (see {@code wizard/rules.yaml}):
 * needs (intents) with weighted terms in Chinese and English and their links to agents
 * and skills, negation cues and boundaries, a character folding table and the selection
 * thresholds. {@link #load} checks everything, including that every linked agent and
 * skill exists, so a bad file stops the service at start-up.
 *
 * @param version rules version, reported with every recommendation
 * @param normalizer the text normaliser built from the folding table
 * @param scoring scoring constants and selection thresholds
 * @param cues negation cues
 * @param notCues phrases that contain a cue but do not negate
 * @param boundaries words that end a negation's reach
 * @param shields phrases of no need that hide the terms inside them
 * @param intents the needs
 */
public record WizardRules(String version, TextNormalizer normalizer, Scoring scoring, List<Phrase> cues,
		List<Phrase> notCues, List<Phrase> boundaries, List<Phrase> shields, List<Intent> intents) {

	/**
	 * A need the user can express.
	 *
	 * @param id need id
	 * @param label English label
	 * @param labelZh Chinese label
	 * @param terms terms that express it
	 * @param agents agent id to link weight (0..1)
	 * @param skills skill id to link weight (0..1)
	 */
	public record Intent(String id, String label, String labelZh, List<Phrase> terms, Map<String, Double> agents,
			Map<String, Double> skills) {

	}

	/**
	 * Scoring constants.
	 *
	 * @param saturation need score = 1 - exp(-sum of weights / saturation)
	 * @param fuzzyFactor weight factor of a match with one typo
	 * @param agents selection of agents
	 * @param skills selection of skills
	 */
	public record Scoring(double saturation, double fuzzyFactor, Selection agents, Selection skills) {

	}

	/**
	 * Which candidates are recommended.
	 *
	 * @param minScore absolute minimum score
	 * @param relativeToTop minimum as a fraction of the best candidate's score
	 * @param max most candidates
	 */
	public record Selection(double minScore, double relativeToTop, int max) {

	}

	/**
	 * Loads and validates the rules.
	 * @param resource the YAML file
	 * @param name its name for error messages
	 * @param agentExists whether an agent id is in the catalog
	 * @param skillExists whether a skill id is bundled
	 */
	public static WizardRules load(Resource resource, String name, Predicate<String> agentExists,
			Predicate<String> skillExists) {
		YamlNode root = YamlNode.load(resource, name);
		String version = root.get("version").text();
		Map<Integer, Integer> fold = new HashMap<>();
		root.get("fold").entries().forEach((from, to) -> {
			String target = to.text();
			if (from.codePointCount(0, from.length()) != 1 || target.codePointCount(0, target.length()) != 1) {
				throw to.fail("must map one character to one character");
			}
			fold.put(from.codePointAt(0), target.codePointAt(0));
		});
		TextNormalizer normalizer = new TextNormalizer(fold);
		YamlNode scoringNode = root.get("scoring");
		Scoring scoring = new Scoring(scoringNode.get("saturation").number(0.1, 100),
				scoringNode.get("fuzzyFactor").number(0, 1), selection(scoringNode.get("agents")),
				selection(scoringNode.get("skills")));
		YamlNode negation = root.get("negation");
		List<Phrase> cues = phrases(negation.get("cues"), normalizer);
		if (cues.isEmpty()) {
			throw negation.get("cues").fail("must list at least one cue");
		}
		List<Phrase> notCues = phrases(negation.get("notCues"), normalizer);
		List<Phrase> boundaries = phrases(negation.get("boundaries"), normalizer);
		List<Phrase> shields = phrases(root.get("shields"), normalizer);
		List<Intent> intents = new ArrayList<>();
		Set<String> ids = new HashSet<>();
		for (YamlNode node : root.get("intents").list()) {
			Intent intent = intent(node, normalizer, agentExists, skillExists);
			if (!ids.add(intent.id())) {
				throw node.get("id").fail("'" + intent.id() + "' is used twice");
			}
			intents.add(intent);
		}
		if (intents.isEmpty()) {
			throw root.get("intents").fail("must list at least one intent");
		}
		return new WizardRules(version, normalizer, scoring, cues, notCues, boundaries, shields, List.copyOf(intents));
	}

	private static Selection selection(YamlNode node) {
		return new Selection(node.get("minScore").number(0, 1), node.get("relativeToTop").number(0, 1),
				(int) node.get("max").number(1, 20));
	}

	private static List<Phrase> phrases(YamlNode node, TextNormalizer normalizer) {
		List<Phrase> phrases = new ArrayList<>();
		for (YamlNode item : node.list()) {
			phrases.add(phrase(item, item.text(), 0, normalizer));
		}
		return List.copyOf(phrases);
	}

	private static Phrase phrase(YamlNode node, String text, double weight, TextNormalizer normalizer) {
		String normalized = normalizer.normalize(text);
		try {
			return Phrase.of(normalized, weight);
		}
		catch (IllegalArgumentException ex) {
			throw node.fail(ex.getMessage());
		}
	}

	private static Intent intent(YamlNode node, TextNormalizer normalizer, Predicate<String> agentExists,
			Predicate<String> skillExists) {
		String id = node.get("id").text();
		YamlNode label = node.get("label");
		List<Phrase> terms = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (Map.Entry<String, YamlNode> term : node.get("terms").entries().entrySet()) {
			Phrase phrase = phrase(term.getValue(), term.getKey(), term.getValue().number(0.1, 10), normalizer);
			if (!seen.add(phrase.text())) {
				throw term.getValue().fail("repeats the term '" + phrase.text() + "' after normalisation");
			}
			terms.add(phrase);
		}
		if (terms.isEmpty()) {
			throw node.get("terms").fail("must list at least one term");
		}
		Map<String, Double> agents = links(node.get("agents"), agentExists, "agent in the catalog");
		if (agents.isEmpty()) {
			throw node.get("agents").fail("must link at least one agent");
		}
		Map<String, Double> skills = links(node.get("skills"), skillExists, "bundled skill");
		return new Intent(id, label.get("en").text(), label.get("zh").text(), List.copyOf(terms), agents, skills);
	}

	private static Map<String, Double> links(YamlNode node, Predicate<String> exists, String what) {
		Map<String, Double> links = new LinkedHashMap<>();
		if (node.isMissing()) {
			return links;
		}
		node.entries().forEach((id, weight) -> {
			if (!exists.test(id)) {
				throw new DataFileException(
						weight.file() + ": " + weight.path() + " names '" + id + "', which is not a " + what);
			}
			links.put(id, weight.number(0.01, 1));
		});
		return Map.copyOf(links);
	}

}
