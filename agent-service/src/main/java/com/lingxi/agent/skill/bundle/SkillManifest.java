package com.lingxi.agent.skill.bundle;

/**
 * What a SKILL.md front matter says about its skill.
 *
 * @param name the skill's name ({@code name:}); OpenClaw's agent allowlists match on it,
 * so it must equal the skill id
 * @param description one-line description ({@code description:})
 */
public record SkillManifest(String name, String description) {

}
