package com.lingxi.billing;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.r2dbc.core.DatabaseClient;

import org.awaitility.Awaitility;
import static org.assertj.core.api.Assertions.assertThat;

/** Reads what the service recorded, for assertions. */
public final class UsageRows {

	private final DatabaseClient db;

	public UsageRows(DatabaseClient db) {
		this.db = db;
	}

	/** The usage rows of a request (normally one). */
	public List<Map<String, Object>> of(String requestId) {
		return this.db.sql("SELECT * FROM usage_logs WHERE request_id = :id")
			.bind("id", requestId)
			.fetch()
			.all()
			.collectList()
			.block();
	}

	/** Waits for the one usage row of a request. */
	public Map<String, Object> await(String requestId) {
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !of(requestId).isEmpty());
		List<Map<String, Object>> rows = of(requestId);
		assertThat(rows).hasSize(1);
		return rows.get(0);
	}

	/** Outbox events of a topic. */
	public List<Map<String, Object>> events(String topic) {
		return this.db.sql(
				"SELECT event_key, CAST(payload AS text) AS payload, request_id FROM event_outbox WHERE topic = :topic ORDER BY seq")
			.bind("topic", topic)
			.fetch()
			.all()
			.collectList()
			.block();
	}

	public long count(String sql) {
		return this.db.sql(sql).map((row) -> row.get(0, Number.class).longValue()).one().block();
	}

}
