package com.lingxi.agent;

import java.util.List;
import java.util.UUID;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The {@code agents.changed} events the service wrote to its outbox for a user, in order.
 */
public final class Outbox {

	private final DatabaseClient db;

	public Outbox(DatabaseClient db) {
		this.db = db;
	}

	public List<String> changes(UUID userId) {
		return this.db
			.sql("SELECT payload->>'change' AS change FROM event_outbox WHERE topic = 'agents.changed'"
					+ " AND payload->>'userId' = :user ORDER BY seq")
			.bind("user", userId.toString())
			.map((row, meta) -> row.get("change", String.class))
			.all()
			.collectList()
			.block();
	}

}
