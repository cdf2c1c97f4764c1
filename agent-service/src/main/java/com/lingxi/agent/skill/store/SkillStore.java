package com.lingxi.agent.skill.store;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.agent.skill.bundle.SkillFile;
import com.lingxi.agent.skill.catalog.SkillMetadata;
import com.lingxi.agent.skill.catalog.SkillPackage;

/** The {@code skills} and {@code skill_files} tables. */
public final class SkillStore {

	static final String COLUMNS = """
			s.id, s.source, s.registry, s.name, s.name_zh, s.description, s.description_zh, s.tags, s.version,
			s.author, s.registry_downloads + s.installs AS downloads, s.bundle_size, s.updated_at
			""";

	private static final String UPSERT = """
			INSERT INTO skills (id, source, registry, name, name_zh, description, description_zh, tags, version,
			  author, registry_downloads, bundle_hash, bundle_size, search_vector)
			VALUES (:id, :source, :registry, :name, :nameZh, :description, :descriptionZh, :tags, :version,
			  :author, :downloads, :hash, :size, array_to_tsvector(search_tokens(:searchText)))
			ON CONFLICT (id) DO UPDATE SET registry = EXCLUDED.registry, name = EXCLUDED.name,
			  name_zh = EXCLUDED.name_zh, description = EXCLUDED.description,
			  description_zh = EXCLUDED.description_zh, tags = EXCLUDED.tags, version = EXCLUDED.version,
			  author = EXCLUDED.author, registry_downloads = EXCLUDED.registry_downloads,
			  bundle_hash = EXCLUDED.bundle_hash, bundle_size = EXCLUDED.bundle_size,
			  search_vector = EXCLUDED.search_vector, updated_at = now()
			WHERE skills.source = EXCLUDED.source
			RETURNING id
			""";

	private final DatabaseClient db;

	private final TransactionalOperator tx;

	public SkillStore(DatabaseClient db, TransactionalOperator tx) {
		this.db = db;
		this.tx = tx;
	}

	/**
	 * What the catalog holds for an id.
	 *
	 * @param source {@code bundled} or {@code registry}
	 * @param version version
	 * @param hash bundle hash
	 */
	public record StoredVersion(String source, String version, String hash) {

	}

	public Mono<StoredVersion> version(String id) {
		return this.db.sql("SELECT source, version, bundle_hash FROM skills WHERE id = :id")
			.bind("id", id)
			.map((row, meta) -> new StoredVersion(row.get("source", String.class), row.get("version", String.class),
					row.get("bundle_hash", String.class)))
			.one();
	}

	/**
	 * Stores a skill and replaces its files, atomically. False (and nothing written) when
	 * the id belongs to a skill of another source.
	 */
	public Mono<Boolean> upsert(SkillPackage pkg, String source, String registry) {
		SkillMetadata meta = pkg.metadata();
		GenericExecuteSpec spec = this.db.sql(UPSERT)
			.bind("id", meta.id())
			.bind("source", source)
			.bind("name", meta.name())
			.bind("description", meta.description())
			.bind("tags", meta.tags().toArray(String[]::new))
			.bind("version", meta.version())
			.bind("author", meta.author())
			.bind("downloads", meta.downloads())
			.bind("hash", pkg.hash())
			.bind("size", pkg.size())
			.bind("searchText", meta.searchText());
		spec = nullable(spec, "registry", registry);
		spec = nullable(spec, "nameZh", meta.nameZh());
		spec = nullable(spec, "descriptionZh", meta.descriptionZh());
		Mono<Boolean> write = spec.map((row, m) -> row.get("id", String.class))
			.one()
			.flatMap((id) -> replaceFiles(id, pkg.files()).thenReturn(true))
			.defaultIfEmpty(false);
		return this.tx.transactional(write);
	}

	private Mono<Void> replaceFiles(String id, List<SkillFile> files) {
		return this.db.sql("DELETE FROM skill_files WHERE skill_id = :id")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.thenMany(Flux.fromIterable(files)
				.concatMap((file) -> this.db.sql(
						"INSERT INTO skill_files (skill_id, path, content, executable) VALUES (:id, :path, :content, :executable)")
					.bind("id", id)
					.bind("path", file.path())
					.bind("content", ByteBuffer.wrap(file.content()))
					.bind("executable", file.executable())
					.fetch()
					.rowsUpdated()))
			.then();
	}

	public Mono<SkillEntry> find(String id) {
		return this.db.sql("SELECT " + COLUMNS + " FROM skills s WHERE s.id = :id")
			.bind("id", id)
			.map(SkillStore::entry)
			.one();
	}

	public Flux<SkillEntry> findAll(Collection<String> ids) {
		if (ids.isEmpty()) {
			return Flux.empty();
		}
		return this.db.sql("SELECT " + COLUMNS + " FROM skills s WHERE s.id = ANY(:ids) ORDER BY s.id")
			.bind("ids", ids.toArray(String[]::new))
			.map(SkillStore::entry)
			.all();
	}

	/** The files of a skill, SKILL.md first; empty if the skill is unknown. */
	public Flux<SkillFile> files(String id) {
		return this.db.sql("""
				SELECT path, content, executable FROM skill_files WHERE skill_id = :id
				ORDER BY (path = 'SKILL.md') DESC, path
				""").bind("id", id).map((row, meta) -> {
			ByteBuffer buffer = row.get("content", ByteBuffer.class);
			byte[] bytes = new byte[buffer.remaining()];
			buffer.get(bytes);
			return new SkillFile(row.get("path", String.class), bytes,
					Boolean.TRUE.equals(row.get("executable", Boolean.class)));
		}).all();
	}

	/** Which of these ids name a skill in the catalog. */
	public Mono<Set<String>> existing(Collection<String> ids) {
		if (ids.isEmpty()) {
			return Mono.just(Set.of());
		}
		return this.db.sql("SELECT id FROM skills WHERE id = ANY(:ids)")
			.bind("ids", ids.toArray(String[]::new))
			.map((row, meta) -> row.get("id", String.class))
			.all()
			.collect(HashSet::new, Set::add);
	}

	public Mono<Void> countInstall(String id) {
		return this.db.sql("UPDATE skills SET installs = installs + 1 WHERE id = :id")
			.bind("id", id)
			.fetch()
			.rowsUpdated()
			.then();
	}

	/**
	 * A page of search results.
	 *
	 * @param items skills on this page
	 * @param total skills matching in all
	 */
	public record Page(List<Scored> items, long total) {

	}

	/**
	 * A search hit.
	 *
	 * @param skill the skill
	 * @param relevance 0..1, share of the query's terms it contains (or its link to a
	 * recognised need)
	 */
	public record Scored(SkillEntry skill, double relevance) {

	}

	/**
	 * Searches the catalog. With a query, a skill matches when it holds at least
	 * {@code minRelevance} of the query's terms (CJK bigrams and words, see the
	 * {@code search_query_terms} SQL function) or is linked to a need the query expresses
	 * ({@code boostIds} with {@code boostScores}); without a query every skill matches.
	 * Ordered by relevance, then popularity.
	 */
	public Mono<Page> search(String query, String tag, List<String> boostIds, List<Double> boostScores,
			double minRelevance, int limit, long offset) {
		boolean hasQuery = query != null;
		StringBuilder sql = new StringBuilder("WITH q AS (SELECT search_query_terms(:q) AS terms), hits AS (SELECT ")
			.append(COLUMNS)
			.append(", greatest(r.coverage, coalesce(b.boost, 0)) AS relevance FROM skills s CROSS JOIN q")
			.append(" CROSS JOIN LATERAL (SELECT CASE WHEN cardinality(q.terms) = 0 THEN 0 ELSE (SELECT count(*)")
			.append(" FROM unnest(q.terms) t WHERE s.search_vector @@ t::tsquery)::float8 / cardinality(q.terms)")
			.append(" END AS coverage) r")
			.append(" LEFT JOIN unnest(CAST(:boostIds AS text[]), CAST(:boostScores AS float8[])) AS b(id, boost)")
			.append(" ON b.id = s.id WHERE true");
		if (hasQuery) {
			sql.append(" AND ((cardinality(q.terms) > 0 AND s.search_vector @@ CAST(array_to_string(q.terms, ' | ')")
				.append(" AS tsquery) AND r.coverage >= :min) OR b.boost IS NOT NULL)");
		}
		if (tag != null) {
			sql.append(" AND :tag = ANY(s.tags)");
		}
		sql.append(") SELECT *, count(*) OVER () AS total FROM hits")
			.append(" ORDER BY relevance DESC, downloads DESC, id LIMIT :limit OFFSET :offset");
		GenericExecuteSpec spec = this.db.sql(sql.toString())
			.bind("q", hasQuery ? query : "")
			.bind("boostIds", boostIds.toArray(String[]::new))
			.bind("boostScores", boostScores.toArray(Double[]::new))
			.bind("limit", limit)
			.bind("offset", offset);
		if (hasQuery) {
			spec = spec.bind("min", minRelevance);
		}
		if (tag != null) {
			spec = spec.bind("tag", tag);
		}
		return spec
			.map((row,
					meta) -> new Object[] { new Scored(entry(row), hasQuery ? row.get("relevance", Double.class) : 0),
							row.get("total", Long.class) })
			.all()
			.collectList()
			.map((rows) -> new Page(rows.stream().map((r) -> (Scored) r[0]).toList(),
					rows.isEmpty() ? 0 : (Long) rows.get(0)[1]));
	}

	static SkillEntry entry(Readable row) {
		String[] tags = row.get("tags", String[].class);
		Long downloads = row.get("downloads", Long.class);
		Integer size = row.get("bundle_size", Integer.class);
		return new SkillEntry(row.get("id", String.class), row.get("source", String.class),
				row.get("registry", String.class), row.get("name", String.class), row.get("name_zh", String.class),
				row.get("description", String.class), row.get("description_zh", String.class),
				(tags != null) ? Arrays.asList(tags) : List.of(), row.get("version", String.class),
				row.get("author", String.class), (downloads != null) ? downloads : 0, (size != null) ? size : 0,
				instant(row.get("updated_at", OffsetDateTime.class)));
	}

	private static Instant instant(OffsetDateTime time) {
		return (time != null) ? time.toInstant() : null;
	}

	private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, String value) {
		return (value != null) ? spec.bind(name, value) : spec.bindNull(name, String.class);
	}

}
