package com.lingxi.agent.skill.bundle;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

import com.lingxi.agent.support.DataFileException;
import com.lingxi.agent.support.YamlNode;

/**
 * Decides whether a skill bundle may enter the catalog: a zip from a registry or a folder
 * shipped with the service. A bundle is accepted only if
 * <ul>
 * <li>every entry is a regular file or a directory (no symlinks, devices or FIFOs, judged
 * from the zip's central directory, which {@link ZipInputStream} does not expose);</li>
 * <li>every path is relative, '/'-separated, made of plain ASCII names, without
 * {@code .}/{@code ..} segments, and the central directory and the local entries agree on
 * the set of names;</li>
 * <li>file count, each file and the whole bundle stay within {@link BundleLimits},
 * measured on the bytes actually inflated (declared sizes are not trusted);</li>
 * <li>{@code SKILL.md} sits at the root with YAML front matter whose {@code name} equals
 * the skill id and whose {@code description} is a non-blank line.</li>
 * </ul>
 */
public final class BundleValidator {

	/** A skill id: what ClawHub calls a slug and OpenClaw a skill name. */
	public static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9-]{0,63}$");

	private static final Pattern SEGMENT = Pattern.compile("^[A-Za-z0-9_@+][A-Za-z0-9._@+-]*$");

	private static final int EOCD_SIGNATURE = 0x06054b50;

	private static final int CENTRAL_SIGNATURE = 0x02014b50;

	private static final int UNIX_TYPE_MASK = 0170000;

	private static final int UNIX_REGULAR = 0100000;

	private static final int UNIX_DIRECTORY = 0040000;

	private final BundleLimits limits;

	public BundleValidator(BundleLimits limits) {
		this.limits = limits;
	}

	public BundleLimits limits() {
		return this.limits;
	}

	/**
	 * Checks a complete set of files and reads the manifest.
	 * @throws InvalidBundleException if anything is wrong
	 */
	public SkillManifest validate(String slug, List<SkillFile> files) {
		if (slug == null || !SLUG.matcher(slug).matches()) {
			throw new InvalidBundleException("The skill id '" + slug
					+ "' is not valid: lowercase letters, digits and hyphens, at most 64 characters.");
		}
		if (files.isEmpty()) {
			throw new InvalidBundleException("The bundle is empty.");
		}
		if (files.size() > this.limits.maxFiles()) {
			throw new InvalidBundleException(
					"The bundle has " + files.size() + " files; at most " + this.limits.maxFiles() + " are allowed.");
		}
		long total = 0;
		Set<String> seen = new HashSet<>();
		Set<String> directories = new HashSet<>();
		SkillFile skillMd = null;
		for (SkillFile file : files) {
			checkPath(file.path());
			if (!seen.add(file.path().toLowerCase(Locale.ROOT))) {
				throw new InvalidBundleException("The bundle has two files named '" + file.path() + "'.");
			}
			String[] segments = file.path().split("/");
			StringBuilder prefix = new StringBuilder();
			for (int i = 0; i < segments.length - 1; i++) {
				prefix.append((i == 0) ? "" : "/").append(segments[i]);
				directories.add(prefix.toString().toLowerCase(Locale.ROOT));
			}
			if (file.content().length > this.limits.maxFileBytes()) {
				throw new InvalidBundleException(
						"'" + file.path() + "' is larger than " + this.limits.maxFileBytes() + " bytes.");
			}
			total += file.content().length;
			if (SkillFile.SKILL_MD.equals(file.path())) {
				skillMd = file;
			}
		}
		for (String directory : directories) {
			if (seen.contains(directory)) {
				throw new InvalidBundleException("'" + directory + "' is both a file and a folder.");
			}
		}
		if (total > this.limits.maxTotalBytes()) {
			throw new InvalidBundleException(
					"The bundle holds " + total + " bytes; at most " + this.limits.maxTotalBytes() + " are allowed.");
		}
		if (skillMd == null) {
			throw new InvalidBundleException("The bundle has no SKILL.md at its root.");
		}
		SkillManifest manifest = readManifest(skillMd.content());
		if (!slug.equals(manifest.name())) {
			throw new InvalidBundleException("SKILL.md names the skill '" + manifest.name() + "' but its id is '" + slug
					+ "': OpenClaw matches agent skill lists on the name, so they must be equal.");
		}
		return manifest;
	}

	/** Reads the front matter of a SKILL.md. */
	public SkillManifest readManifest(byte[] skillMd) {
		String text = strictUtf8(skillMd, SkillFile.SKILL_MD);
		if (text.startsWith("\uFEFF")) {
			text = text.substring(1);
		}
		text = text.replace("\r\n", "\n");
		if (!text.startsWith("---\n")) {
			throw new InvalidBundleException("SKILL.md must start with YAML front matter between '---' lines.");
		}
		int end = text.indexOf("\n---", 3);
		if (end < 0) {
			throw new InvalidBundleException("SKILL.md front matter is not closed with a '---' line.");
		}
		int lineEnd = text.indexOf('\n', end + 4);
		String closing = text.substring(end + 1, (lineEnd < 0) ? text.length() : lineEnd);
		if (!closing.strip().equals("---")) {
			throw new InvalidBundleException("SKILL.md front matter is not closed with a '---' line.");
		}
		String yaml = text.substring(4, end + 1);
		YamlNode front;
		try {
			front = YamlNode.parse(yaml, "SKILL.md");
		}
		catch (DataFileException ex) {
			throw new InvalidBundleException("SKILL.md front matter is not valid YAML.");
		}
		if (front.isMissing() || !front.isMap()) {
			throw new InvalidBundleException("SKILL.md front matter must be a YAML mapping.");
		}
		Object name = front.get("name").raw();
		Object description = front.get("description").raw();
		if (!(name instanceof String nameText) || nameText.isBlank()) {
			throw new InvalidBundleException("SKILL.md front matter needs a 'name'.");
		}
		if (!(description instanceof String descriptionText) || descriptionText.isBlank()) {
			throw new InvalidBundleException("SKILL.md front matter needs a 'description'.");
		}
		String oneLine = descriptionText.strip();
		if (oneLine.codePointCount(0, oneLine.length()) > this.limits.maxDescriptionLength()) {
			throw new InvalidBundleException(
					"SKILL.md description is longer than " + this.limits.maxDescriptionLength() + " characters.");
		}
		return new SkillManifest(nameText.strip(), oneLine);
	}

	/**
	 * Unpacks a zip archive into the files of one skill, checking it on the way. A bundle
	 * whose files all sit in one top-level folder (and not at the root) has that folder
	 * removed.
	 */
	public List<SkillFile> unzip(String slug, byte[] archive) {
		if (archive.length > this.limits.maxArchiveBytes()) {
			throw new InvalidBundleException("The archive is larger than " + this.limits.maxArchiveBytes() + " bytes.");
		}
		Map<String, CentralEntry> central = centralDirectory(archive);
		Map<String, byte[]> contents = new LinkedHashMap<>();
		Set<String> localNames = new HashSet<>();
		long total = 0;
		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive), StandardCharsets.UTF_8)) {
			ZipEntry entry;
			while ((entry = zip.getNextEntry()) != null) {
				String name = entry.getName();
				if (!localNames.add(name)) {
					throw new InvalidBundleException("The archive lists '" + name + "' twice.");
				}
				CentralEntry described = central.get(name);
				if (described == null) {
					throw new InvalidBundleException("The archive's entries and its directory disagree.");
				}
				if (described.directory()) {
					continue;
				}
				byte[] bytes = readLimited(zip, name, this.limits.maxFileBytes());
				total += bytes.length;
				if (total > this.limits.maxTotalBytes()) {
					throw new InvalidBundleException(
							"The archive unpacks to more than " + this.limits.maxTotalBytes() + " bytes.");
				}
				contents.put(name, bytes);
			}
		}
		catch (ZipException ex) {
			throw new InvalidBundleException("The archive is not a valid zip file.");
		}
		catch (IOException ex) {
			throw new InvalidBundleException("The archive cannot be read.");
		}
		if (!localNames.equals(central.keySet())) {
			throw new InvalidBundleException("The archive's entries and its directory disagree.");
		}
		String strip = commonRoot(contents.keySet());
		List<SkillFile> files = new ArrayList<>();
		contents.forEach((name, bytes) -> files
			.add(new SkillFile(name.substring(strip.length()), bytes, central.get(name).executable())));
		validate(slug, files);
		return files;
	}

	private static byte[] readLimited(InputStream in, String name, int max) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buffer = new byte[8192];
		int read;
		while ((read = in.read(buffer)) > 0) {
			if (out.size() + read > max) {
				throw new InvalidBundleException("'" + name + "' is larger than " + max + " bytes.");
			}
			out.write(buffer, 0, read);
		}
		return out.toByteArray();
	}

	/** "folder/" when every file is under one folder and there is no root SKILL.md. */
	private static String commonRoot(Set<String> names) {
		if (names.isEmpty() || names.contains(SkillFile.SKILL_MD)) {
			return "";
		}
		String first = null;
		for (String name : names) {
			int slash = name.indexOf('/');
			if (slash < 0) {
				return "";
			}
			String top = name.substring(0, slash + 1);
			if (first == null) {
				first = top;
			}
			else if (!first.equals(top)) {
				return "";
			}
		}
		return first;
	}

	private record CentralEntry(boolean directory, boolean executable) {

	}

	private Map<String, CentralEntry> centralDirectory(byte[] archive) {
		ByteBuffer zip = ByteBuffer.wrap(archive).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		int eocd = -1;
		for (int i = archive.length - 22; i >= Math.max(0, archive.length - 22 - 65535); i--) {
			if (zip.getInt(i) == EOCD_SIGNATURE) {
				eocd = i;
				break;
			}
		}
		if (eocd < 0) {
			throw new InvalidBundleException("The archive is not a valid zip file.");
		}
		int count = Short.toUnsignedInt(zip.getShort(eocd + 10));
		long size = Integer.toUnsignedLong(zip.getInt(eocd + 12));
		long offset = Integer.toUnsignedLong(zip.getInt(eocd + 16));
		if (count == 0xFFFF || size == 0xFFFFFFFFL || offset == 0xFFFFFFFFL) {
			throw new InvalidBundleException("ZIP64 archives are not accepted.");
		}
		if (offset + size > eocd || count > this.limits.maxFiles() * 4) {
			throw new InvalidBundleException("The archive's directory is not valid.");
		}
		Map<String, CentralEntry> entries = new HashMap<>();
		int position = (int) offset;
		for (int i = 0; i < count; i++) {
			if (position + 46 > eocd || zip.getInt(position) != CENTRAL_SIGNATURE) {
				throw new InvalidBundleException("The archive's directory is not valid.");
			}
			int madeBy = Short.toUnsignedInt(zip.getShort(position + 4)) >>> 8;
			int nameLength = Short.toUnsignedInt(zip.getShort(position + 28));
			int extraLength = Short.toUnsignedInt(zip.getShort(position + 30));
			int commentLength = Short.toUnsignedInt(zip.getShort(position + 32));
			long external = Integer.toUnsignedLong(zip.getInt(position + 38));
			if (position + 46 + nameLength > eocd) {
				throw new InvalidBundleException("The archive's directory is not valid.");
			}
			String name = new String(archive, position + 46, nameLength, StandardCharsets.ISO_8859_1);
			boolean directory = name.endsWith("/");
			checkPath(directory ? name.substring(0, name.length() - 1) : name);
			int mode = (madeBy == 3) ? (int) (external >>> 16) : 0;
			int type = mode & UNIX_TYPE_MASK;
			if (type != 0 && type != UNIX_REGULAR && !(directory && type == UNIX_DIRECTORY)) {
				throw new InvalidBundleException("'" + name + "' is not a regular file (symbolic links and special"
						+ " files are not accepted).");
			}
			if (entries.put(name, new CentralEntry(directory, (mode & 0111) != 0)) != null) {
				throw new InvalidBundleException("The archive lists '" + name + "' twice.");
			}
			position += 46 + nameLength + extraLength + commentLength;
		}
		return entries;
	}

	private void checkPath(String path) {
		if (path.isEmpty() || path.length() > this.limits.maxPathLength()) {
			throw new InvalidBundleException(
					"A file path is empty or longer than " + this.limits.maxPathLength() + " characters.");
		}
		if (path.startsWith("/") || path.contains("\\") || path.contains(":")) {
			throw new InvalidBundleException("'" + printable(path) + "' is not a relative path.");
		}
		String[] segments = path.split("/", -1);
		if (segments.length > this.limits.maxDepth() + 1) {
			throw new InvalidBundleException("'" + printable(path) + "' is nested too deeply.");
		}
		for (String segment : segments) {
			if (segment.equals("..") || segment.equals(".")) {
				throw new InvalidBundleException("'" + printable(path) + "' leaves the skill folder.");
			}
			if (!SEGMENT.matcher(segment).matches()) {
				throw new InvalidBundleException("'" + printable(path)
						+ "' has a name outside letters, digits and ._@+- (or an empty segment).");
			}
		}
	}

	private static String printable(String path) {
		StringBuilder out = new StringBuilder();
		path.codePoints()
			.limit(200)
			.forEach((cp) -> out.append((cp < 0x20 || cp == 0x7f) ? "?" : Character.toString(cp)));
		return out.toString();
	}

	private static String strictUtf8(byte[] bytes, String name) {
		try {
			CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes));
			return chars.toString();
		}
		catch (CharacterCodingException ex) {
			throw new InvalidBundleException(name + " is not valid UTF-8 text.");
		}
	}

}
