package com.lingxi.agent.team;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.agent.catalog.AgentCatalog;
import com.lingxi.agent.skill.SkillCatalog;
import com.lingxi.common.events.EventPublisher;

@Configuration(proxyBeanMethods = false)
class TeamConfiguration {

	@Bean
	Teams teams(DatabaseClient db) {
		return new Teams(db);
	}

	@Bean
	TeamService teamService(Teams teams, AgentCatalog catalog, SkillCatalog skills, EventPublisher events,
			TransactionalOperator tx, TeamProperties properties) {
		return new TeamService(teams, catalog, skills, events, tx, properties);
	}

}
