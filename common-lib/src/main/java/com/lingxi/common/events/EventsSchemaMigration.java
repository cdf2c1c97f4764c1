package com.lingxi.common.events;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.callback.Callback;

import org.springframework.beans.factory.InitializingBean;

/**
 * Creates the outbox and dedup tables in the service's schema with a Flyway run of its
 * own (history table {@code lingxi_events_history}), after the service's own migrations.
 * Keeping a separate history means common-lib's migrations never compete with a service's
 * version numbers.
 */
final class EventsSchemaMigration implements InitializingBean {

	static final String LOCATION = "classpath:db/lingxi-events";

	static final String HISTORY_TABLE = "lingxi_events_history";

	private final Flyway serviceFlyway;

	EventsSchemaMigration(Flyway serviceFlyway) {
		this.serviceFlyway = serviceFlyway;
	}

	@Override
	public void afterPropertiesSet() {
		Flyway.configure(getClass().getClassLoader())
			.configuration(this.serviceFlyway.getConfiguration())
			.table(HISTORY_TABLE)
			.locations(LOCATION)
			// The schema already holds the service's tables: start this history at
			// version 0.
			.baselineOnMigrate(true)
			.baselineVersion("0")
			.target("latest")
			.callbacks(new Callback[0])
			.load()
			.migrate();
	}

}
