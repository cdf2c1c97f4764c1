package com.lingxi.billing.usage;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Recording usage.
 *
 * @param journalDir directory of the local usage journal: every settled call is appended
 * and fsynced here before the client sees the end of its answer, and replayed into
 * PostgreSQL at start-up; it must survive a restart of the process (a volume in
 * Kubernetes) and belong to one process only
 * @param fsync whether journal writes are forced to disk (turn off only for tests)
 * @param segmentSize journal file size after which a new file is started; a file is
 * deleted once every record in it is in PostgreSQL
 * @param batchSize usage records written to PostgreSQL per transaction
 * @param flushInterval how often records waiting for PostgreSQL are written
 * @param retryBackoff wait before writing again after PostgreSQL failed
 */
@ConfigurationProperties(prefix = "lingxi.billing.usage")
public record UsageProperties(@DefaultValue("var/billing/journal") Path journalDir, @DefaultValue("true") boolean fsync,
		@DefaultValue("8MB") DataSize segmentSize, @DefaultValue("500") int batchSize,
		@DefaultValue("50ms") Duration flushInterval, @DefaultValue("2s") Duration retryBackoff) {

}
