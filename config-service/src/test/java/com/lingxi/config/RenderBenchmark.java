package com.lingxi.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;

import com.lingxi.config.render.Bundle;
import com.lingxi.config.render.ConfigRenderer;
import com.lingxi.config.render.RenderInputs;
import com.lingxi.config.render.RenderProperties;
import com.lingxi.config.sources.MemoryView;
import com.lingxi.config.sources.ProfileView;
import com.lingxi.config.sources.SkillBundle;
import com.lingxi.config.sources.TeamView.AgentView;
import com.lingxi.config.validation.OpenClawSchema;

/**
 * Render-time benchmark (run by {@code deploy/bench/config-render-bench.sh}): a large
 * team (8 agents, 12 skills of 3 files, 20 memories) rendered, schema-validated,
 * canonicalised and hashed repeatedly after a warm-up; prints p50/p99 of each step and of
 * the whole.
 */
public final class RenderBenchmark {

	private RenderBenchmark() {
	}

	public static void main(String[] args) {
		int iterations = (args.length > 0) ? Integer.parseInt(args[0]) : 2000;
		ConfigRenderer renderer = new ConfigRenderer(new RenderProperties("loopback", "lingxi", "LINGXI_MODEL_BASE_URL",
				List.of("standard"), 20, "assistant"));
		OpenClawSchema schema = new OpenClawSchema();
		JsonMapper json = JsonMapper.builder().build();
		RenderInputs inputs = largeTeam();
		for (int i = 0; i < iterations / 2; i++) {
			Bundle bundle = renderer.render(inputs);
			schema.validate(bundle.openclaw());
			bundle.sha256(json);
		}
		long[] render = new long[iterations];
		long[] validate = new long[iterations];
		long[] hash = new long[iterations];
		long[] total = new long[iterations];
		for (int i = 0; i < iterations; i++) {
			long t0 = System.nanoTime();
			Bundle bundle = renderer.render(inputs);
			long t1 = System.nanoTime();
			if (!schema.validate(bundle.openclaw()).isEmpty()) {
				throw new IllegalStateException("benchmark input does not validate");
			}
			long t2 = System.nanoTime();
			bundle.sha256(json);
			long t3 = System.nanoTime();
			render[i] = t1 - t0;
			validate[i] = t2 - t1;
			hash[i] = t3 - t2;
			total[i] = t3 - t0;
		}
		System.out.printf("iterations: %d (after %d warm-up), bundle: %d files, %d bytes canonical%n", iterations,
				iterations / 2, renderer.render(inputs).files().size(),
				renderer.render(inputs).canonicalBytes(json).length);
		report("render", render);
		report("validate", validate);
		report("canonicalise+sha256", hash);
		report("total", total);
	}

	private static void report(String name, long[] nanos) {
		long[] sorted = nanos.clone();
		Arrays.sort(sorted);
		System.out.printf("| %s | %.3f | %.3f | %.3f |%n", name, sorted[sorted.length / 2] / 1e6,
				sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6);
	}

	private static RenderInputs largeTeam() {
		UUID user = UUID.fromString("01a21700-0000-7000-8000-0000000000be");
		Map<String, SkillBundle> skills = new HashMap<>();
		List<String> skillIds = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			String id = "skill-" + i;
			skillIds.add(id);
			skills.put(id,
					new SkillBundle(id, "1.0." + i,
							List.of(new SkillBundle.SkillFile("SKILL.md",
									"---\nname: " + id + "\ndescription: d\n---\n" + "x".repeat(3000), "utf-8"),
									new SkillBundle.SkillFile("reference.md", "y".repeat(6000), "utf-8"),
									new SkillBundle.SkillFile("scripts/run.py", "cHJpbnQoJ2hpJyk=", "base64"))));
		}
		List<AgentView> agents = new ArrayList<>();
		for (String id : List.of("assistant", "coder", "ops", "pm", "inventor", "writer", "researcher", "analyst")) {
			agents.add(new AgentView(id, true, id, id + "中文", "🤖", "d", "d", "standard", "# SOUL\n" + "s".repeat(4000),
					"# AGENTS\n" + "a".repeat(2000), "# IDENTITY\n" + id, skillIds.subList(0, 6), Samples.T0));
		}
		List<MemoryView> memories = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			memories.add(new MemoryView(new UUID(1, i), "work", "fact", "memory number " + i + " " + "m".repeat(200),
					1 + i % 10, Samples.T0.plusSeconds(i)));
		}
		return new RenderInputs(user, agents, skills, "pro", List.of("standard", "pro"),
				new ProfileView(user, "Bench", "pro", Samples.T0), memories);
	}

}
