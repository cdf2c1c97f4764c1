package com.lingxi.agent.skill;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import com.lingxi.agent.skill.bundle.SkillFile;
import com.lingxi.agent.skill.store.SkillEntry;
import com.lingxi.agent.skill.store.SkillStore;
import com.lingxi.agent.wizard.Recommender;

/**
 * The marketplace catalog as the rest of the service sees it: bundled skills (written at
 * start-up by {@link com.lingxi.agent.skill.catalog.BundledSkillsImport}) and mirrored
 * registry skills, in one table.
 */
public final class SkillCatalog {

	private final SkillStore store;

	private final Recommender wizard;

	private final SkillsProperties properties;

	public SkillCatalog(SkillStore store, Recommender wizard, SkillsProperties properties) {
		this.store = store;
		this.wizard = wizard;
		this.properties = properties;
	}

	public Mono<SkillEntry> find(String id) {
		return this.store.find(id);
	}

	public Flux<SkillEntry> findAll(Collection<String> ids) {
		return this.store.findAll(ids);
	}

	public Flux<SkillFile> files(String id) {
		return this.store.files(id);
	}

	public Mono<Set<String>> existing(Collection<String> ids) {
		return this.store.existing(ids);
	}

	public Mono<Void> countInstall(String id) {
		return this.store.countInstall(id);
	}

	/**
	 * Searches by text (Chinese or English; also finds the skills linked to the needs the
	 * text expresses) and/or tag.
	 */
	public Mono<SkillStore.Page> search(String query, String tag, int page, int size) {
		List<String> boostIds = new ArrayList<>();
		List<Double> boostScores = new ArrayList<>();
		if (query != null) {
			for (Map.Entry<String, Double> entry : this.wizard.skillAffinity(query).entrySet()) {
				if (entry.getValue() >= this.properties.minRelevance()) {
					boostIds.add(entry.getKey());
					boostScores.add(entry.getValue());
				}
			}
		}
		return this.store.search(query, tag, boostIds, boostScores, this.properties.minRelevance(), size,
				(long) page * size);
	}

}
