package com.lingxi.agent.wizard;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;

import com.lingxi.agent.catalog.AgentCatalog;
import com.lingxi.agent.skill.catalog.BundledSkills;

@Configuration(proxyBeanMethods = false)
class WizardConfiguration {

	@Bean
	Recommender recommender(WizardProperties properties, AgentCatalog agents, BundledSkills skills) {
		WizardRules rules = WizardRules.load(new DefaultResourceLoader().getResource(properties.rulesLocation()),
				properties.rulesLocation(), agents::contains, skills::contains);
		return new Recommender(rules, agents, skills);
	}

}
