package com.lingxi.agent.skill;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.AgentProblems;
import com.lingxi.agent.skill.bundle.SkillFile;
import com.lingxi.agent.support.FieldErrors;
import com.lingxi.common.problem.ProblemException;

/** {@code GET /api/skills}, {@code GET /api/skills/{id}}: the public marketplace. */
@RestController
class SkillController {

	/** Something searchable: a Latin letter or digit, or a CJK character. */
	private static final Pattern SEARCHABLE = Pattern
		.compile("[a-z0-9\\u00e0-\\u024f\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]");

	private final SkillCatalog catalog;

	private final SkillsProperties properties;

	SkillController(SkillCatalog catalog, SkillsProperties properties) {
		this.catalog = catalog;
		this.properties = properties;
	}

	/**
	 * A search hit.
	 *
	 * @param skill the skill
	 * @param relevance 0..1 (0 when listing without a query)
	 */
	record Hit(SkillView skill, double relevance) {

	}

	/**
	 * A page of results.
	 *
	 * @param items skills on this page
	 * @param page page number, from 0
	 * @param size page size
	 * @param total skills matching in all
	 */
	record Results(List<Hit> items, int page, int size, long total) {

	}

	@GetMapping("/api/skills")
	Mono<Results> search(@RequestParam(required = false) String q, @RequestParam(required = false) String tag,
			@RequestParam(required = false) Integer page, @RequestParam(required = false) Integer size) {
		FieldErrors errors = new FieldErrors();
		String query = (q != null && !q.isBlank()) ? q.strip() : null;
		if (query != null && query.length() > this.properties.maxQueryLength()) {
			errors.add("q", "must be at most " + this.properties.maxQueryLength() + " characters");
		}
		else if (query != null
				&& !SEARCHABLE.matcher(Normalizer.normalize(query, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT))
					.find()) {
			errors.add("q", "must contain a letter, a digit or a Chinese character");
		}
		String normalizedTag = (tag != null && !tag.isBlank())
				? Normalizer.normalize(tag.strip(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT) : null;
		if (normalizedTag != null && normalizedTag.length() > 40) {
			errors.add("tag", "must be at most 40 characters");
		}
		int pageNumber = (page != null) ? page : 0;
		int pageSize = (size != null) ? size : this.properties.defaultPageSize();
		if (pageNumber < 0 || pageNumber > 1000) {
			errors.add("page", "must be between 0 and 1000");
		}
		if (pageSize < 1 || pageSize > this.properties.maxPageSize()) {
			errors.add("size", "must be between 1 and " + this.properties.maxPageSize());
		}
		errors.throwIfAny();
		return this.catalog.search(query, normalizedTag, pageNumber, pageSize)
			.map((found) -> new Results(found.items()
				.stream()
				.map((hit) -> new Hit(SkillView.of(hit.skill()), round(hit.relevance())))
				.toList(), pageNumber, pageSize, found.total()));
	}

	/**
	 * A skill with its files.
	 *
	 * @param skill the marketplace entry
	 * @param skillMd the SKILL.md text
	 * @param files every file of the bundle with its size
	 */
	record Detail(SkillView skill, String skillMd, List<FileInfo> files) {

	}

	/**
	 * A file of a bundle.
	 *
	 * @param path relative path
	 * @param size bytes
	 * @param executable whether it is installed executable
	 */
	record FileInfo(String path, int size, boolean executable) {

	}

	@GetMapping("/api/skills/{id}")
	Mono<Detail> skill(@PathVariable String id) {
		return this.catalog.find(id)
			.switchIfEmpty(Mono.error(() -> unknownSkill(id)))
			.flatMap((entry) -> this.catalog.files(id)
				.collectList()
				.map((files) -> new Detail(SkillView.of(entry),
						files.stream()
							.filter((file) -> file.path().equals(SkillFile.SKILL_MD))
							.map(SkillFile::text)
							.findFirst()
							.orElse(null),
						files.stream()
							.map((file) -> new FileInfo(file.path(), file.content().length, file.executable()))
							.toList())));
	}

	static ProblemException unknownSkill(String id) {
		return ProblemException.of(HttpStatus.NOT_FOUND, AgentProblems.UNKNOWN_SKILL, "Unknown skill",
				"No skill in the marketplace is called '" + id + "'.");
	}

	private static double round(double value) {
		return Math.round(value * 1000) / 1000.0;
	}

}
