package com.lingxi.agent.skill;

import java.time.Instant;
import java.util.List;

import com.lingxi.agent.skill.store.SkillEntry;

/**
 * A marketplace entry in ClawHub's registry model, with Chinese texts where the skill has
 * them.
 *
 * @param id skill id
 * @param slug the same id, under ClawHub's name for it
 * @param name display name
 * @param nameZh Chinese display name (null for most registry skills)
 * @param description description
 * @param descriptionZh Chinese description
 * @param tags tags
 * @param version version
 * @param author author
 * @param downloads downloads (source's count plus installs here)
 * @param source {@code bundled} or {@code registry}
 * @param updatedAt when this version entered the catalog
 */
public record SkillView(String id, String slug, String name, String nameZh, String description, String descriptionZh,
		List<String> tags, String version, String author, long downloads, String source, Instant updatedAt) {

	public static SkillView of(SkillEntry entry) {
		return new SkillView(entry.id(), entry.id(), entry.name(), entry.nameZh(), entry.description(),
				entry.descriptionZh(), entry.tags(), entry.version(), entry.author(), entry.downloads(), entry.source(),
				entry.updatedAt());
	}

}
