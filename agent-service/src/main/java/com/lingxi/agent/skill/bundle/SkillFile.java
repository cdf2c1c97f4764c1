package com.lingxi.agent.skill.bundle;

import java.nio.charset.StandardCharsets;

/**
 * One file of a skill bundle.
 *
 * @param path relative path inside the skill folder, '/'-separated
 * @param content exact bytes
 * @param executable whether the file should be installed executable (scripts)
 */
public record SkillFile(String path, byte[] content, boolean executable) {

	/** The file that defines a skill. */
	public static final String SKILL_MD = "SKILL.md";

	public String text() {
		return new String(this.content, StandardCharsets.UTF_8);
	}

	/** Whether it travels as UTF-8 text (Markdown) rather than Base64. */
	public boolean isText() {
		return this.path.endsWith(".md");
	}

}
