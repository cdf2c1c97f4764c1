package com.lingxi.agent.skill.registry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

import com.lingxi.agent.skill.SkillsProperties;
import com.lingxi.agent.skill.bundle.InvalidBundleException;

/**
 * A client for a ClawHub-compatible skill registry:
 * <ul>
 * <li>{@code GET /api/v1/skills?limit=&cursor=} → {@code {items: [...], nextCursor}}</li>
 * <li>{@code GET /api/v1/search?q=&limit=} → {@code {results: [{slug, displayName,
 * summary, version, score}]}}</li>
 * <li>{@code GET /api/v1/skills/{slug}} → {@code {skill: {slug, displayName, summary,
 * tags, stats}, latestVersion: {version}, owner: {handle, displayName}}}</li>
 * <li>{@code GET /api/v1/download?slug=&version=} → the bundle as a zip</li>
 * </ul>
 * Fields it does not know are ignored; ClawHub's {@code tags} object (version tags such
 * as {@code latest}) carries no topics, while a list of strings is taken as topical tags.
 */
public final class ClawHubClient {

	private final WebClient http;

	private final Duration timeout;

	private final int maxArchiveBytes;

	public ClawHubClient(WebClient.Builder builder, SkillsProperties.Registry registry, int maxArchiveBytes) {
		WebClient.Builder configured = builder.clone()
			.baseUrl(registry.baseUrl().toString())
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(maxArchiveBytes + 1))
			.defaultHeader(HttpHeaders.USER_AGENT, "lingxi-agent-service");
		if (registry.token() != null && !registry.token().isBlank()) {
			configured.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + registry.token());
		}
		this.http = configured.build();
		this.timeout = registry.timeout();
		this.maxArchiveBytes = maxArchiveBytes;
	}

	/**
	 * A skill as a listing or search result names it.
	 *
	 * @param slug skill id
	 * @param displayName display name
	 * @param summary description
	 * @param version latest version, null if the response did not say
	 */
	public record Summary(String slug, String displayName, String summary, String version) {

	}

	/**
	 * One page of the registry's skill list.
	 *
	 * @param items skills
	 * @param nextCursor cursor of the next page, null at the end
	 */
	public record Page(List<Summary> items, String nextCursor) {

	}

	/**
	 * A skill's detail.
	 *
	 * @param slug skill id
	 * @param displayName display name
	 * @param summary description
	 * @param tags topical tags
	 * @param version latest version
	 * @param author owner handle or name
	 * @param downloads downloads the registry reports
	 */
	public record Detail(String slug, String displayName, String summary, List<String> tags, String version,
			String author, long downloads) {

	}

	public Mono<Page> list(String cursor, int limit) {
		return json((uri) -> uri.path("/api/v1/skills")
			.queryParam("limit", limit)
			.queryParamIfPresent("cursor", java.util.Optional.ofNullable(cursor))
			.build()).map((body) -> {
				List<Summary> items = new ArrayList<>();
				for (JsonNode item : body.path("items")) {
					items.add(summary(item));
				}
				String next = text(body.path("nextCursor"));
				return new Page(items, next);
			});
	}

	public Mono<List<Summary>> search(String query, int limit) {
		return json((uri) -> uri.path("/api/v1/search").queryParam("q", query).queryParam("limit", limit).build())
			.map((body) -> {
				List<Summary> results = new ArrayList<>();
				for (JsonNode item : body.path("results")) {
					results.add(summary(item));
				}
				return results;
			});
	}

	/** The skill's detail, empty if the registry does not know it. */
	public Mono<Detail> detail(String slug) {
		return json((uri) -> uri.path("/api/v1/skills/{slug}").build(slug)).flatMap((body) -> {
			JsonNode skill = body.path("skill");
			if (!skill.isObject()) {
				return Mono.empty();
			}
			List<String> tags = new ArrayList<>();
			if (skill.path("tags").isArray()) {
				for (JsonNode tag : skill.path("tags")) {
					String value = text(tag);
					if (value != null) {
						tags.add(value.toLowerCase(Locale.ROOT));
					}
				}
			}
			String version = text(body.path("latestVersion").path("version"));
			if (version == null) {
				version = text(skill.path("version"));
			}
			JsonNode owner = body.path("owner");
			String author = (text(owner.path("handle")) != null) ? text(owner.path("handle"))
					: text(owner.path("displayName"));
			long downloads = skill.path("stats").path("downloads").asLong(0);
			return Mono.just(new Detail(text(skill.path("slug")), text(skill.path("displayName")),
					text(skill.path("summary")), tags, version, (author != null) ? author : "unknown", downloads));
		}).onErrorResume(WebClientResponseException.NotFound.class, (ex) -> Mono.empty());
	}

	/** The zip of one version; an archive above the size limit is an invalid bundle. */
	public Mono<byte[]> download(String slug, String version) {
		return this.http.get()
			.uri((uri) -> uri.path("/api/v1/download").queryParam("slug", slug).queryParam("version", version).build())
			.accept(MediaType.APPLICATION_OCTET_STREAM, MediaType.valueOf("application/zip"), MediaType.ALL)
			.retrieve()
			.bodyToMono(byte[].class)
			.timeout(this.timeout)
			.onErrorMap(
					(ex) -> ex instanceof DataBufferLimitException || ex.getCause() instanceof DataBufferLimitException,
					(ex) -> new InvalidBundleException(
							"The archive is larger than " + this.maxArchiveBytes + " bytes."));
	}

	private Mono<JsonNode> json(
			java.util.function.Function<org.springframework.web.util.UriBuilder, java.net.URI> uri) {
		return this.http.get()
			.uri(uri)
			.accept(MediaType.APPLICATION_JSON)
			.retrieve()
			.bodyToMono(JsonNode.class)
			.timeout(this.timeout);
	}

	private static Summary summary(JsonNode item) {
		String version = text(item.path("version"));
		if (version == null) {
			version = text(item.path("latestVersion").path("version"));
		}
		if (version == null) {
			version = text(item.path("latestVersion"));
		}
		return new Summary(text(item.path("slug")), text(item.path("displayName")), text(item.path("summary")),
				version);
	}

	private static String text(JsonNode node) {
		if (node == null || node.isMissingNode() || node.isNull() || !node.isValueNode()) {
			return null;
		}
		String value = node.asString();
		return (value == null || value.isBlank()) ? null : value.strip();
	}

	/** Whether an error means the registry has no such endpoint. */
	static boolean isNotFound(Throwable ex) {
		return ex instanceof WebClientResponseException response
				&& response.getStatusCode().value() == HttpStatus.NOT_FOUND.value();
	}

}
