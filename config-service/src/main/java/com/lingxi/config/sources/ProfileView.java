package com.lingxi.config.sources;

import java.time.Instant;
import java.util.UUID;

/**
 * What user-service tells about a user ({@code GET /internal/users/{id}}).
 *
 * @param id user id
 * @param nickname display name
 * @param plan plan
 * @param createdAt signed up at
 */
public record ProfileView(UUID id, String nickname, String plan, Instant createdAt) {
}
