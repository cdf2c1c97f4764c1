package com.lingxi.agent.skill;

import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.agent.skill.catalog.SkillSync;
import com.lingxi.agent.skill.registry.RegistrySync;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.common.trust.InternalApi;

/**
 * {@code /internal/skills}: skill bundles for config-service and a manual registry sync
 * (never routed publicly).
 */
@RestController
class InternalSkillController {

	private final SkillCatalog catalog;

	private final RegistrySync registrySync;

	InternalSkillController(SkillCatalog catalog,
			org.springframework.beans.factory.ObjectProvider<RegistrySync> registrySync) {
		this.catalog = catalog;
		this.registrySync = registrySync.getIfAvailable();
	}

	/**
	 * The exact files to install in an agent's workspace under {@code skills/<skillId>/}.
	 *
	 * @param skillId skill id
	 * @param version version
	 * @param files the files, SKILL.md first
	 */
	record Bundle(String skillId, String version, List<BundleFile> files) {

	}

	/**
	 * One file: Markdown as UTF-8 text, everything else Base64.
	 *
	 * @param path relative path
	 * @param content the content
	 * @param encoding {@code utf-8} or {@code base64}
	 * @param executable true for scripts to be installed executable (absent otherwise)
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	record BundleFile(String path, String content, String encoding, Boolean executable) {

	}

	@InternalApi(callers = "config-service")
	@GetMapping("/internal/skills/{skillId}")
	Mono<Bundle> bundle(@PathVariable String skillId) {
		return this.catalog.find(skillId)
			.switchIfEmpty(Mono.error(() -> SkillController.unknownSkill(skillId)))
			.flatMap((entry) -> this.catalog.files(skillId)
				.map((file) -> file.isText()
						? new BundleFile(file.path(), file.text(), "utf-8", flag(file.executable()))
						: new BundleFile(file.path(), Base64.getEncoder().encodeToString(file.content()), "base64",
								flag(file.executable())))
				.collectList()
				.map((files) -> new Bundle(skillId, entry.version(), files)));
	}

	private static Boolean flag(boolean executable) {
		return executable ? Boolean.TRUE : null;
	}

	@InternalApi(callers = InternalApi.OPERATOR)
	@PostMapping("/internal/skills/sync")
	Mono<SkillSync.Report> sync() {
		if (this.registrySync == null) {
			return Mono.error(ProblemException.of(HttpStatus.CONFLICT, ProblemTypes.CONFLICT, "Registry sync is off",
					"Set lingxi.skills.registry.enabled=true to mirror a registry."));
		}
		return this.registrySync.runNow();
	}

}
