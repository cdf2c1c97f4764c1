package com.lingxi.agent.skill;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds zip archives for tests, including ones no honest tool would make (symlinks,
 * traversal paths). {@link ZipOutputStream} cannot set Unix modes, so they are patched
 * into the central directory afterwards, the way Info-ZIP stores them.
 */
public final class Zips {

	private final Map<String, byte[]> files = new LinkedHashMap<>();

	private final Map<String, Integer> modes = new LinkedHashMap<>();

	public static Zips create() {
		return new Zips();
	}

	/** A valid SKILL.md for {@code name}. */
	public static String skillMd(String name, String description) {
		return "---\nname: " + name + "\ndescription: " + description + "\n---\n\n# " + name + "\n\nUse it well.\n";
	}

	public Zips file(String path, String content) {
		return file(path, content.getBytes(StandardCharsets.UTF_8), 0100644);
	}

	public Zips file(String path, byte[] content, int mode) {
		this.files.put(path, content);
		this.modes.put(path, mode);
		return this;
	}

	/** A symbolic link entry pointing at {@code target}. */
	public Zips symlink(String path, String target) {
		return file(path, target.getBytes(StandardCharsets.UTF_8), 0120777);
	}

	public byte[] bytes() {
		byte[] zip;
		try (ByteArrayOutputStream out = new ByteArrayOutputStream();
				ZipOutputStream stream = new ZipOutputStream(out)) {
			for (Map.Entry<String, byte[]> file : this.files.entrySet()) {
				stream.putNextEntry(new ZipEntry(file.getKey()));
				stream.write(file.getValue());
				stream.closeEntry();
			}
			stream.finish();
			zip = out.toByteArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		ByteBuffer buffer = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
		int eocd = zip.length - 22;
		while (buffer.getInt(eocd) != 0x06054b50) {
			eocd--;
		}
		int position = buffer.getInt(eocd + 16);
		int count = Short.toUnsignedInt(buffer.getShort(eocd + 10));
		for (int i = 0; i < count; i++) {
			int nameLength = Short.toUnsignedInt(buffer.getShort(position + 28));
			int extraLength = Short.toUnsignedInt(buffer.getShort(position + 30));
			int commentLength = Short.toUnsignedInt(buffer.getShort(position + 32));
			String name = new String(zip, position + 46, nameLength, StandardCharsets.UTF_8);
			Integer mode = this.modes.get(name);
			if (mode != null) {
				buffer.putShort(position + 4, (short) ((3 << 8) | 20));
				buffer.putInt(position + 38, mode << 16);
			}
			position += 46 + nameLength + extraLength + commentLength;
		}
		return zip;
	}

}
