package com.lingxi.config.versions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import tools.jackson.databind.JsonNode;

import com.lingxi.config.render.Bundle;

/**
 * What changed between two versions: {@code openclaw.json} by path (objects compared key
 * by key, arrays and values as a whole), files as unified diffs.
 */
final class ConfigDiff {

	private ConfigDiff() {
	}

	static Diff between(Bundle from, Bundle to) {
		List<JsonChange> config = new ArrayList<>();
		compare("", from.openclaw(), to.openclaw(), config);
		Map<String, Bundle.BundleFile> before = byPath(from);
		Map<String, Bundle.BundleFile> after = byPath(to);
		TreeSet<String> paths = new TreeSet<>(before.keySet());
		paths.addAll(after.keySet());
		List<FileChange> files = new ArrayList<>();
		for (String path : paths) {
			Bundle.BundleFile a = before.get(path);
			Bundle.BundleFile b = after.get(path);
			if (a == null) {
				files.add(new FileChange(path, "added", unified(path, "", b)));
			}
			else if (b == null) {
				files.add(new FileChange(path, "removed", unified(path, a.content(), null)));
			}
			else if (!Objects.equals(a.content(), b.content()) || !Objects.equals(a.encoding(), b.encoding())) {
				files.add(new FileChange(path, "changed", unified(path, a.content(), b)));
			}
		}
		return new Diff(config, files);
	}

	private static void compare(String path, JsonNode a, JsonNode b, List<JsonChange> out) {
		if (a != null && b != null && a.isObject() && b.isObject()) {
			TreeSet<String> keys = new TreeSet<>(a.propertyNames());
			keys.addAll(b.propertyNames());
			for (String key : keys) {
				compare(path.isEmpty() ? key : path + "." + key, a.get(key), b.get(key), out);
			}
			return;
		}
		if (a == null) {
			out.add(new JsonChange(path, "added", null, b));
		}
		else if (b == null) {
			out.add(new JsonChange(path, "removed", a, null));
		}
		else if (!a.equals(b)) {
			out.add(new JsonChange(path, "changed", a, b));
		}
	}

	private static String unified(String path, String before, Bundle.BundleFile after) {
		boolean binary = after != null && "base64".equals(after.encoding());
		if (binary) {
			return "Binary file " + path + " differs";
		}
		List<String> original = lines(before);
		List<String> revised = lines((after != null) ? after.content() : "");
		Patch<String> patch = DiffUtils.diff(original, revised);
		return String.join("\n", UnifiedDiffUtils.generateUnifiedDiff("a/" + path, "b/" + path, original, patch, 3));
	}

	private static List<String> lines(String text) {
		return (text == null || text.isEmpty()) ? List.of() : Arrays.asList(text.split("\n", -1));
	}

	private static Map<String, Bundle.BundleFile> byPath(Bundle bundle) {
		Map<String, Bundle.BundleFile> map = new TreeMap<>();
		bundle.files().forEach((file) -> map.put(file.path(), file));
		return map;
	}

	/**
	 * A diff.
	 *
	 * @param openclaw changes to openclaw.json
	 * @param files changes to files
	 */
	record Diff(List<JsonChange> openclaw, List<FileChange> files) {
	}

	/**
	 * One change to openclaw.json.
	 *
	 * @param path dotted path
	 * @param change {@code added}, {@code removed} or {@code changed}
	 * @param from value before
	 * @param to value after
	 */
	record JsonChange(String path, String change, JsonNode from, JsonNode to) {
	}

	/**
	 * One change to a file.
	 *
	 * @param path file path
	 * @param change {@code added}, {@code removed} or {@code changed}
	 * @param diff unified diff
	 */
	record FileChange(String path, String change, String diff) {
	}

}
