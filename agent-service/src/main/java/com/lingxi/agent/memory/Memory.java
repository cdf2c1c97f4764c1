package com.lingxi.agent.memory;

import java.time.Instant;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * A memory.
 *
 * @param id memory id
 * @param domain area of life or work it belongs to ({@code work}, {@code 健康}, ...)
 * @param type kind of memory ({@code fact}, {@code preference}, {@code event}, ...)
 * @param content the memory itself
 * @param importance 1 (trivia) to 10 (must never be forgotten)
 * @param metadata free-form JSON object
 * @param createdAt created
 * @param updatedAt last changed
 */
public record Memory(UUID id, String domain, String type, String content, int importance, JsonNode metadata,
		Instant createdAt, Instant updatedAt) {

}
