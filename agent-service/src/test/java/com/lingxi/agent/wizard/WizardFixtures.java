package com.lingxi.agent.wizard;

import org.springframework.core.io.ClassPathResource;

import com.lingxi.agent.catalog.AgentCatalog;
import com.lingxi.agent.catalog.AgentCatalogLoader;
import com.lingxi.agent.skill.bundle.BundleLimits;
import com.lingxi.agent.skill.bundle.BundleValidator;
import com.lingxi.agent.skill.catalog.BundledSkills;

/**
 * The shipped catalog, skills and rules, loaded once for tests that need no Spring
 * context.
 */
final class WizardFixtures {

	private static Recommender recommender;

	private WizardFixtures() {
	}

	static synchronized Recommender recommender() {
		if (recommender == null) {
			BundledSkills skills = BundledSkills.load("classpath:bundled-skills/",
					new BundleValidator(BundleLimits.defaults()));
			AgentCatalog catalog = new AgentCatalogLoader().load("classpath:catalog/agents/", skills::contains);
			WizardRules rules = WizardRules.load(new ClassPathResource("wizard/rules.yaml"), "wizard/rules.yaml",
					catalog::contains, skills::contains);
			recommender = new Recommender(rules, catalog, skills);
		}
		return recommender;
	}

}
