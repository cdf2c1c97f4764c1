package com.lingxi.agent.memory;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Memories and their search.
 *
 * @param contentMaxBytes largest memory content, in UTF-8 bytes
 * @param metadataMaxBytes largest metadata object, serialised
 * @param maxPerUser most memories one user may keep
 * @param defaultPageSize list/search results when the caller gives no size
 * @param maxPageSize largest page a caller may ask for
 * @param maxQueryLength longest search query, in characters
 * @param minRelevance share of the query's terms a memory must contain to match
 * @param relevanceWeight weight of relevance in the search score
 * @param importanceWeight weight of importance ((importance - 1) / 9)
 * @param recencyWeight weight of recency (0.5 ^ (age / recencyHalfLife))
 * @param recencyHalfLife age at which recency counts half
 * @param maxImportantLimit most memories {@code /internal/.../important} returns
 */
@ConfigurationProperties(prefix = "lingxi.memories")
public record MemoryProperties(@DefaultValue("8192") int contentMaxBytes, @DefaultValue("4096") int metadataMaxBytes,
		@DefaultValue("100000") int maxPerUser, @DefaultValue("20") int defaultPageSize,
		@DefaultValue("100") int maxPageSize, @DefaultValue("200") int maxQueryLength,
		@DefaultValue("0.5") double minRelevance, @DefaultValue("0.6") double relevanceWeight,
		@DefaultValue("0.25") double importanceWeight, @DefaultValue("0.15") double recencyWeight,
		@DefaultValue("30d") Duration recencyHalfLife, @DefaultValue("100") int maxImportantLimit) {

}
