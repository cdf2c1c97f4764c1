package com.lingxi.agent.skill.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternResolver;

import com.lingxi.agent.skill.bundle.BundleValidator;
import com.lingxi.agent.skill.bundle.InvalidBundleException;
import com.lingxi.agent.skill.bundle.SkillFile;
import com.lingxi.agent.skill.bundle.SkillManifest;
import com.lingxi.agent.support.DataFileException;
import com.lingxi.agent.support.YamlNode;

/**
 * The skills shipped with the service: {@code <location>/catalog.yaml} lists each skill's
 * marketplace metadata, {@code <location>/<id>/} holds its SKILL.md folder. Loaded and
 * validated once at start-up; any problem (unlisted folder, listed skill without a
 * folder, invalid bundle) stops the service with a message naming it.
 */
public final class BundledSkills implements SkillSource {

	private final String location;

	private final Map<String, SkillPackage> packages;

	private final String version;

	private BundledSkills(String location, String version, Map<String, SkillPackage> packages) {
		this.location = location;
		this.version = version;
		this.packages = packages;
	}

	/** Loads and validates the bundled catalog (blocking, start-up only). */
	public static BundledSkills load(String location, BundleValidator validator) {
		String base = location.endsWith("/") ? location : location + "/";
		ResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
		String catalogName = base + "catalog.yaml";
		YamlNode catalog = YamlNode.load(resolver.getResource(catalogName), catalogName);
		String version = catalog.get("version").text();
		String defaultAuthor = catalog.get("author").text();
		Map<String, SkillPackage> packages = new LinkedHashMap<>();
		for (Map.Entry<String, YamlNode> entry : catalog.get("skills").entries().entrySet()) {
			String id = entry.getKey();
			YamlNode meta = entry.getValue();
			List<SkillFile> files = files(resolver, base, id);
			if (files.isEmpty()) {
				throw new DataFileException(catalogName + ": skills." + id + " has no folder " + base + id + "/");
			}
			SkillManifest manifest;
			try {
				manifest = validator.validate(id, files);
			}
			catch (InvalidBundleException ex) {
				throw new DataFileException(base + id + "/: " + ex.getMessage());
			}
			List<String> tags = meta.get("tags").texts().stream().map((tag) -> tag.toLowerCase(Locale.ROOT)).toList();
			if (tags.isEmpty()) {
				throw meta.get("tags").fail("must list at least one tag");
			}
			String author = meta.get("author").optionalText();
			SkillMetadata metadata = new SkillMetadata(id, meta.get("name").text(), meta.get("nameZh").text(),
					manifest.description(), meta.get("descriptionZh").text(), tags, meta.get("version").text(),
					(author != null) ? author : defaultAuthor, 0);
			packages.put(id, new SkillPackage(metadata, files));
		}
		Set<String> folders = folders(resolver, base);
		folders.removeAll(packages.keySet());
		if (!folders.isEmpty()) {
			throw new DataFileException(catalogName + ": folders not listed in the catalog: " + folders);
		}
		return new BundledSkills(base, version, Map.copyOf(packages));
	}

	private static List<SkillFile> files(ResourcePatternResolver resolver, String base, String id) {
		String root = base + id + "/";
		try {
			List<SkillFile> files = new ArrayList<>();
			for (Resource resource : resolver.getResources(root + "**")) {
				String url = resource.getURL().toString();
				if (url.endsWith("/") || !resource.isReadable()) {
					continue;
				}
				int at = url.indexOf("/" + baseName(base) + id + "/");
				String path = url.substring(at + baseName(base).length() + id.length() + 2);
				try (InputStream in = resource.getInputStream()) {
					files.add(new SkillFile(path, in.readAllBytes(),
							path.startsWith("scripts/") && (path.endsWith(".sh") || path.endsWith(".py"))));
				}
			}
			return files;
		}
		catch (IOException ex) {
			throw new DataFileException(root + ": cannot be read", ex);
		}
	}

	/** "bundled-skills/" for "classpath:bundled-skills/". */
	private static String baseName(String base) {
		String path = base.substring(base.indexOf(':') + 1);
		while (path.startsWith("/")) {
			path = path.substring(1);
		}
		int slash = path.lastIndexOf('/', path.length() - 2);
		return path.substring(slash + 1);
	}

	private static Set<String> folders(ResourcePatternResolver resolver, String base) {
		try {
			Set<String> folders = new TreeSet<>();
			for (Resource resource : resolver.getResources(base + "*/SKILL.md")) {
				String url = resource.getURL().toString();
				String withoutFile = url.substring(0, url.length() - "/SKILL.md".length());
				folders.add(withoutFile.substring(withoutFile.lastIndexOf('/') + 1));
			}
			return folders;
		}
		catch (IOException ex) {
			throw new DataFileException(base + ": cannot be listed", ex);
		}
	}

	/** Version of the bundled catalog as a whole. */
	public String version() {
		return this.version;
	}

	public boolean contains(String id) {
		return this.packages.containsKey(id);
	}

	public Collection<SkillPackage> all() {
		return this.packages.values();
	}

	@Override
	public String kind() {
		return "bundled";
	}

	@Override
	public String origin() {
		return this.location;
	}

	@Override
	public Flux<SkillListing> listings() {
		return Flux.fromIterable(this.packages.values())
			.map((pkg) -> new SkillListing(pkg.metadata().id(), pkg.metadata().version()));
	}

	@Override
	public Mono<SkillPackage> fetch(SkillListing listing) {
		return Mono.justOrEmpty(this.packages.get(listing.id()));
	}

}
