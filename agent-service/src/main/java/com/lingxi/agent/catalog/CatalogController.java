package com.lingxi.agent.catalog;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.problem.ProblemException;

/** {@code GET /api/agents/catalog}: the built-in agents a user can add. */
@RestController
class CatalogController {

	private final AgentCatalog catalog;

	CatalogController(AgentCatalog catalog) {
		this.catalog = catalog;
	}

	/**
	 * An agent of the catalog without its workspace files.
	 *
	 * @param id agent id
	 * @param name English name
	 * @param nameZh Chinese name
	 * @param emoji emoji
	 * @param description English description
	 * @param descriptionZh Chinese description
	 * @param modelTier suggested model tier
	 * @param defaultSkills skills it starts with
	 * @param suggestedSkills skills that suit it
	 */
	record Entry(String id, String name, String nameZh, String emoji, String description, String descriptionZh,
			String modelTier, List<String> defaultSkills, List<String> suggestedSkills) {

		static Entry of(AgentTemplate template) {
			return new Entry(template.id(), template.name(), template.nameZh(), template.emoji(),
					template.description(), template.descriptionZh(), template.modelTier(), template.defaultSkills(),
					template.suggestedSkills());
		}

	}

	/**
	 * The catalog.
	 *
	 * @param version catalog version
	 * @param agents agents in display order
	 */
	record Catalog(String version, List<Entry> agents) {

	}

	@GetMapping("/api/agents/catalog")
	Catalog catalog() {
		return new Catalog(this.catalog.version(), this.catalog.templates().stream().map(Entry::of).toList());
	}

	/**
	 * One catalog agent with its default workspace files.
	 *
	 * @param agent the entry
	 * @param soul default SOUL.md
	 * @param agentsMd default AGENTS.md
	 * @param identityMd default IDENTITY.md
	 */
	record Template(Entry agent, String soul, String agentsMd, String identityMd) {

	}

	@GetMapping("/api/agents/catalog/{agentId}")
	Mono<Template> template(@PathVariable String agentId) {
		return Mono.justOrEmpty(this.catalog.find(agentId))
			.map((t) -> new Template(Entry.of(t), t.soul(), t.agentsMd(), t.identityMd()))
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Catalog agent '" + agentId + "'")));
	}

}
