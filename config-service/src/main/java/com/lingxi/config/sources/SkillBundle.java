package com.lingxi.config.sources;

import java.util.List;

/**
 * A skill's files as agent-service serves them ({@code GET /internal/skills/{id}}).
 *
 * @param skillId the skill
 * @param version its version
 * @param files the files of its folder
 */
public record SkillBundle(String skillId, String version, List<SkillFile> files) {

	/**
	 * One file.
	 *
	 * @param path path inside the skill folder
	 * @param content text, or Base64 when {@code encoding} says so
	 * @param encoding {@code utf-8} or {@code base64}
	 */
	public record SkillFile(String path, String content, String encoding) {
	}

}
