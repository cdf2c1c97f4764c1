package com.lingxi.billing.usage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local write-ahead journal of settled calls. A call's usage record is appended to a
 * journal file and forced to disk before {@link #append} completes (group commit: one
 * thread writes whatever accumulated while the previous fsync ran, then fsyncs once).
 * Only then does the client see the end of the answer. Journaled records go to PostgreSQL
 * in batches ({@link UsageWriter}); a file is deleted once every record in it is
 * committed there. At start-up, files left by a previous process are replayed: the
 * records are written again, and {@code usage_logs.request_id} being unique makes that
 * idempotent.
 *
 * <p>
 * All file work happens on the journal's own thread, never on an event loop.
 */
public final class UsageJournal {

	private static final Logger log = LoggerFactory.getLogger(UsageJournal.class);

	private static final String PREFIX = "usage-";

	private static final String SUFFIX = ".jsonl";

	private static final Object MAINTAIN = new Object();

	private final Path dir;

	private final boolean fsync;

	private final long segmentSize;

	private final JsonMapper json;

	private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();

	private final ConcurrentLinkedQueue<Journaled> ready = new ConcurrentLinkedQueue<>();

	private final AtomicInteger readyCount = new AtomicInteger();

	private final AtomicLong sequence = new AtomicLong();

	private final List<Segment> closed = new ArrayList<>();

	private final long startedAt = System.currentTimeMillis();

	private FileChannel lockChannel;

	private FileLock lock;

	private Segment current;

	private Thread thread;

	private volatile boolean running;

	public UsageJournal(UsageProperties properties, JsonMapper json) {
		this.dir = properties.journalDir().toAbsolutePath();
		this.fsync = properties.fsync();
		this.segmentSize = properties.segmentSize().toBytes();
		this.json = json;
	}

	/** Opens the directory, takes its lock and replays what a previous process left. */
	public synchronized void start() {
		if (this.running) {
			return;
		}
		try {
			Files.createDirectories(this.dir);
			this.lockChannel = FileChannel.open(this.dir.resolve(".lock"), StandardOpenOption.CREATE,
					StandardOpenOption.WRITE);
			this.lock = this.lockChannel.tryLock();
			if (this.lock == null) {
				throw new IllegalStateException("The usage journal " + this.dir
						+ " is in use by another process; give each replica a directory of its own");
			}
			recover();
			this.current = openSegment();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot open the usage journal in " + this.dir, ex);
		}
		this.running = true;
		this.thread = new Thread(this::run, "usage-journal");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** Writes what is queued, stops the thread and releases the directory. */
	public synchronized void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		LockSupport.unpark(this.thread);
		try {
			this.thread.join(TimeUnit.SECONDS.toMillis(10));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			this.current.channel.close();
			if (this.current.committed.get() >= this.current.appended) {
				// Everything in it reached PostgreSQL: nothing to replay next time.
				Files.deleteIfExists(this.current.path);
			}
			deleteClosedSegments();
			this.lock.release();
			this.lockChannel.close();
		}
		catch (IOException ex) {
			log.warn("Closing the usage journal failed: {}", ex.toString());
		}
	}

	/**
	 * Appends a record; completes once it is on disk. If the disk fails, the record still
	 * goes to PostgreSQL (only not crash-safe) and the failure is logged.
	 */
	public Mono<Void> append(UsageRecord record) {
		return Mono.create((sink) -> {
			this.inbox.add(new Pending(record, sink));
			LockSupport.unpark(this.thread);
		});
	}

	/** The next record waiting for PostgreSQL, or null. */
	Journaled poll() {
		Journaled next = this.ready.poll();
		if (next != null) {
			this.readyCount.decrementAndGet();
		}
		return next;
	}

	/** Records waiting for PostgreSQL. */
	int backlog() {
		return this.readyCount.get();
	}

	/** These records are committed to PostgreSQL: their files may go. */
	void committed(List<Journaled> records) {
		for (Journaled record : records) {
			if (record.segment() != null) {
				record.segment().committed.incrementAndGet();
			}
		}
		this.inbox.add(MAINTAIN);
		LockSupport.unpark(this.thread);
	}

	private void run() {
		List<Pending> batch = new ArrayList<>();
		while (true) {
			Object item = this.inbox.poll();
			if (item == null) {
				if (!this.running) {
					break;
				}
				LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
				continue;
			}
			boolean maintain = false;
			while (item != null && batch.size() < 4096) {
				if (item instanceof Pending pending) {
					batch.add(pending);
				}
				else {
					maintain = true;
				}
				item = (batch.size() < 4096) ? this.inbox.poll() : null;
			}
			if (!batch.isEmpty()) {
				write(batch);
				batch.clear();
			}
			if (maintain) {
				deleteCommittedSegments();
			}
		}
	}

	private void write(List<Pending> batch) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.size() * 512);
		for (Pending pending : batch) {
			bytes.writeBytes(this.json.writeValueAsBytes(pending.record()));
			bytes.write('\n');
		}
		Segment segment = this.current;
		try {
			ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
			while (buffer.hasRemaining()) {
				segment.channel.write(buffer);
			}
			if (this.fsync) {
				segment.channel.force(false);
			}
			segment.size += bytes.size();
		}
		catch (IOException ex) {
			log.error("Writing {} usage records to the journal failed; they go to PostgreSQL without "
					+ "crash safety: {}", batch.size(), ex.toString());
			segment = null;
		}
		for (Pending pending : batch) {
			if (segment != null) {
				segment.appended++;
			}
			this.ready.add(new Journaled(pending.record(), segment, false));
			this.readyCount.incrementAndGet();
		}
		for (Pending pending : batch) {
			pending.sink().success();
		}
		if (this.current.size >= this.segmentSize) {
			rotate();
		}
	}

	private void rotate() {
		try {
			Segment next = openSegment();
			this.current.channel.close();
			this.current.closed = true;
			this.closed.add(this.current);
			this.current = next;
		}
		catch (IOException ex) {
			log.warn("Could not start a new usage journal file, keep appending to {}: {}", this.current.path,
					ex.toString());
		}
	}

	private void deleteCommittedSegments() {
		deleteClosedSegments();
		// The open file is started anew once everything in it is committed, so it never
		// grows without bound under steady traffic.
		if (this.current.appended > 0 && this.current.committed.get() >= this.current.appended
				&& this.current.size >= Math.min(this.segmentSize, 1 << 20)) {
			rotate();
			deleteClosedSegments();
		}
	}

	private void deleteClosedSegments() {
		Iterator<Segment> segments = this.closed.iterator();
		while (segments.hasNext()) {
			Segment segment = segments.next();
			if (segment.committed.get() >= segment.appended) {
				try {
					Files.deleteIfExists(segment.path);
					segments.remove();
				}
				catch (IOException ex) {
					log.warn("Could not delete the committed journal file {}: {}", segment.path, ex.toString());
				}
			}
		}
	}

	private Segment openSegment() throws IOException {
		Path path = this.dir
			.resolve(PREFIX + this.startedAt + "-" + String.format("%08d", this.sequence.incrementAndGet()) + SUFFIX);
		FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
				StandardOpenOption.APPEND);
		return new Segment(path, channel);
	}

	/** Queues every record in files a previous process left behind. */
	private void recover() throws IOException {
		List<Path> files;
		try (Stream<Path> listing = Files.list(this.dir)) {
			files = listing
				.filter((path) -> path.getFileName().toString().startsWith(PREFIX)
						&& path.getFileName().toString().endsWith(SUFFIX))
				.sorted()
				.toList();
		}
		int recovered = 0;
		for (Path file : files) {
			Segment segment = new Segment(file, null);
			segment.closed = true;
			List<UsageRecord> records = new ArrayList<>();
			for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
				if (line.isBlank()) {
					continue;
				}
				try {
					records.add(this.json.readValue(line, UsageRecord.class));
				}
				catch (JacksonException ex) {
					// A line cut short by a crash was never acknowledged: skip it.
					log.warn("Skipping an unreadable line in the usage journal {}", file.getFileName());
				}
			}
			segment.appended = records.size();
			if (records.isEmpty()) {
				Files.deleteIfExists(file);
				continue;
			}
			this.closed.add(segment);
			for (UsageRecord record : records) {
				this.ready.add(new Journaled(record, segment, true));
				this.readyCount.incrementAndGet();
			}
			recovered += records.size();
		}
		if (recovered > 0) {
			log.info("Replaying {} usage records from the journal in {}", recovered, this.dir);
		}
	}

	private record Pending(UsageRecord record, MonoSink<Void> sink) {
	}

	/**
	 * A record on its way to PostgreSQL.
	 *
	 * @param record the record
	 * @param segment the journal file it is in, null if the journal could not write it
	 * @param recovered whether it was replayed from a previous process's journal
	 */
	record Journaled(UsageRecord record, Segment segment, boolean recovered) {
	}

	static final class Segment {

		final Path path;

		final FileChannel channel;

		final AtomicLong committed = new AtomicLong();

		long appended;

		long size;

		volatile boolean closed;

		Segment(Path path, FileChannel channel) {
			this.path = path;
			this.channel = channel;
		}

	}

}
