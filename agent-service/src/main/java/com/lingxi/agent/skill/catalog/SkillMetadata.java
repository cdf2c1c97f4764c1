package com.lingxi.agent.skill.catalog;

import java.util.List;

/**
 * What the marketplace shows about a skill (ClawHub's registry model plus Chinese texts).
 *
 * @param id slug, equal to the SKILL.md {@code name}
 * @param name display name
 * @param nameZh Chinese display name, null if the source has none
 * @param description one-line description
 * @param descriptionZh Chinese description, null if the source has none
 * @param tags topical tags, lower-case
 * @param version version of the bundle
 * @param author author or publisher handle
 * @param downloads downloads reported by the source
 */
public record SkillMetadata(String id, String name, String nameZh, String description, String descriptionZh,
		List<String> tags, String version, String author, long downloads) {

	/** The text search indexes: id words, names, descriptions and tags. */
	public String searchText() {
		StringBuilder text = new StringBuilder(this.id.replace('-', ' ')).append('\n').append(this.name).append('\n');
		if (this.nameZh != null) {
			text.append(this.nameZh).append('\n');
		}
		text.append(this.description).append('\n');
		if (this.descriptionZh != null) {
			text.append(this.descriptionZh).append('\n');
		}
		text.append(String.join(" ", this.tags));
		return text.toString();
	}

}
