package com.lingxi.agent.skill.bundle;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.lingxi.agent.skill.Zips;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BundleValidatorTests {

	private final BundleValidator validator = new BundleValidator(
			new BundleLimits(64 * 1024, 8, 16 * 1024, 32 * 1024, 100, 4, 200));

	private static final String SKILL = Zips.skillMd("weather-cn", "Chinese weather forecasts.");

	@Test
	void acceptsAWellFormedBundleAndKeepsExecutableScripts() {
		byte[] zip = Zips.create()
			.file("weather-cn/SKILL.md", SKILL)
			.file("weather-cn/scripts/fetch.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 0100755)
			.file("weather-cn/references/cities.md", "北京\n上海\n")
			.bytes();
		List<SkillFile> files = this.validator.unzip("weather-cn", zip);
		assertThat(files).extracting(SkillFile::path)
			.containsExactlyInAnyOrder("SKILL.md", "scripts/fetch.sh", "references/cities.md");
		assertThat(files).filteredOn(SkillFile::executable)
			.extracting(SkillFile::path)
			.containsExactly("scripts/fetch.sh");
		assertThat(this.validator.readManifest(SKILL.getBytes(StandardCharsets.UTF_8)))
			.isEqualTo(new SkillManifest("weather-cn", "Chinese weather forecasts."));
	}

	@Test
	void refusesPathsThatLeaveTheSkillFolder() {
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("../../etc/cron.d/evil", "x").bytes(),
				"leaves the skill folder");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("scripts/../../evil", "x").bytes(),
				"leaves the skill folder");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("/etc/passwd", "x").bytes(), "not a relative path");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("C:/Windows/evil.bat", "x").bytes(),
				"not a relative path");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("scripts\\..\\evil", "x").bytes(),
				"not a relative path");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file(".hidden/x", "x").bytes(), "has a name outside");
	}

	@Test
	void refusesSymbolicLinksAndSpecialFiles() {
		assertInvalid(Zips.create().file("SKILL.md", SKILL).symlink("secrets", "/root/.ssh/id_rsa").bytes(),
				"not a regular file");
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("fifo", new byte[0], 0010644).bytes(),
				"not a regular file");
	}

	@Test
	void refusesOversizedBundlesMeasuredOnWhatActuallyInflates() {
		byte[] bomb = new byte[20 * 1024];
		assertInvalid(Zips.create().file("SKILL.md", SKILL).file("big.bin", bomb, 0100644).bytes(),
				"larger than 16384 bytes");
		byte[] chunk = new byte[12 * 1024];
		assertInvalid(Zips.create()
			.file("SKILL.md", SKILL)
			.file("a.bin", chunk, 0100644)
			.file("b.bin", chunk, 0100644)
			.file("c.bin", chunk, 0100644)
			.bytes(), "unpacks to more than 32768 bytes");
		Zips many = Zips.create().file("SKILL.md", SKILL);
		for (int i = 0; i < 9; i++) {
			many.file("f" + i + ".md", "x");
		}
		assertInvalid(many.bytes(), "at most 8 are allowed");
		assertInvalid(new byte[70 * 1024], "larger than 65536 bytes");
		assertInvalid("this is not a zip".getBytes(StandardCharsets.UTF_8), "not a valid zip");
	}

	@Test
	void requiresSkillMdWithNameAndDescriptionMatchingTheId() {
		assertInvalid(Zips.create().file("README.md", "hi").bytes(), "no SKILL.md at its root");
		assertInvalid(Zips.create().file("SKILL.md", "# no front matter").bytes(), "must start with YAML front matter");
		assertInvalid(Zips.create().file("SKILL.md", "---\nname: weather-cn\n---\nbody").bytes(),
				"needs a 'description'");
		assertInvalid(Zips.create().file("SKILL.md", "---\ndescription: x\n---\nbody").bytes(), "needs a 'name'");
		assertInvalid(Zips.create().file("SKILL.md", "---\nname: [unclosed\n---\n").bytes(), "not valid YAML");
		assertInvalid(Zips.create().file("SKILL.md", "---\nname: weather-cn\ndescription: x\n").bytes(), "not closed");
		assertInvalid(Zips.create().file("SKILL.md", Zips.skillMd("weather", "Weather.")).bytes(),
				"names the skill 'weather' but its id is 'weather-cn'");
		assertInvalid(Zips.create().file("SKILL.md", new byte[] { '-', '-', '-', '\n', (byte) 0xff }, 0100644).bytes(),
				"not valid UTF-8");
		assertInvalid(Zips.create().file("SKILL.md", Zips.skillMd("weather-cn", "x".repeat(201))).bytes(),
				"longer than 200 characters");
		assertThatThrownBy(() -> this.validator.validate("Bad_Id", List.of()))
			.isInstanceOf(InvalidBundleException.class)
			.hasMessageContaining("not valid");
	}

	private void assertInvalid(byte[] zip, String reason) {
		assertThatThrownBy(() -> this.validator.unzip("weather-cn", zip)).isInstanceOf(InvalidBundleException.class)
			.hasMessageContaining(reason);
	}

}
