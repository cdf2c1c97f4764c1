package com.lingxi.agent.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import org.springframework.core.io.Resource;

/**
 * A typed view of parsed YAML (safe constructor only: maps, lists, scalars) whose
 * accessors fail with a {@link DataFileException} that names the file and the path of the
 * bad value.
 */
public final class YamlNode {

	private final String file;

	private final String path;

	private final Object value;

	private YamlNode(String file, String path, Object value) {
		this.file = file;
		this.path = path;
		this.value = value;
	}

	/** Parses a YAML resource (blocking: start-up only). */
	public static YamlNode load(Resource resource, String name) {
		if (!resource.exists()) {
			throw new DataFileException(name + ": file not found");
		}
		try (InputStream in = resource.getInputStream()) {
			return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
		}
		catch (IOException ex) {
			throw new DataFileException(name + ": cannot be read", ex);
		}
	}

	/** Parses YAML text; untrusted input is fine (no types, bounded aliases and size). */
	public static YamlNode parse(String text, String name) {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false);
		options.setMaxAliasesForCollections(10);
		options.setNestingDepthLimit(20);
		options.setCodePointLimit(2 * 1024 * 1024);
		try {
			return new YamlNode(name, "", new Yaml(new SafeConstructor(options)).load(text));
		}
		catch (YAMLException ex) {
			throw new DataFileException(name + ": not valid YAML: " + firstLine(ex.getMessage()), ex);
		}
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	public String file() {
		return this.file;
	}

	public String path() {
		return this.path.isEmpty() ? "(root)" : this.path;
	}

	public boolean isMissing() {
		return this.value == null;
	}

	public boolean isMap() {
		return this.value instanceof Map;
	}

	public Object raw() {
		return this.value;
	}

	/** A member of a map (missing if absent). */
	public YamlNode get(String key) {
		Map<String, Object> map = map();
		return new YamlNode(this.file, this.path.isEmpty() ? key : this.path + "." + key, map.get(key));
	}

	/** The members of a map, in file order. */
	public Map<String, YamlNode> entries() {
		Map<String, YamlNode> result = new LinkedHashMap<>();
		map().forEach((key, member) -> result.put(key,
				new YamlNode(this.file, this.path.isEmpty() ? key : this.path + "." + key, member)));
		return result;
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> map() {
		if (!(this.value instanceof Map<?, ?> map)) {
			throw fail("must be a mapping");
		}
		for (Object key : map.keySet()) {
			if (!(key instanceof String)) {
				throw fail("has a key that is not a string: " + key);
			}
		}
		return (Map<String, Object>) map;
	}

	/** The elements of a list; a missing value is an empty list. */
	public List<YamlNode> list() {
		if (this.value == null) {
			return List.of();
		}
		if (!(this.value instanceof List<?> list)) {
			throw fail("must be a list");
		}
		List<YamlNode> result = new ArrayList<>(list.size());
		for (int i = 0; i < list.size(); i++) {
			result.add(new YamlNode(this.file, this.path + "[" + i + "]", list.get(i)));
		}
		return result;
	}

	/** A required non-blank string (numbers are accepted and rendered as text). */
	public String text() {
		String text = optionalText();
		if (text == null) {
			throw fail("is required");
		}
		return text;
	}

	/** A string, or null when missing; blank is an error. */
	public String optionalText() {
		if (this.value == null) {
			return null;
		}
		if (!(this.value instanceof String) && !(this.value instanceof Number)) {
			throw fail("must be a string");
		}
		String text = String.valueOf(this.value).strip();
		if (text.isEmpty()) {
			throw fail("must not be blank");
		}
		return text;
	}

	public List<String> texts() {
		return list().stream().map(YamlNode::text).toList();
	}

	public double number(double min, double max) {
		if (!(this.value instanceof Number number)) {
			throw fail("must be a number");
		}
		double result = number.doubleValue();
		if (Double.isNaN(result) || result < min || result > max) {
			throw fail("must be between " + min + " and " + max + " (is " + result + ")");
		}
		return result;
	}

	public double number(double min, double max, double fallback) {
		return (this.value == null) ? fallback : number(min, max);
	}

	public DataFileException fail(String message) {
		return new DataFileException(this.file + ": " + path() + " " + message);
	}

}
