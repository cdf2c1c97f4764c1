package com.lingxi.agent.skill.catalog;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where catalog skills come from: the bundle shipped with the service, or a
 * ClawHub-compatible registry. {@link SkillSync} mirrors any source into the catalog the
 * same way.
 */
public interface SkillSource {

	/** Stored with each skill: {@code bundled} or {@code registry}. */
	String kind();

	/** For logs and the catalog: {@code classpath:...} or the registry's base URL. */
	String origin();

	/** Everything the source offers (possibly capped by the source's settings). */
	Flux<SkillListing> listings();

	/**
	 * The validated package for a listing; errors with
	 * {@link com.lingxi.agent.skill.bundle.InvalidBundleException} when the bundle must
	 * not be accepted.
	 */
	Mono<SkillPackage> fetch(SkillListing listing);

}
