package com.lingxi.agent.wizard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

import com.lingxi.agent.catalog.AgentCatalog;
import com.lingxi.agent.catalog.AgentTemplate;
import com.lingxi.agent.skill.catalog.BundledSkills;
import com.lingxi.agent.skill.catalog.SkillMetadata;
import com.lingxi.agent.wizard.Recommendation.AgentPick;
import com.lingxi.agent.wizard.Recommendation.Exclusion;
import com.lingxi.agent.wizard.Recommendation.NeedMatch;
import com.lingxi.agent.wizard.Recommendation.Reason;
import com.lingxi.agent.wizard.Recommendation.SkillPick;
import com.lingxi.agent.wizard.WizardRules.Intent;
import com.lingxi.agent.wizard.WizardRules.Selection;

/**
 * The Lingxi wizard: from free text to ranked agents and skills with reasons.
 *
 * <ol>
 * <li>Normalise the text and split it into clauses at punctuation.</li>
 * <li>Find every term of every need, cue, non-cue and boundary in each clause. A term
 * inside a longer matched term is dropped (数据 inside 数据分析), so the more specific term
 * decides.</li>
 * <li>A term after a negation cue (up to a boundary word) is negated; a cue that has no
 * term after it negates the terms before it ("代码就不用写了").</li>
 * <li>Need score = 1 - exp(-Σ weights of distinct matched terms / saturation), once for
 * the positive and once for the negated matches.</li>
 * <li>Agent and skill scores combine need scores by noisy-OR with the link weights. A
 * candidate whose negative evidence outweighs its positive evidence is excluded and
 * reported.</li>
 * <li>Candidates above the absolute and relative thresholds are recommended; each skill
 * goes to the recommended agent it is most strongly linked to. Text that matches nothing
 * gets the general assistant, flagged as a fallback.</li>
 * </ol>
 * Pure and thread-safe: a recommendation costs microseconds and touches no I/O.
 */
public final class Recommender {

	private final WizardRules rules;

	private final AgentCatalog agents;

	private final BundledSkills skills;

	private final Map<String, List<Match.Candidate>> latinByFirstToken = new HashMap<>();

	private final List<Match.Candidate> latinPrefixSingles = new ArrayList<>();

	private final List<Match.Candidate> fuzzyCandidates = new ArrayList<>();

	private final List<Match.Candidate> cjkTerms = new ArrayList<>();

	public Recommender(WizardRules rules, AgentCatalog agents, BundledSkills skills) {
		this.rules = rules;
		this.agents = agents;
		this.skills = skills;
		for (Intent intent : rules.intents()) {
			for (Phrase term : intent.terms()) {
				Match.Candidate candidate = new Match.Candidate(term, intent);
				if (term.cjk()) {
					this.cjkTerms.add(candidate);
				}
				else if (term.prefix() && term.tokens().size() == 1) {
					this.latinPrefixSingles.add(candidate);
				}
				else {
					this.latinByFirstToken.computeIfAbsent(term.tokens().get(0), (k) -> new ArrayList<>())
						.add(candidate);
				}
				if (term.fuzzyEligible()) {
					this.fuzzyCandidates.add(candidate);
				}
			}
		}
	}

	public WizardRules rules() {
		return this.rules;
	}

	public Recommendation recommend(String text) {
		return rank(matches(text));
	}

	/**
	 * How strongly the text points at each bundled skill (0..1), before selection: used
	 * to let a search for "写代码" find the code review skill although its text does not say
	 * so.
	 */
	public Map<String, Double> skillAffinity(String text) {
		Map<String, Candidate> skills = new LinkedHashMap<>();
		for (NeedScore need : needs(matches(text)).values()) {
			double positive = need.positiveScore();
			double negative = need.negativeScore();
			need.intent.skills().forEach((skill, link) -> apply(skills, skill, need, positive, negative, link));
		}
		Map<String, Double> affinity = new LinkedHashMap<>();
		skills.values()
			.stream()
			.filter((c) -> !c.excluded() && c.score() > 0)
			.forEach((c) -> affinity.put(c.id, round(c.score())));
		return affinity;
	}

	private List<Match> matches(String text) {
		String normalized = this.rules.normalizer().normalize(text);
		List<Match> matches = new ArrayList<>();
		for (int[] clause : clauses(normalized)) {
			matches.addAll(matchClause(normalized, clause[0], clause[1]));
		}
		return matches;
	}

	private Map<String, NeedScore> needs(List<Match> matches) {
		Map<String, NeedScore> needs = new LinkedHashMap<>();
		for (Match match : matches) {
			needs.computeIfAbsent(match.intent().id(), (id) -> new NeedScore(match.intent())).add(match);
		}
		return needs;
	}

	// --- matching ----------------------------------------------------------------------

	private record Token(String raw, String stem, int start, int end) {

	}

	/** Clause boundaries: ASCII and CJK sentence punctuation, commas and line breaks. */
	private static List<int[]> clauses(String text) {
		List<int[]> clauses = new ArrayList<>();
		int start = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			boolean boundary = switch (c) {
				case ',', '.', '!', '?', ';', ':', '\n', '。', '！', '？', '；', '：', '，', '…', '(', ')', '（', '）' -> true;
				default -> false;
			};
			// "node.js", "3.5": a dot between letters or digits is not a boundary.
			if (c == '.' && i > 0 && i + 1 < text.length() && Character.isLetterOrDigit(text.charAt(i - 1))
					&& Character.isLetterOrDigit(text.charAt(i + 1))) {
				boundary = false;
			}
			if (boundary) {
				if (i > start) {
					clauses.add(new int[] { start, i });
				}
				start = i + 1;
			}
		}
		if (start < text.length()) {
			clauses.add(new int[] { start, text.length() });
		}
		return clauses;
	}

	private static List<Token> tokens(String text, int from, int to) {
		List<Token> tokens = new ArrayList<>();
		Matcher words = Phrase.WORD.matcher(text).region(from, to);
		while (words.find()) {
			String raw = words.group();
			tokens.add(new Token(raw, Phrase.stem(raw), words.start(), words.end()));
		}
		return tokens;
	}

	private List<Match> matchClause(String text, int from, int to) {
		String clause = text.substring(from, to);
		List<Token> tokens = tokens(text, from, to);
		List<Match> terms = new ArrayList<>();
		for (Match.Candidate candidate : this.cjkTerms) {
			findCjk(clause, from, candidate.term(), candidate.intent(), terms);
		}
		boolean[] exact = new boolean[tokens.size()];
		for (int i = 0; i < tokens.size(); i++) {
			Token token = tokens.get(i);
			for (Match.Candidate candidate : this.latinByFirstToken.getOrDefault(token.stem(), List.of())) {
				int end = matchLatin(tokens, i, candidate.term());
				if (end >= 0) {
					terms.add(new Match(candidate.intent(), candidate.term(), token.start(), tokens.get(end).end(),
							text.substring(token.start(), tokens.get(end).end()), false));
					exact[i] = true;
				}
			}
			for (Match.Candidate candidate : this.latinPrefixSingles) {
				if (token.raw().startsWith(candidate.term().tokens().get(0))) {
					terms.add(new Match(candidate.intent(), candidate.term(), token.start(), token.end(), token.raw(),
							false));
					exact[i] = true;
				}
			}
		}
		for (int i = 0; i < tokens.size(); i++) {
			Token token = tokens.get(i);
			if (exact[i] || token.raw().length() < 6) {
				continue;
			}
			for (Match.Candidate candidate : this.fuzzyCandidates) {
				if (fuzzyMatch(token, candidate.term())) {
					terms.add(new Match(candidate.intent(), candidate.term(), token.start(), token.end(), token.raw(),
							true));
				}
			}
		}
		terms.addAll(find(text, clause, from, tokens, this.rules.shields()));
		List<Match> kept = forwardMaximum(dropContained(terms));
		kept.removeIf((match) -> match.intent() == null);
		List<Match> cues = find(text, clause, from, tokens, this.rules.cues());
		List<Match> notCues = find(text, clause, from, tokens, this.rules.notCues());
		cues.removeIf((cue) -> notCues.stream().anyMatch((not) -> overlaps(cue, not)));
		List<Match> boundaries = find(text, clause, from, tokens, this.rules.boundaries());
		boundaries.removeIf((boundary) -> cues.stream().anyMatch((cue) -> overlaps(cue, boundary)));
		return negate(kept, cues, boundaries);
	}

	private static void findCjk(String clause, int offset, Phrase phrase, Intent intent, List<Match> out) {
		int at = clause.indexOf(phrase.text());
		while (at >= 0) {
			out.add(new Match(intent, phrase, offset + at, offset + at + phrase.text().length(), phrase.text(), false));
			at = clause.indexOf(phrase.text(), at + 1);
		}
	}

	/** Index of the last token of a Latin phrase matched at {@code start}, or -1. */
	private static int matchLatin(List<Token> tokens, int start, Phrase phrase) {
		List<String> words = phrase.tokens();
		if (start + words.size() > tokens.size()) {
			return -1;
		}
		for (int k = 0; k < words.size(); k++) {
			Token token = tokens.get(start + k);
			boolean last = k == words.size() - 1;
			boolean ok = (last && phrase.prefix()) ? token.raw().startsWith(words.get(k))
					: token.stem().equals(words.get(k));
			if (!ok) {
				return -1;
			}
		}
		return start + words.size() - 1;
	}

	private static List<Match> find(String text, String clause, int from, List<Token> tokens, List<Phrase> phrases) {
		List<Match> found = new ArrayList<>();
		for (Phrase phrase : phrases) {
			if (phrase.cjk()) {
				findCjk(clause, from, phrase, null, found);
				continue;
			}
			for (int i = 0; i < tokens.size(); i++) {
				int end = matchLatin(tokens, i, phrase);
				if (end >= 0) {
					found.add(new Match(null, phrase, tokens.get(i).start(), tokens.get(end).end(),
							text.substring(tokens.get(i).start(), tokens.get(end).end()), false));
				}
			}
		}
		return found;
	}

	/** One typo away: the whole word, or for a prefix term the start of the word. */
	private static boolean fuzzyMatch(Token token, Phrase term) {
		String word = term.tokens().get(0);
		if (!term.prefix()) {
			return Math.abs(word.length() - token.stem().length()) <= 1 && oneEdit(token.stem(), word);
		}
		for (int length = word.length() - 1; length <= word.length() + 1; length++) {
			if (token.raw().length() >= length && oneEdit(token.raw().substring(0, length), word)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Optimal string alignment distance of exactly one (substitution, insertion,
	 * deletion, swap).
	 */
	static boolean oneEdit(String a, String b) {
		if (a.equals(b)) {
			return false;
		}
		if (a.length() == b.length()) {
			int first = -1;
			int diffs = 0;
			for (int i = 0; i < a.length(); i++) {
				if (a.charAt(i) != b.charAt(i)) {
					if (diffs == 0) {
						first = i;
					}
					diffs++;
				}
			}
			if (diffs == 1) {
				return true;
			}
			return diffs == 2 && first + 1 < a.length() && a.charAt(first) == b.charAt(first + 1)
					&& a.charAt(first + 1) == b.charAt(first);
		}
		String longer = (a.length() > b.length()) ? a : b;
		String shorter = (a.length() > b.length()) ? b : a;
		if (longer.length() - shorter.length() != 1) {
			return false;
		}
		int i = 0;
		while (i < shorter.length() && shorter.charAt(i) == longer.charAt(i)) {
			i++;
		}
		return shorter.substring(i).equals(longer.substring(i + 1));
	}

	private static boolean overlaps(Match a, Match b) {
		return a.start() < b.end() && b.start() < a.end();
	}

	/** Drops each match that lies inside a strictly longer match. */
	private static List<Match> dropContained(List<Match> matches) {
		List<Match> kept = new ArrayList<>();
		for (Match match : matches) {
			boolean contained = false;
			for (Match other : matches) {
				if (other != match && other.start() <= match.start() && other.end() >= match.end()
						&& (other.end() - other.start()) > (match.end() - match.start())) {
					contained = true;
					break;
				}
			}
			if (!contained) {
				kept.add(match);
			}
		}
		return kept;
	}

	/**
	 * Of two partially overlapping matches, keeps the one that starts first (forward
	 * maximum matching, the usual way to segment Chinese without a dictionary): in 排查一下
	 * the term 排查 wins over 查一下.
	 */
	private static List<Match> forwardMaximum(List<Match> matches) {
		List<Match> kept = new ArrayList<>();
		for (Match match : matches) {
			boolean shadowed = false;
			for (Match other : matches) {
				if (other.start() < match.start() && other.end() > match.start() && other.end() < match.end()) {
					shadowed = true;
					break;
				}
			}
			if (!shadowed) {
				kept.add(match);
			}
		}
		return kept;
	}

	private static List<Match> negate(List<Match> terms, List<Match> cues, List<Match> boundaries) {
		List<Match> result = new ArrayList<>(terms.size());
		Map<Match, Match> negatedBy = new java.util.IdentityHashMap<>();
		for (Match cue : cues) {
			List<Match> after = new ArrayList<>();
			for (Match term : terms) {
				if (term.start() >= cue.end() && !overlaps(term, cue)
						&& !boundaryBetween(boundaries, cue.end(), term.start())) {
					after.add(term);
				}
			}
			if (after.isEmpty()) {
				// Post-positioned: "代码就不用写了", "coding is not needed".
				for (Match term : terms) {
					if (term.end() <= cue.start() && !boundaryBetween(boundaries, term.end(), cue.start())) {
						after.add(term);
					}
				}
			}
			after.forEach((term) -> negatedBy.putIfAbsent(term, cue));
		}
		for (Match term : terms) {
			Match cue = negatedBy.get(term);
			result.add((cue != null) ? term.negatedBy(cue.matched()) : term);
		}
		return result;
	}

	private static boolean boundaryBetween(List<Match> boundaries, int from, int to) {
		return boundaries.stream().anyMatch((b) -> b.start() >= from && b.end() <= to);
	}

	// --- scoring -----------------------------------------------------------------------

	private final class NeedScore {

		final Intent intent;

		final Map<String, Match> positive = new LinkedHashMap<>();

		final Map<String, Match> negative = new LinkedHashMap<>();

		NeedScore(Intent intent) {
			this.intent = intent;
		}

		void add(Match match) {
			Map<String, Match> side = match.negated() ? this.negative : this.positive;
			side.merge(match.term().text(), match, (a, b) -> (weight(b) > weight(a)) ? b : a);
		}

		double weight(Match match) {
			return match.term().weight() * (match.fuzzy() ? Recommender.this.rules.scoring().fuzzyFactor() : 1.0);
		}

		double score(Map<String, Match> side) {
			double sum = side.values().stream().mapToDouble(this::weight).sum();
			return 1 - Math.exp(-sum / Recommender.this.rules.scoring().saturation());
		}

		double positiveScore() {
			return score(this.positive);
		}

		double negativeScore() {
			return score(this.negative);
		}

		List<Reason> reasons(boolean negated) {
			return (negated ? this.negative : this.positive).values()
				.stream()
				.sorted(Comparator.comparingDouble((Match m) -> -weight(m)))
				.map((m) -> new Reason(this.intent.id(), m.term().text(), m.matched(), round(weight(m)), m.fuzzy(),
						m.cue()))
				.toList();
		}

	}

	private static final class Candidate {

		final String id;

		double keep = 1;

		double drop = 1;

		final Map<String, Double> contributions = new HashMap<>();

		final List<NeedScore> positiveNeeds = new ArrayList<>();

		final List<NeedScore> negativeNeeds = new ArrayList<>();

		Candidate(String id) {
			this.id = id;
		}

		void support(NeedScore need, double strength) {
			this.keep *= 1 - strength;
			this.contributions.merge(need.intent.id(), strength, Double::sum);
			this.positiveNeeds.add(need);
		}

		void oppose(NeedScore need, double strength) {
			this.drop *= 1 - strength;
			this.negativeNeeds.add(need);
		}

		double score() {
			return 1 - this.keep;
		}

		double against() {
			return 1 - this.drop;
		}

		boolean excluded() {
			return against() > 0 && against() >= score();
		}

	}

	private Recommendation rank(List<Match> matches) {
		Map<String, NeedScore> needs = needs(matches);
		Map<String, Candidate> agentCandidates = new LinkedHashMap<>();
		Map<String, Candidate> skillCandidates = new LinkedHashMap<>();
		for (NeedScore need : needs.values()) {
			double positive = need.positiveScore();
			double negative = need.negativeScore();
			need.intent.agents()
				.forEach((agent, link) -> apply(agentCandidates, agent, need, positive, negative, link));
			need.intent.skills()
				.forEach((skill, link) -> apply(skillCandidates, skill, need, positive, negative, link));
		}
		List<Candidate> agentsRanked = select(agentCandidates, this.rules.scoring().agents());
		List<Candidate> skillsRanked = select(skillCandidates, this.rules.scoring().skills());
		List<NeedMatch> needMatches = needs.values()
			.stream()
			.map((need) -> new NeedMatch(need.intent.id(), need.intent.label(), need.intent.labelZh(),
					round(need.positiveScore()), need.positive.keySet().stream().toList(),
					need.negative.keySet().stream().toList()))
			.sorted(Comparator.comparingDouble(NeedMatch::score).reversed())
			.toList();
		List<Exclusion> excluded = agentCandidates.values()
			.stream()
			.filter(Candidate::excluded)
			.sorted(Comparator.comparingDouble(Candidate::against).reversed().thenComparing((c) -> c.id))
			.map((c) -> new Exclusion(c.id, c.negativeNeeds.stream().flatMap((n) -> n.reasons(true).stream()).toList()))
			.toList();
		if (agentsRanked.isEmpty()) {
			return fallback(needMatches, excluded);
		}
		Map<String, List<String>> assigned = assignSkills(agentsRanked, skillsRanked, needs);
		List<AgentPick> agentPicks = agentsRanked.stream().map((c) -> agentPick(c, assigned.get(c.id))).toList();
		List<SkillPick> skillPicks = new ArrayList<>();
		for (Candidate skill : skillsRanked) {
			String owner = assigned.entrySet()
				.stream()
				.filter((e) -> e.getValue().contains(skill.id))
				.map(Map.Entry::getKey)
				.findFirst()
				.orElse(agentsRanked.get(0).id);
			SkillMetadata meta = skillMeta(skill.id);
			skillPicks.add(new SkillPick(skill.id, meta.name(), meta.nameZh(), round(skill.score()), owner,
					skill.positiveNeeds.stream().flatMap((n) -> n.reasons(false).stream()).toList()));
		}
		return new Recommendation(this.rules.version(), agentPicks, skillPicks, needMatches, excluded, false, null);
	}

	private static void apply(Map<String, Candidate> candidates, String id, NeedScore need, double positive,
			double negative, double link) {
		Candidate candidate = candidates.computeIfAbsent(id, Candidate::new);
		if (positive > 0) {
			candidate.support(need, positive * link);
		}
		if (negative > 0) {
			candidate.oppose(need, negative * link);
		}
	}

	private static List<Candidate> select(Map<String, Candidate> candidates, Selection selection) {
		List<Candidate> eligible = candidates.values()
			.stream()
			.filter((c) -> !c.excluded() && c.score() > 0)
			.sorted(Comparator.comparingDouble(Candidate::score).reversed().thenComparing((c) -> c.id))
			.toList();
		if (eligible.isEmpty()) {
			return List.of();
		}
		double top = eligible.get(0).score();
		double cut = Math.max(selection.minScore(), top * selection.relativeToTop());
		return eligible.stream().filter((c) -> c.score() >= cut).limit(selection.max()).toList();
	}

	/**
	 * Each recommended skill goes to the recommended agent it shares the most need
	 * strength with; failing that, to an agent whose template lists it, else to the top
	 * agent. Every agent keeps its template's default skills.
	 */
	private Map<String, List<String>> assignSkills(List<Candidate> agents, List<Candidate> skills,
			Map<String, NeedScore> needs) {
		Map<String, List<String>> assigned = new LinkedHashMap<>();
		agents.forEach((agent) -> assigned.put(agent.id, new ArrayList<>()));
		for (Candidate skill : skills) {
			String best = null;
			double bestAffinity = 0;
			for (Candidate agent : agents) {
				double affinity = 0;
				for (NeedScore need : needs.values()) {
					Double agentLink = need.intent.agents().get(agent.id);
					Double skillLink = need.intent.skills().get(skill.id);
					if (agentLink != null && skillLink != null) {
						affinity += need.positiveScore() * agentLink * skillLink;
					}
				}
				if (affinity > bestAffinity) {
					bestAffinity = affinity;
					best = agent.id;
				}
			}
			if (best == null) {
				best = agents.stream()
					.filter((agent) -> this.agents.find(agent.id)
						.map((t) -> t.defaultSkills().contains(skill.id) || t.suggestedSkills().contains(skill.id))
						.orElse(false))
					.map((agent) -> agent.id)
					.findFirst()
					.orElse(agents.get(0).id);
			}
			assigned.get(best).add(skill.id);
		}
		return assigned;
	}

	private AgentPick agentPick(Candidate candidate, List<String> recommendedSkills) {
		AgentTemplate template = this.agents.find(candidate.id).orElseThrow();
		Set<String> skills = new LinkedHashSet<>(template.defaultSkills());
		skills.addAll(recommendedSkills);
		List<Reason> reasons = candidate.positiveNeeds.stream()
			.sorted(Comparator.comparingDouble((NeedScore n) -> -candidate.contributions.get(n.intent.id())))
			.flatMap((n) -> n.reasons(false).stream())
			.toList();
		return new AgentPick(template.id(), template.name(), template.nameZh(), template.emoji(),
				round(candidate.score()), reasons, List.copyOf(skills));
	}

	private Recommendation fallback(List<NeedMatch> needs, List<Exclusion> excluded) {
		AgentTemplate assistant = this.agents.find(AgentCatalog.DEFAULT_AGENT).orElseThrow();
		AgentPick pick = new AgentPick(assistant.id(), assistant.name(), assistant.nameZh(), assistant.emoji(), 0,
				List.of(), assistant.defaultSkills());
		return new Recommendation(this.rules.version(), List.of(pick), List.of(), needs, excluded, true,
				"没有识别出具体需求，先为你推荐通用助理；可以再说说你想做什么，例如“帮我分析销售数据”或“我想开发一个小程序”。"
						+ " / No specific need recognised: the general assistant is a good start. Tell Lingxi more,"
						+ " e.g. \"analyse my sales data\" or \"build a mini program\".");
	}

	private SkillMetadata skillMeta(String id) {
		return this.skills.all()
			.stream()
			.map((pkg) -> pkg.metadata())
			.filter((meta) -> meta.id().equals(id))
			.findFirst()
			.orElseThrow();
	}

	static double round(double value) {
		return Math.round(value * 1000) / 1000.0;
	}

}
