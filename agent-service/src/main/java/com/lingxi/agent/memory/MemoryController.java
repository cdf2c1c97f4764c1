package com.lingxi.agent.memory;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.support.FieldErrors;
import com.lingxi.common.identity.CurrentUser;

/** {@code /api/memories}: the caller's own memories. Another user's memory is a 404. */
@RestController
class MemoryController {

	private final MemoryService memories;

	MemoryController(MemoryService memories) {
		this.memories = memories;
	}

	/**
	 * A memory to write.
	 *
	 * @param domain domain (default {@code general})
	 * @param type type (default {@code fact})
	 * @param content the memory (required on create)
	 * @param importance 1..10 (default 5)
	 * @param metadata a JSON object
	 */
	record MemoryRequest(String domain, String type, String content, Integer importance, Map<String, Object> metadata) {

		MemoryService.Fields fields() {
			return new MemoryService.Fields(this.domain, this.type, this.content, this.importance, this.metadata);
		}

	}

	@PostMapping("/api/memories")
	Mono<ResponseEntity<Memory>> create(CurrentUser caller, @RequestBody MemoryRequest request) {
		return this.memories.create(caller.id(), request.fields())
			.map((memory) -> ResponseEntity.created(URI.create("/api/memories/" + memory.id())).body(memory));
	}

	/**
	 * A page of memories, newest first.
	 *
	 * @param items memories
	 * @param page page number from 0
	 * @param size page size
	 * @param hasMore whether another page follows
	 */
	record Page(List<Memory> items, int page, int size, boolean hasMore) {

	}

	@GetMapping("/api/memories")
	Mono<Page> list(CurrentUser caller, @RequestParam(required = false) String domain,
			@RequestParam(required = false) String type, @RequestParam(required = false) Integer page,
			@RequestParam(required = false) Integer size) {
		FieldErrors errors = new FieldErrors();
		MemoryService.checkLabel(errors, "domain", domain);
		MemoryService.checkLabel(errors, "type", type);
		int pageNumber = (page != null) ? page : 0;
		int pageSize = (size != null) ? size : this.memories.properties().defaultPageSize();
		checkPage(errors, pageNumber, pageSize);
		errors.throwIfAny();
		return this.memories.list(caller.id(), strip(domain), strip(type), pageNumber, pageSize + 1)
			.collectList()
			.map((found) -> new Page(found.subList(0, Math.min(pageSize, found.size())), pageNumber, pageSize,
					found.size() > pageSize));
	}

	@GetMapping("/api/memories/{id}")
	Mono<Memory> get(CurrentUser caller, @PathVariable UUID id) {
		return this.memories.find(caller.id(), id);
	}

	@PutMapping("/api/memories/{id}")
	Mono<Memory> update(CurrentUser caller, @PathVariable UUID id, @RequestBody MemoryRequest request) {
		return this.memories.update(caller.id(), id, request.fields());
	}

	@DeleteMapping("/api/memories/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> delete(CurrentUser caller, @PathVariable UUID id) {
		return this.memories.delete(caller.id(), id);
	}

	/**
	 * A search hit: the memory and how it ranked.
	 *
	 * @param id memory id
	 * @param domain domain
	 * @param type type
	 * @param content content
	 * @param importance importance
	 * @param metadata metadata
	 * @param createdAt created
	 * @param updatedAt last changed
	 * @param relevance share of the query's terms it contains
	 * @param score relevance, importance and recency combined
	 */
	record Hit(UUID id, String domain, String type, String content, int importance, JsonNode metadata,
			Instant createdAt, Instant updatedAt, double relevance, double score) {

	}

	/**
	 * Search results, best first.
	 *
	 * @param query the query
	 * @param items hits
	 */
	record Results(String query, List<Hit> items) {

	}

	@GetMapping("/api/memories/search")
	Mono<Results> search(CurrentUser caller, @RequestParam(required = false) String q,
			@RequestParam(required = false) String domain, @RequestParam(required = false) Integer limit) {
		FieldErrors errors = new FieldErrors();
		String query = (q != null) ? q.strip() : "";
		if (query.isEmpty()) {
			errors.add("q", "is required");
		}
		else if (query.length() > this.memories.properties().maxQueryLength()) {
			errors.add("q", "must be at most " + this.memories.properties().maxQueryLength() + " characters");
		}
		MemoryService.checkLabel(errors, "domain", domain);
		int size = (limit != null) ? limit : this.memories.properties().defaultPageSize();
		if (size < 1 || size > this.memories.properties().maxPageSize()) {
			errors.add("limit", "must be between 1 and " + this.memories.properties().maxPageSize());
		}
		errors.throwIfAny();
		return this.memories.search(caller.id(), query, strip(domain), size).map((hit) -> {
			Memory m = hit.memory();
			return new Hit(m.id(), m.domain(), m.type(), m.content(), m.importance(), m.metadata(), m.createdAt(),
					m.updatedAt(), round(hit.relevance()), round(hit.score()));
		}).collectList().map((hits) -> new Results(query, hits));
	}

	private void checkPage(FieldErrors errors, int page, int size) {
		if (page < 0 || page > 10000) {
			errors.add("page", "must be between 0 and 10000");
		}
		if (size < 1 || size > this.memories.properties().maxPageSize()) {
			errors.add("size", "must be between 1 and " + this.memories.properties().maxPageSize());
		}
	}

	private static String strip(String value) {
		return (value != null && !value.isBlank()) ? value.strip() : null;
	}

	private static double round(double value) {
		return Math.round(value * 1000) / 1000.0;
	}

}
