package com.lingxi.agent.skill.bundle;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Size limits every skill bundle must respect, bundled or downloaded.
 *
 * @param maxArchiveBytes largest zip accepted from a registry
 * @param maxFiles most files in one skill
 * @param maxFileBytes largest single file (uncompressed)
 * @param maxTotalBytes largest skill (all files, uncompressed)
 * @param maxPathLength longest relative file path
 * @param maxDepth most directory levels below the skill folder
 * @param maxDescriptionLength longest front matter description, in characters
 */
public record BundleLimits(@DefaultValue("4194304") int maxArchiveBytes, @DefaultValue("64") int maxFiles,
		@DefaultValue("524288") int maxFileBytes, @DefaultValue("2097152") int maxTotalBytes,
		@DefaultValue("160") int maxPathLength, @DefaultValue("6") int maxDepth,
		@DefaultValue("1024") int maxDescriptionLength) {

	public static BundleLimits defaults() {
		return new BundleLimits(4194304, 64, 524288, 2097152, 160, 6, 1024);
	}

}
