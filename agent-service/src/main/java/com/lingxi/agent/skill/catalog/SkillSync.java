package com.lingxi.agent.skill.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import com.lingxi.agent.skill.bundle.InvalidBundleException;
import com.lingxi.agent.skill.store.SkillStore;

/**
 * Mirrors a {@link SkillSource} into the catalog: each listed skill whose version (or,
 * for bundled skills, content) differs from the stored one is fetched, validated and
 * stored with its files in one transaction. A skill that fails validation or cannot be
 * fetched is reported and skipped; the others carry on. An id already used by a skill of
 * another source is left alone (bundled skills win over a registry's skill of the same
 * name). Skills that disappear from a source stay in the catalog, because agents may have
 * them installed.
 */
public final class SkillSync {

	private static final Logger log = LoggerFactory.getLogger(SkillSync.class);

	private final SkillStore store;

	public SkillSync(SkillStore store) {
		this.store = store;
	}

	/**
	 * The outcome of one run.
	 *
	 * @param source the source's origin
	 * @param listed skills the source listed
	 * @param added new skills stored
	 * @param updated skills replaced by a new version
	 * @param unchanged skills already up to date
	 * @param rejected skills not accepted, with the reason
	 * @param finishedAt end of the run
	 */
	public record Report(String source, int listed, int added, int updated, int unchanged, List<Rejection> rejected,
			Instant finishedAt) {

	}

	/**
	 * A skill that was not accepted.
	 *
	 * @param skillId the id the source used
	 * @param reason why
	 */
	public record Rejection(String skillId, String reason) {

	}

	public Mono<Report> sync(SkillSource source) {
		AtomicInteger listed = new AtomicInteger();
		AtomicInteger added = new AtomicInteger();
		AtomicInteger updated = new AtomicInteger();
		AtomicInteger unchanged = new AtomicInteger();
		List<Rejection> rejected = Collections.synchronizedList(new ArrayList<>());
		return source.listings()
			.doOnNext((listing) -> listed.incrementAndGet())
			.concatMap((listing) -> syncOne(source, listing).doOnNext((outcome) -> {
				switch (outcome) {
					case ADDED -> added.incrementAndGet();
					case UPDATED -> updated.incrementAndGet();
					case UNCHANGED -> unchanged.incrementAndGet();
				}
			}).onErrorResume((ex) -> {
				rejected.add(new Rejection(listing.id(), reason(ex)));
				log.warn("Skill {} from {} not accepted: {}", listing.id(), source.origin(), reason(ex));
				return Mono.empty();
			}))
			.then(Mono.fromCallable(() -> new Report(source.origin(), listed.get(), added.get(), updated.get(),
					unchanged.get(), List.copyOf(rejected), Instant.now())))
			.doOnNext((report) -> log.info(
					"Skill sync from {}: {} listed, {} added, {} updated, {} unchanged, {} rejected", report.source(),
					report.listed(), report.added(), report.updated(), report.unchanged(), report.rejected().size()));
	}

	private enum Outcome {

		ADDED, UPDATED, UNCHANGED

	}

	private Mono<Outcome> syncOne(SkillSource source, SkillListing listing) {
		return this.store.version(listing.id())
			.map(java.util.Optional::of)
			.defaultIfEmpty(java.util.Optional.empty())
			.flatMap((stored) -> {
				if (stored.isPresent() && !stored.get().source().equals(source.kind())) {
					return Mono.error(new InvalidBundleException(
							"the id '" + listing.id() + "' belongs to a " + stored.get().source() + " skill"));
				}
				boolean sameVersion = stored.isPresent() && stored.get().version().equals(listing.version());
				if (sameVersion && !"bundled".equals(source.kind())) {
					return Mono.just(Outcome.UNCHANGED);
				}
				return source.fetch(listing).flatMap((pkg) -> {
					if (stored.isPresent() && stored.get().hash().equals(pkg.hash())
							&& stored.get().version().equals(pkg.metadata().version())) {
						return Mono.just(Outcome.UNCHANGED);
					}
					return this.store
						.upsert(pkg, source.kind(), "bundled".equals(source.kind()) ? null : source.origin())
						.flatMap((written) -> written ? Mono.just(stored.isPresent() ? Outcome.UPDATED : Outcome.ADDED)
								: Mono.error(new InvalidBundleException(
										"the id '" + listing.id() + "' belongs to a skill of another source")));
				});
			});
	}

	private static String reason(Throwable ex) {
		if (ex instanceof InvalidBundleException) {
			return ex.getMessage();
		}
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

}
