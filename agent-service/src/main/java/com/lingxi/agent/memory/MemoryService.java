package com.lingxi.agent.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.agent.AgentProblems;
import com.lingxi.agent.support.FieldErrors;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.AgentsChanged;
import com.lingxi.common.id.Ids;
import com.lingxi.common.problem.ProblemException;

/**
 * A user's memories: validation and limits, writes with their {@code agents.changed}
 * event in one transaction, and search.
 */
public final class MemoryService {

	/**
	 * Domains and types: a letter or digit first, then letters, digits, space, _ or -.
	 */
	static final Pattern LABEL = Pattern.compile("^[\\p{L}\\p{N}][\\p{L}\\p{N} _-]{0,31}$");

	static final String DEFAULT_DOMAIN = "general";

	static final String DEFAULT_TYPE = "fact";

	private final Memories memories;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final MemoryProperties properties;

	private final JsonMapper json;

	public MemoryService(Memories memories, EventPublisher events, TransactionalOperator tx,
			MemoryProperties properties, JsonMapper json) {
		this.memories = memories;
		this.events = events;
		this.tx = tx;
		this.properties = properties;
		this.json = json;
	}

	public MemoryProperties properties() {
		return this.properties;
	}

	/**
	 * What a caller may write (every field optional on update).
	 *
	 * @param domain domain
	 * @param type type
	 * @param content content
	 * @param importance 1..10
	 * @param metadata JSON object
	 */
	public record Fields(String domain, String type, String content, Integer importance, Map<String, Object> metadata) {

	}

	public Mono<Memory> create(UUID userId, Fields fields) {
		FieldErrors errors = new FieldErrors();
		if (fields.content() == null) {
			errors.add("content", "is required");
		}
		String metadata = check(fields, errors);
		errors.throwIfAny();
		String domain = (fields.domain() != null) ? fields.domain().strip() : DEFAULT_DOMAIN;
		String type = (fields.type() != null) ? fields.type().strip() : DEFAULT_TYPE;
		int importance = (fields.importance() != null) ? fields.importance() : 5;
		return this.tx.transactional(this.memories.reserve(userId, this.properties.maxPerUser())
			.flatMap((reserved) -> reserved ? Mono.just(true)
					: Mono.error(ProblemException
						.conflict(AgentProblems.MEMORY_LIMIT_REACHED, "Memory limit reached",
								"You can keep at most " + this.properties.maxPerUser()
										+ " memories; delete some first.")
						.with("limit", this.properties.maxPerUser())))
			.then(this.memories.insert(Ids.uuidV7(), userId, domain, type, fields.content(), importance,
					(metadata != null) ? metadata : "{}"))
			.flatMap((memory) -> announce(userId, "memory.created").thenReturn(memory)));
	}

	public Mono<Memory> find(UUID userId, UUID id) {
		return this.memories.find(userId, id).switchIfEmpty(Mono.error(() -> notFound(id)));
	}

	public Mono<Memory> update(UUID userId, UUID id, Fields fields) {
		FieldErrors errors = new FieldErrors();
		String metadata = check(fields, errors);
		if (fields.domain() == null && fields.type() == null && fields.content() == null && fields.importance() == null
				&& fields.metadata() == null) {
			errors.add("body", "must change at least one of domain, type, content, importance, metadata");
		}
		errors.throwIfAny();
		return this.tx.transactional(this.memories
			.update(userId, id, strip(fields.domain()), strip(fields.type()), fields.content(), fields.importance(),
					metadata)
			.switchIfEmpty(Mono.error(() -> notFound(id)))
			.flatMap((memory) -> announce(userId, "memory.updated").thenReturn(memory)));
	}

	public Mono<Void> delete(UUID userId, UUID id) {
		return this.tx.transactional(this.memories.delete(userId, id)
			.flatMap((deleted) -> deleted ? this.memories.release(userId).then(announce(userId, "memory.deleted"))
					: Mono.error(notFound(id))));
	}

	public Flux<Memory> list(UUID userId, String domain, String type, int page, int size) {
		return this.memories.list(userId, domain, type, size, (long) page * size);
	}

	public Flux<Memory> important(UUID userId, int limit) {
		return this.memories.important(userId, limit);
	}

	/** Searches by relevance, importance and recency; see {@link Memories#search}. */
	public Flux<Memories.Hit> search(UUID userId, String query, String domain, int limit) {
		Memories.Ranking ranking = new Memories.Ranking(this.properties.minRelevance(),
				this.properties.relevanceWeight(), this.properties.importanceWeight(), this.properties.recencyWeight(),
				Math.max(1, this.properties.recencyHalfLife().toSeconds()));
		return this.memories.terms(query).flatMapMany((terms) -> {
			if (terms.isEmpty()) {
				return Flux.error(FieldErrors.single("q", "must contain a letter, a digit or a Chinese character"));
			}
			List<String> capped = (terms.size() > 64) ? terms.subList(0, 64) : terms;
			return this.memories.search(userId, capped, domain, ranking, limit);
		});
	}

	private String check(Fields fields, FieldErrors errors) {
		if (fields.content() != null) {
			if (fields.content().isBlank()) {
				errors.add("content", "must not be blank");
			}
			else if (FieldErrors.utf8Length(fields.content()) > this.properties.contentMaxBytes()) {
				errors.add("content", "must be at most " + this.properties.contentMaxBytes() + " bytes");
			}
			else if (FieldErrors.hasForbiddenControl(fields.content())) {
				errors.add("content", "must not contain control characters");
			}
		}
		checkLabel(errors, "domain", fields.domain());
		checkLabel(errors, "type", fields.type());
		if (fields.importance() != null && (fields.importance() < 1 || fields.importance() > 10)) {
			errors.add("importance", "must be between 1 and 10");
		}
		if (fields.metadata() == null) {
			return null;
		}
		String metadata = this.json.writeValueAsString(fields.metadata());
		if (FieldErrors.utf8Length(metadata) > this.properties.metadataMaxBytes()) {
			errors.add("metadata", "must be at most " + this.properties.metadataMaxBytes() + " bytes of JSON");
		}
		else if (metadata.contains("\\u0000")) {
			errors.add("metadata", "must not contain NUL characters");
		}
		return metadata;
	}

	static void checkLabel(FieldErrors errors, String field, String value) {
		if (value != null && !LABEL.matcher(value.strip()).matches()) {
			errors.add(field, "must be 1 to 32 letters, digits, spaces, _ or -, starting with a letter or digit");
		}
	}

	private static String strip(String value) {
		return (value != null) ? value.strip() : null;
	}

	private Mono<Void> announce(UUID userId, String change) {
		return this.events.publish(AgentsChanged.TOPIC, userId, new AgentsChanged(userId, change, Instant.now()))
			.then();
	}

	static ProblemException notFound(UUID id) {
		return ProblemException.of(HttpStatus.NOT_FOUND, AgentProblems.MEMORY_NOT_FOUND, "Memory not found",
				"You have no memory " + id + ".");
	}

}
