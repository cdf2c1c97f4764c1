package com.lingxi.agent.skill.catalog;

/**
 * One skill a source offers, as cheap to list as possible.
 *
 * @param id slug
 * @param version the version the source would deliver
 */
public record SkillListing(String id, String version) {

}
