package com.lingxi.config.sources;

import java.time.Instant;
import java.util.UUID;

/**
 * One of a user's memories ({@code GET /internal/users/{id}/memories/important}).
 *
 * @param id memory id
 * @param domain domain (work, life, ...)
 * @param type kind (fact, preference, ...)
 * @param content the memory
 * @param importance 1 to 10
 * @param updatedAt last change
 */
public record MemoryView(UUID id, String domain, String type, String content, int importance, Instant updatedAt) {
}
