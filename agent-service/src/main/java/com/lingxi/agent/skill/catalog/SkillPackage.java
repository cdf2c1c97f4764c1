package com.lingxi.agent.skill.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import com.lingxi.agent.skill.bundle.SkillFile;

/**
 * A skill ready to enter the catalog: its metadata and its validated files.
 *
 * @param metadata marketplace metadata
 * @param files the bundle, SKILL.md first
 */
public record SkillPackage(SkillMetadata metadata, List<SkillFile> files) {

	public SkillPackage {
		files = files.stream()
			.sorted(Comparator.comparing((SkillFile file) -> !file.path().equals(SkillFile.SKILL_MD))
				.thenComparing(SkillFile::path))
			.toList();
	}

	/** SHA-256 over paths, modes and contents: equal bundles have equal hashes. */
	public String hash() {
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			for (SkillFile file : this.files) {
				digest.update(file.path().getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
				digest.update((byte) (file.executable() ? 1 : 0));
				digest.update(Integer.toString(file.content().length).getBytes(StandardCharsets.UTF_8));
				digest.update((byte) 0);
				digest.update(file.content());
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public int size() {
		return this.files.stream().mapToInt((file) -> file.content().length).sum();
	}

}
