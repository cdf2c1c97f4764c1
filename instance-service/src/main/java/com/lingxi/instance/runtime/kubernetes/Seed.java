package com.lingxi.instance.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.util.unit.DataSize;

import com.lingxi.instance.runtime.GatewayFile;

/**
 * The files a gateway needs before its first start (openclaw.json, workspaces, skills),
 * as the seed Secret carries them: one {@code files.json} document ({@code [{path,
 * content, encoding}]}, in the order given, openclaw.json last) and its SHA-256. The seed
 * step of the pod copies them to the state volume once per hash.
 *
 * @param json the {@code files.json} document
 * @param sha256 its hash (hex)
 */
record Seed(byte[] json, String sha256) {

	/** Key of the document in the seed Secret. */
	static final String FILES_KEY = "files.json";

	/** Key of the hash in the seed Secret. */
	static final String SHA_KEY = "sha256";

	private static final JsonMapper JSON = JsonMapper.builder().build();

	static Seed of(List<GatewayFile> files, DataSize limit) {
		ArrayNode array = JsonNodeFactory.instance.arrayNode();
		for (GatewayFile file : files) {
			ObjectNode node = array.addObject();
			node.put("path", file.path());
			node.put("content", file.content());
			node.put("encoding", ("base64".equals(file.encoding())) ? "base64" : "utf-8");
		}
		byte[] json = JSON.writeValueAsBytes(array);
		if (json.length > limit.toBytes()) {
			throw new IllegalArgumentException("The initial files of the gateway are " + json.length
					+ " bytes, more than the seed limit of " + limit.toBytes() + " bytes");
		}
		return new Seed(json, sha256(json));
	}

	private static String sha256(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	String text() {
		return new String(this.json, StandardCharsets.UTF_8);
	}

}
