package com.lingxi.agent.wizard;

import com.lingxi.agent.wizard.WizardRules.Intent;

/**
 * A term (or cue, or boundary) found in the text.
 *
 * @param intent the need the term expresses, null for cues and boundaries
 * @param term the rule phrase
 * @param start start offset in the normalised text
 * @param end end offset (exclusive)
 * @param matched the text that matched
 * @param fuzzy whether it matched with one typo
 * @param cue the negation cue that negates it, null if it is not negated
 */
record Match(Intent intent, Phrase term, int start, int end, String matched, boolean fuzzy, String cue) {

	Match(Intent intent, Phrase term, int start, int end, String matched, boolean fuzzy) {
		this(intent, term, start, end, matched, fuzzy, null);
	}

	boolean negated() {
		return this.cue != null;
	}

	Match negatedBy(String cueText) {
		return new Match(this.intent, this.term, this.start, this.end, this.matched, this.fuzzy, cueText);
	}

	/** A term of an intent, indexed for matching. */
	record Candidate(Phrase term, Intent intent) {

	}

	@Override
	public boolean equals(Object other) {
		return this == other;
	}

	@Override
	public int hashCode() {
		return System.identityHashCode(this);
	}

}
