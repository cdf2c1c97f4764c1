package com.lingxi.agent.skill.store;

import java.time.Instant;
import java.util.List;

/**
 * A skill of the catalog as the marketplace shows it.
 *
 * @param id skill id (slug)
 * @param source {@code bundled} or {@code registry}
 * @param registry registry base URL for mirrored skills
 * @param name display name
 * @param nameZh Chinese display name
 * @param description description
 * @param descriptionZh Chinese description
 * @param tags tags
 * @param version version
 * @param author author
 * @param downloads downloads reported by the source plus installs on this platform
 * @param bundleSize bytes of the bundle
 * @param updatedAt when this version entered the catalog
 */
public record SkillEntry(String id, String source, String registry, String name, String nameZh, String description,
		String descriptionZh, List<String> tags, String version, String author, long downloads, int bundleSize,
		Instant updatedAt) {

}
