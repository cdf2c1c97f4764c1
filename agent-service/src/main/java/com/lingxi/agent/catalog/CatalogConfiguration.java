package com.lingxi.agent.catalog;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.agent.skill.catalog.BundledSkills;
import com.lingxi.agent.team.TeamProperties;

@Configuration(proxyBeanMethods = false)
class CatalogConfiguration {

	@Bean
	AgentCatalog agentCatalog(TeamProperties properties, BundledSkills skills) {
		return new AgentCatalogLoader().load(properties.catalogLocation(), skills::contains);
	}

}
