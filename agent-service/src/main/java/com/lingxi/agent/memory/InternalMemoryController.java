package com.lingxi.agent.memory;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.support.FieldErrors;
import com.lingxi.common.trust.InternalApi;

/** {@code /internal/users/{userId}/memories/important} for config-service's MEMORY.md. */
@RestController
class InternalMemoryController {

	private final MemoryService memories;

	InternalMemoryController(MemoryService memories) {
		this.memories = memories;
	}

	/**
	 * A memory for MEMORY.md.
	 *
	 * @param id memory id
	 * @param domain domain
	 * @param type type
	 * @param content content
	 * @param importance importance
	 * @param updatedAt last changed
	 */
	record Important(UUID id, String domain, String type, String content, int importance, Instant updatedAt) {

	}

	@InternalApi(callers = "config-service")
	@GetMapping("/internal/users/{userId}/memories/important")
	Mono<List<Important>> important(@PathVariable UUID userId, @RequestParam(defaultValue = "20") int limit) {
		int max = this.memories.properties().maxImportantLimit();
		if (limit < 1 || limit > max) {
			throw FieldErrors.single("limit", "must be between 1 and " + max);
		}
		return this.memories.important(userId, limit)
			.map((m) -> new Important(m.id(), m.domain(), m.type(), m.content(), m.importance(), m.updatedAt()))
			.collectList();
	}

}
