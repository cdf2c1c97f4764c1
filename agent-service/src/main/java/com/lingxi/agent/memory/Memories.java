package com.lingxi.agent.memory;

import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.transaction.support.DefaultTransactionDefinition;

/**
 * The {@code memories} and {@code memory_counts} tables. Every statement is scoped by
 * user.
 */
public final class Memories {

	private static final String COLUMNS = "id, domain, type, content, importance, metadata::text AS metadata, created_at, updated_at";

	private final DatabaseClient db;

	private final JsonMapper json;

	private final TransactionalOperator readOnly;

	public Memories(DatabaseClient db, JsonMapper json, ReactiveTransactionManager transactions) {
		this.db = db;
		this.json = json;
		DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
		definition.setReadOnly(true);
		this.readOnly = TransactionalOperator.create(transactions, definition);
	}

	/** Counts one more memory for the user; false if that would pass {@code max}. */
	public Mono<Boolean> reserve(UUID userId, int max) {
		return this.db.sql("""
				INSERT INTO memory_counts (user_id, count) VALUES (:user, 1)
				ON CONFLICT (user_id) DO UPDATE SET count = memory_counts.count + 1 WHERE memory_counts.count < :max
				RETURNING count
				""")
			.bind("user", userId)
			.bind("max", max)
			.map((row, meta) -> row.get("count", Integer.class))
			.one()
			.map((count) -> count <= max)
			.defaultIfEmpty(false);
	}

	public Mono<Void> release(UUID userId) {
		return this.db.sql("UPDATE memory_counts SET count = greatest(count - 1, 0) WHERE user_id = :user")
			.bind("user", userId)
			.fetch()
			.rowsUpdated()
			.then();
	}

	public Mono<Memory> insert(UUID id, UUID userId, String domain, String type, String content, int importance,
			String metadata) {
		return this.db
			.sql("INSERT INTO memories (id, user_id, domain, type, content, importance, metadata)"
					+ " VALUES (:id, :user, :domain, :type, :content, :importance, CAST(:metadata AS jsonb)) RETURNING "
					+ COLUMNS)
			.bind("id", id)
			.bind("user", userId)
			.bind("domain", domain)
			.bind("type", type)
			.bind("content", content)
			.bind("importance", (short) importance)
			.bind("metadata", metadata)
			.map(this::memory)
			.one();
	}

	public Mono<Memory> find(UUID userId, UUID id) {
		return this.db.sql("SELECT " + COLUMNS + " FROM memories WHERE user_id = :user AND id = :id")
			.bind("user", userId)
			.bind("id", id)
			.map(this::memory)
			.one();
	}

	/** Changes the given fields (null leaves a field as it is). */
	public Mono<Memory> update(UUID userId, UUID id, String domain, String type, String content, Integer importance,
			String metadata) {
		GenericExecuteSpec spec = this.db.sql("""
				UPDATE memories SET domain = COALESCE(:domain, domain), type = COALESCE(:type, type),
				  content = COALESCE(:content, content), importance = COALESCE(:importance, importance),
				  metadata = COALESCE(CAST(:metadata AS jsonb), metadata), updated_at = now()
				WHERE user_id = :user AND id = :id RETURNING
				""" + COLUMNS).bind("user", userId).bind("id", id);
		spec = nullable(spec, "domain", domain, String.class);
		spec = nullable(spec, "type", type, String.class);
		spec = nullable(spec, "content", content, String.class);
		spec = nullable(spec, "importance", (importance != null) ? importance.shortValue() : null, Short.class);
		spec = nullable(spec, "metadata", metadata, String.class);
		return spec.map(this::memory).one();
	}

	public Mono<Boolean> delete(UUID userId, UUID id) {
		return this.db.sql("DELETE FROM memories WHERE user_id = :user AND id = :id")
			.bind("user", userId)
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.map((rows) -> rows > 0);
	}

	/** Newest first, optionally of one domain and/or type. */
	public Flux<Memory> list(UUID userId, String domain, String type, int limit, long offset) {
		StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM memories WHERE user_id = :user");
		if (domain != null) {
			sql.append(" AND domain = :domain");
		}
		if (type != null) {
			sql.append(" AND type = :type");
		}
		sql.append(" ORDER BY updated_at DESC, id DESC LIMIT :limit OFFSET :offset");
		GenericExecuteSpec spec = this.db.sql(sql.toString())
			.bind("user", userId)
			.bind("limit", limit)
			.bind("offset", offset);
		if (domain != null) {
			spec = spec.bind("domain", domain);
		}
		if (type != null) {
			spec = spec.bind("type", type);
		}
		return spec.map(this::memory).all();
	}

	/** Most important first, then most recent. */
	public Flux<Memory> important(UUID userId, int limit) {
		return this.db
			.sql("SELECT " + COLUMNS
					+ " FROM memories WHERE user_id = :user ORDER BY importance DESC, updated_at DESC LIMIT :limit")
			.bind("user", userId)
			.bind("limit", limit)
			.map(this::memory)
			.all();
	}

	/**
	 * The query's search terms as tsquery texts (see the search_query_terms SQL
	 * function).
	 */
	public Mono<List<String>> terms(String query) {
		return this.db.sql("SELECT search_query_terms(:q) AS terms")
			.bind("q", query)
			.map((row, meta) -> row.get("terms", String[].class))
			.one()
			.map((terms) -> (terms != null) ? Arrays.asList(terms) : List.<String>of());
	}

	/**
	 * A search hit.
	 *
	 * @param memory the memory
	 * @param relevance share of the query's terms it contains
	 * @param score the ranking score
	 */
	public record Hit(Memory memory, double relevance, double score) {

	}

	/** Search weights (see {@link MemoryProperties}). */
	record Ranking(double minRelevance, double relevance, double importance, double recency, long halfLifeSeconds) {

	}

	/**
	 * Memories holding at least {@code minRelevance} of the terms, ranked by
	 * {@code relevance × wr + (importance − 1)/9 × wi + 0.5^(age/halfLife) × wt}. The
	 * (user_id, search_vector) GIN index finds the candidates: the statement runs in a
	 * read-only transaction with sequential scans off, because in a table of many users'
	 * memories a search of one user's must never read everyone's rows, and the planner
	 * underestimates the cost of {@code @@} on every row. Each term is parsed once (one
	 * bind per term) and relevance is a sum of matches, all in float8.
	 */
	public Flux<Hit> search(UUID userId, List<String> terms, String domain, Ranking ranking, int limit) {
		StringBuilder matched = new StringBuilder();
		for (int i = 0; i < terms.size(); i++) {
			matched.append((i == 0) ? "" : " + ")
				.append("(m.search_vector @@ CAST(:t")
				.append(i)
				.append(" AS tsquery))::int");
		}
		String sql = """
				SELECT %s, relevance,
				  :wr * relevance + :wi * (importance - 1) / 9.0::float8
				    + :wt * power(0.5::float8, greatest(extract(epoch FROM now() - updated_at)::float8, 0) / :halfLife)
				    AS score
				FROM (
				  SELECT m.*, (%s)::float8 / :n AS relevance FROM memories m
				  WHERE m.user_id = :user AND m.search_vector @@ CAST(:required AS tsquery) %s
				) hits
				WHERE relevance >= :min
				ORDER BY score DESC, updated_at DESC
				LIMIT :limit
				""".formatted(COLUMNS, matched, (domain != null) ? "AND m.domain = :domain" : "");
		GenericExecuteSpec spec = this.db.sql(sql)
			.bind("user", userId)
			.bind("n", (double) terms.size())
			.bind("required", requiredQuery(terms, ranking.minRelevance()))
			.bind("min", ranking.minRelevance())
			.bind("wr", ranking.relevance())
			.bind("wi", ranking.importance())
			.bind("wt", ranking.recency())
			.bind("halfLife", (double) ranking.halfLifeSeconds())
			.bind("limit", limit);
		for (int i = 0; i < terms.size(); i++) {
			spec = spec.bind("t" + i, terms.get(i));
		}
		if (domain != null) {
			spec = spec.bind("domain", domain);
		}
		Flux<Hit> hits = spec.map(
				(row, meta) -> new Hit(memory(row), row.get("relevance", Double.class), row.get("score", Double.class)))
			.all();
		return this.readOnly
			.transactional(this.db.sql("SET LOCAL enable_seqscan = off").fetch().rowsUpdated().thenMany(hits));
	}

	/**
	 * A tsquery that only rows holding at least {@code minRelevance} of the terms can
	 * match, so the GIN index intersects posting lists instead of returning every row
	 * with any one term: with k of n terms required, the OR of all k-term AND groups, or,
	 * when there would be more than 64 groups (long queries), of the groups of k
	 * consecutive terms. The exact share is still computed and filtered per row.
	 */
	static String requiredQuery(List<String> terms, double minRelevance) {
		int n = terms.size();
		int k = Math.max(1, (int) Math.ceil(minRelevance * n - 1e-9));
		if (k == 1) {
			return String.join(" | ", terms);
		}
		List<List<String>> groups = new java.util.ArrayList<>();
		if (combinations(n, k) <= 64) {
			combine(terms, k, 0, new java.util.ArrayList<>(), groups);
		}
		else {
			for (int start = 0; start + k <= n; start++) {
				groups.add(terms.subList(start, start + k));
			}
		}
		return groups.stream()
			.map((group) -> "(" + String.join(" & ", group) + ")")
			.collect(java.util.stream.Collectors.joining(" | "));
	}

	private static long combinations(int n, int k) {
		long result = 1;
		for (int i = 1; i <= k; i++) {
			result = result * (n - k + i) / i;
			if (result > 64) {
				return result;
			}
		}
		return result;
	}

	private static void combine(List<String> terms, int k, int from, List<String> current, List<List<String>> out) {
		if (current.size() == k) {
			out.add(List.copyOf(current));
			return;
		}
		for (int i = from; i <= terms.size() - (k - current.size()); i++) {
			current.add(terms.get(i));
			combine(terms, k, i + 1, current, out);
			current.remove(current.size() - 1);
		}
	}

	private Memory memory(Readable row) {
		String metadata = row.get("metadata", String.class);
		Short importance = row.get("importance", Short.class);
		return new Memory(row.get("id", UUID.class), row.get("domain", String.class), row.get("type", String.class),
				row.get("content", String.class), (importance != null) ? importance : 0,
				this.json.readTree((metadata != null) ? metadata : "{}"),
				row.get("created_at", OffsetDateTime.class).toInstant(),
				row.get("updated_at", OffsetDateTime.class).toInstant());
	}

	private static <T> GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, T value, Class<T> type) {
		return (value != null) ? spec.bind(name, value) : spec.bindNull(name, type);
	}

}
