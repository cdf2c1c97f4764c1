package com.lingxi.agent.skill;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import com.lingxi.agent.skill.bundle.BundleLimits;

/**
 * The skill marketplace.
 *
 * @param bundledLocation folder of the skills shipped with the service
 * @param bundle size limits for every skill bundle, bundled or downloaded
 * @param defaultPageSize results per page when the caller gives no size
 * @param maxPageSize largest page a caller may ask for
 * @param maxQueryLength longest search query, in characters
 * @param minRelevance share of the query's terms a skill must contain to match
 * @param registry the ClawHub-compatible registry mirrored into the catalog
 */
@ConfigurationProperties(prefix = "lingxi.skills")
public record SkillsProperties(@DefaultValue("classpath:bundled-skills/") String bundledLocation,
		@DefaultValue BundleLimits bundle, @DefaultValue("20") int defaultPageSize, @DefaultValue("50") int maxPageSize,
		@DefaultValue("100") int maxQueryLength, @DefaultValue("0.5") double minRelevance,
		@DefaultValue Registry registry) {

	/**
	 * A ClawHub-compatible registry ({@code /api/v1/skills}, {@code /api/v1/search},
	 * {@code /api/v1/skills/{slug}}, {@code /api/v1/download}).
	 *
	 * @param enabled whether the sync job runs (off by default: no internet on a laptop)
	 * @param baseUrl the registry
	 * @param token bearer token, if the registry wants one
	 * @param syncInterval time between two mirror runs
	 * @param initialDelay time from start-up to the first run
	 * @param maxSkills most skills mirrored per run
	 * @param pageSize skills asked for per list or search request
	 * @param syncQueries mirror the results of these searches instead of the full list
	 * @param timeout per-request timeout
	 */
	public record Registry(@DefaultValue("false") boolean enabled, @DefaultValue("https://clawhub.ai") URI baseUrl,
			String token, @DefaultValue("6h") Duration syncInterval, @DefaultValue("1m") Duration initialDelay,
			@DefaultValue("500") int maxSkills, @DefaultValue("50") int pageSize, List<String> syncQueries,
			@DefaultValue("20s") Duration timeout) {

		public Registry {
			syncQueries = (syncQueries != null) ? List.copyOf(syncQueries) : List.of();
		}

	}

}
