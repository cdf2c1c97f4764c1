package com.lingxi.config.render;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A rendered configuration: the {@code openclaw.json} document and the files to place in
 * the instance's state directory (workspace files per agent, skill folders). Paths are
 * relative to the state directory ({@code ~/.openclaw}). Holds no secrets: keys and
 * tokens are {@code ${VAR}} references the instance resolves from its environment.
 *
 * @param openclaw the openclaw.json document
 * @param files the files, any order
 */
public record Bundle(ObjectNode openclaw, List<BundleFile> files) {

	/**
	 * One file of the bundle.
	 *
	 * @param path relative path inside the state directory
	 * @param content text, or Base64 for binary files
	 * @param encoding {@code utf-8} or {@code base64}
	 */
	public record BundleFile(String path, String content, String encoding) {
	}

	/**
	 * The canonical form: object keys sorted at every level, files sorted by path.
	 * Identical bundles give identical bytes whatever order they were built in.
	 */
	public ObjectNode canonical() {
		ObjectNode root = JsonNodeFactory.instance.objectNode();
		ArrayNode fileNodes = root.putArray("files");
		this.files.stream().sorted(Comparator.comparing(BundleFile::path)).forEach((file) -> {
			ObjectNode node = fileNodes.addObject();
			node.put("content", file.content());
			node.put("encoding", file.encoding());
			node.put("path", file.path());
		});
		root.set("openclaw", sorted(this.openclaw));
		return (ObjectNode) sorted(root);
	}

	/** The bytes the version's hash is computed over. */
	public byte[] canonicalBytes(JsonMapper json) {
		return json.writeValueAsBytes(canonical());
	}

	/** SHA-256 of the canonical bytes, hex. */
	public String sha256(JsonMapper json) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonicalBytes(json)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The openclaw.json document as the instance writes it (canonical, pretty). */
	public String openclawJson(JsonMapper json) {
		return json.writerWithDefaultPrettyPrinter().writeValueAsString(sorted(this.openclaw));
	}

	/** Reads a bundle back from its canonical JSON form. */
	public static Bundle fromCanonical(JsonNode node) {
		List<BundleFile> files = new ArrayList<>();
		for (JsonNode file : node.path("files")) {
			files.add(new BundleFile(file.path("path").asString(), file.path("content").asString(),
					file.path("encoding").asString("utf-8")));
		}
		return new Bundle((ObjectNode) node.path("openclaw"), files);
	}

	static JsonNode sorted(JsonNode node) {
		if (node.isObject()) {
			Map<String, JsonNode> fields = new TreeMap<>();
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				fields.put(field.getKey(), sorted(field.getValue()));
			}
			ObjectNode out = JsonNodeFactory.instance.objectNode();
			fields.forEach(out::set);
			return out;
		}
		if (node.isArray()) {
			ArrayNode out = JsonNodeFactory.instance.arrayNode();
			node.forEach((item) -> out.add(sorted(item)));
			return out;
		}
		return node;
	}

}
