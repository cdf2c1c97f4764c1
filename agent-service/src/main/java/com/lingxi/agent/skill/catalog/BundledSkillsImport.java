package com.lingxi.agent.skill.catalog;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.InitializingBean;

import com.lingxi.agent.skill.bundle.SkillFile;
import com.lingxi.agent.support.DataFileException;

/**
 * Writes the bundled skills into the catalog while the application starts, right after
 * the schema migrations and over the same JDBC connection settings (like any migration,
 * this is start-up work, not request work). Skills whose bundle hash is unchanged are
 * skipped, so a restart costs one query per skill; everything happens in one transaction,
 * so replicas starting together never see half a skill. A bundled skill takes its id back
 * from a registry skill that used it.
 */
public final class BundledSkillsImport implements InitializingBean {

	private static final Logger log = LoggerFactory.getLogger(BundledSkillsImport.class);

	private static final String UPSERT = """
			INSERT INTO skills (id, source, registry, name, name_zh, description, description_zh, tags, version,
			  author, registry_downloads, bundle_hash, bundle_size, search_vector)
			VALUES (?, 'bundled', NULL, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, array_to_tsvector(search_tokens(?)))
			ON CONFLICT (id) DO UPDATE SET source = 'bundled', registry = NULL, name = EXCLUDED.name,
			  name_zh = EXCLUDED.name_zh, description = EXCLUDED.description,
			  description_zh = EXCLUDED.description_zh, tags = EXCLUDED.tags, version = EXCLUDED.version,
			  author = EXCLUDED.author, bundle_hash = EXCLUDED.bundle_hash, bundle_size = EXCLUDED.bundle_size,
			  search_vector = EXCLUDED.search_vector, updated_at = now()
			""";

	private final Flyway flyway;

	private final BundledSkills bundled;

	public BundledSkillsImport(Flyway flyway, BundledSkills bundled) {
		this.flyway = flyway;
		this.bundled = bundled;
	}

	@Override
	public void afterPropertiesSet() throws SQLException {
		DataSource dataSource = this.flyway.getConfiguration().getDataSource();
		String schema = this.flyway.getConfiguration().getDefaultSchema();
		try (Connection connection = dataSource.getConnection()) {
			connection.setAutoCommit(false);
			if (schema != null) {
				try (Statement statement = connection.createStatement()) {
					statement.execute("SET LOCAL search_path TO \"" + schema.replace("\"", "") + "\"");
				}
			}
			int written = 0;
			try {
				for (SkillPackage pkg : this.bundled.all()) {
					if (write(connection, pkg)) {
						written++;
					}
				}
				connection.commit();
			}
			catch (SQLException | RuntimeException ex) {
				connection.rollback();
				throw new DataFileException("Bundled skills could not be written to the catalog: " + ex.getMessage(),
						ex);
			}
			log.info("Bundled skills {}: {} in the bundle, {} written", this.bundled.version(),
					this.bundled.all().size(), written);
		}
	}

	private boolean write(Connection connection, SkillPackage pkg) throws SQLException {
		SkillMetadata meta = pkg.metadata();
		String hash = pkg.hash();
		try (PreparedStatement current = connection
			.prepareStatement("SELECT bundle_hash, source FROM skills WHERE id = ?")) {
			current.setString(1, meta.id());
			try (ResultSet row = current.executeQuery()) {
				if (row.next() && hash.equals(row.getString(1)) && "bundled".equals(row.getString(2))) {
					return false;
				}
			}
		}
		try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
			Array tags = connection.createArrayOf("text", meta.tags().toArray());
			upsert.setString(1, meta.id());
			upsert.setString(2, meta.name());
			upsert.setString(3, meta.nameZh());
			upsert.setString(4, meta.description());
			upsert.setString(5, meta.descriptionZh());
			upsert.setArray(6, tags);
			upsert.setString(7, meta.version());
			upsert.setString(8, meta.author());
			upsert.setString(9, hash);
			upsert.setInt(10, pkg.size());
			upsert.setString(11, meta.searchText());
			upsert.executeUpdate();
		}
		try (PreparedStatement delete = connection.prepareStatement("DELETE FROM skill_files WHERE skill_id = ?")) {
			delete.setString(1, meta.id());
			delete.executeUpdate();
		}
		try (PreparedStatement insert = connection
			.prepareStatement("INSERT INTO skill_files (skill_id, path, content, executable) VALUES (?, ?, ?, ?)")) {
			for (SkillFile file : pkg.files()) {
				insert.setString(1, meta.id());
				insert.setString(2, file.path());
				insert.setBytes(3, file.content());
				insert.setBoolean(4, file.executable());
				insert.addBatch();
			}
			insert.executeBatch();
		}
		return true;
	}

}
