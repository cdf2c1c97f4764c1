package com.lingxi.agent.skill.registry;

import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import com.lingxi.agent.skill.SkillsProperties;
import com.lingxi.agent.skill.bundle.BundleValidator;
import com.lingxi.agent.skill.bundle.InvalidBundleException;
import com.lingxi.agent.skill.bundle.SkillManifest;
import com.lingxi.agent.skill.catalog.SkillListing;
import com.lingxi.agent.skill.catalog.SkillMetadata;
import com.lingxi.agent.skill.catalog.SkillPackage;
import com.lingxi.agent.skill.catalog.SkillSource;

/**
 * A ClawHub-compatible registry as a {@link SkillSource}: lists skills page by page (or
 * runs the configured searches), and for each skill reads its detail, downloads the zip
 * of the latest version and validates it (unzipping runs on {@code boundedElastic}).
 */
public final class RegistrySkills implements SkillSource {

	private final ClawHubClient client;

	private final SkillsProperties.Registry settings;

	private final BundleValidator validator;

	public RegistrySkills(ClawHubClient client, SkillsProperties.Registry settings, BundleValidator validator) {
		this.client = client;
		this.settings = settings;
		this.validator = validator;
	}

	@Override
	public String kind() {
		return "registry";
	}

	@Override
	public String origin() {
		return this.settings.baseUrl().toString();
	}

	@Override
	public Flux<SkillListing> listings() {
		Flux<ClawHubClient.Summary> summaries = this.settings.syncQueries().isEmpty() ? pages(null)
				: Flux.fromIterable(this.settings.syncQueries())
					.concatMap((query) -> this.client.search(query, this.settings.pageSize()))
					.flatMapIterable((results) -> results);
		return summaries.filter((summary) -> summary.slug() != null)
			.take(4L * this.settings.maxSkills())
			.collect(LinkedHashMap<String, SkillListing>::new,
					(map, summary) -> map.putIfAbsent(summary.slug(),
							new SkillListing(summary.slug(), summary.version())))
			.flatMapIterable(Map::values)
			.take(this.settings.maxSkills());
	}

	private Flux<ClawHubClient.Summary> pages(String cursor) {
		return this.client.list(cursor, this.settings.pageSize()).flatMapMany((page) -> {
			Flux<ClawHubClient.Summary> items = Flux.fromIterable(page.items());
			return (page.nextCursor() == null || page.items().isEmpty()) ? items
					: items.concatWith(Flux.defer(() -> pages(page.nextCursor())));
		});
	}

	@Override
	public Mono<SkillPackage> fetch(SkillListing listing) {
		if ("recommend".equals(listing.id())) {
			return Mono.error(new InvalidBundleException("'recommend' is reserved by the marketplace API."));
		}
		if (!BundleValidator.SLUG.matcher(listing.id()).matches()) {
			return Mono.error(new InvalidBundleException("'" + listing.id() + "' is not a valid skill id."));
		}
		return this.client.detail(listing.id())
			.switchIfEmpty(Mono.error(() -> new InvalidBundleException("The registry has no detail for it.")))
			.flatMap((detail) -> {
				String version = (detail.version() != null) ? detail.version() : listing.version();
				if (version == null) {
					return Mono.error(new InvalidBundleException("The registry names no version."));
				}
				return this.client.download(listing.id(), version).publishOn(Schedulers.boundedElastic()).map((zip) -> {
					var files = this.validator.unzip(listing.id(), zip);
					SkillManifest manifest = this.validator.readManifest(files.stream()
						.filter((file) -> file.path().equals("SKILL.md"))
						.findFirst()
						.orElseThrow()
						.content());
					String name = (detail.displayName() != null) ? detail.displayName() : listing.id();
					String description = (detail.summary() != null) ? detail.summary() : manifest.description();
					SkillMetadata metadata = new SkillMetadata(listing.id(), truncate(name, 120), null,
							truncate(description, 1024), null,
							detail.tags().stream().limit(20).map((tag) -> truncate(tag, 40)).toList(),
							truncate(version, 64), truncate(detail.author(), 120), Math.max(0, detail.downloads()));
					return new SkillPackage(metadata, files);
				});
			});
	}

	private static String truncate(String value, int max) {
		return (value.length() <= max) ? value : value.substring(0, max);
	}

}
