package com.lingxi.config.versions;

import java.time.Instant;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.config.render.Bundle;

/** The JSON shapes of {@code /api/config/*} and {@code /internal/configs/*}. */
public final class VersionViews {

	private VersionViews() {
	}

	public static Summary summary(ConfigVersions.VersionSummary row) {
		ConfigVersions.Version v = row.version();
		return new Summary(v.version(), v.sha256(), v.cause(), v.createdAt(), row.current());
	}

	public static Detail detail(ConfigVersions.StoredVersion stored, JsonMapper json) {
		ConfigVersions.Version v = stored.version();
		Bundle bundle = Bundle.fromCanonical(json.readTree(stored.bundleJson()));
		return new Detail(v.version(), v.sha256(), v.cause(), v.createdAt(), stored.current(), v.openclawVersion(),
				bundle.openclaw(), bundle.files().stream().map(FileView::of).toList());
	}

	public static DiffView diff(long from, long to, Bundle before, Bundle after) {
		ConfigDiff.Diff diff = ConfigDiff.between(before, after);
		return new DiffView(from, to,
				diff.openclaw().stream().map((c) -> new JsonChange(c.path(), c.change(), c.from(), c.to())).toList(),
				diff.files().stream().map((c) -> new FileChange(c.path(), c.change(), c.diff())).toList());
	}

	/**
	 * A version in a list.
	 *
	 * @param version number
	 * @param sha256 content hash
	 * @param cause what rendered it
	 * @param createdAt when
	 * @param current whether the instance should run it
	 */
	public record Summary(long version, String sha256, String cause, Instant createdAt, boolean current) {
	}

	/**
	 * A page of versions, newest first.
	 *
	 * @param page page number from 0
	 * @param size page size
	 * @param items the versions
	 */
	public record Page(int page, int size, List<Summary> items) {
	}

	/**
	 * A whole version.
	 *
	 * @param version number
	 * @param sha256 content hash
	 * @param cause what rendered it
	 * @param createdAt when
	 * @param current whether the instance should run it
	 * @param openclawVersion the OpenClaw version it was validated against
	 * @param openclaw the openclaw.json document
	 * @param files the files
	 */
	public record Detail(long version, String sha256, String cause, Instant createdAt, boolean current,
			String openclawVersion, JsonNode openclaw, List<FileView> files) {
	}

	/**
	 * A file of a version.
	 *
	 * @param path path in the state directory
	 * @param encoding {@code utf-8} or {@code base64}
	 * @param content the content
	 */
	public record FileView(String path, String encoding, String content) {

		static FileView of(Bundle.BundleFile file) {
			return new FileView(file.path(), file.encoding(), file.content());
		}

	}

	/**
	 * What changed between two versions.
	 *
	 * @param from older version
	 * @param to newer version
	 * @param openclaw changed paths of openclaw.json
	 * @param files changed files
	 */
	public record DiffView(long from, long to, List<JsonChange> openclaw, List<FileChange> files) {
	}

	/**
	 * A changed path.
	 *
	 * @param path dotted path
	 * @param change added, removed or changed
	 * @param from before
	 * @param to after
	 */
	public record JsonChange(String path, String change, JsonNode from, JsonNode to) {
	}

	/**
	 * A changed file.
	 *
	 * @param path path
	 * @param change added, removed or changed
	 * @param diff unified diff
	 */
	public record FileChange(String path, String change, String diff) {
	}

}
