package com.lingxi.instance.chat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

/** Conversations and their messages, always looked up by their owner. */
public final class Conversations {

	private final DatabaseClient db;

	public Conversations(DatabaseClient db) {
		this.db = db;
	}

	public Mono<Conversation> create(UUID id, UUID userId, String agentId, String title) {
		return this.db
			.sql("INSERT INTO conversations (id, user_id, agent_id, title) VALUES (:id, :user, :agent, :title)")
			.bind("id", id)
			.bind("user", userId)
			.bind("agent", agentId)
			.bind("title", title)
			.fetch()
			.rowsUpdated()
			.then(find(userId, id));
	}

	/** The user's conversation, empty if it does not exist or is someone else's. */
	public Mono<Conversation> find(UUID userId, UUID id) {
		return this.db.sql("SELECT * FROM conversations WHERE id = :id AND user_id = :user")
			.bind("id", id)
			.bind("user", userId)
			.map(Conversations::conversation)
			.one();
	}

	public Flux<Conversation> list(UUID userId, int limit, long offset) {
		return this.db.sql(
				"SELECT * FROM conversations WHERE user_id = :user ORDER BY last_message_at DESC LIMIT :limit OFFSET :offset")
			.bind("user", userId)
			.bind("limit", limit)
			.bind("offset", offset)
			.map(Conversations::conversation)
			.all();
	}

	public Flux<Message> messages(UUID conversationId, int limit) {
		return this.db.sql("""
				SELECT * FROM (SELECT seq, role, content, created_at FROM conversation_messages
				  WHERE conversation_id = :id ORDER BY seq DESC LIMIT :limit) recent ORDER BY seq
				""")
			.bind("id", conversationId)
			.bind("limit", limit)
			.map((row, meta) -> new Message(row.get("seq", Integer.class), row.get("role", String.class),
					row.get("content", String.class), row.get("created_at", OffsetDateTime.class).toInstant()))
			.all();
	}

	/** Appends a message and moves the conversation to the top of the list. */
	public Mono<Void> append(UUID conversationId, String role, String content) {
		return this.db.sql("""
				WITH next AS (
				  UPDATE conversations SET message_count = message_count + 1, last_message_at = now()
				  WHERE id = :id RETURNING message_count)
				INSERT INTO conversation_messages (conversation_id, seq, role, content)
				SELECT :id, message_count, :role, :content FROM next
				""")
			.bind("id", conversationId)
			.bind("role", role)
			.bind("content", content)
			.fetch()
			.rowsUpdated()
			.then();
	}

	private static Conversation conversation(Readable row) {
		return new Conversation(row.get("id", UUID.class), row.get("agent_id", String.class),
				row.get("title", String.class), row.get("message_count", Integer.class),
				row.get("created_at", OffsetDateTime.class).toInstant(),
				row.get("last_message_at", OffsetDateTime.class).toInstant());
	}

	/**
	 * A conversation with one agent.
	 *
	 * @param id conversation id (also the gateway session it continues)
	 * @param agentId the agent
	 * @param title its first words
	 * @param messageCount messages so far
	 * @param createdAt started
	 * @param lastMessageAt last message
	 */
	public record Conversation(UUID id, String agentId, String title, int messageCount, Instant createdAt,
			Instant lastMessageAt) {
	}

	/**
	 * A message.
	 *
	 * @param seq position, from 1
	 * @param role {@code user} or {@code assistant}
	 * @param content text
	 * @param createdAt when
	 */
	public record Message(int seq, String role, String content, Instant createdAt) {
	}

}
