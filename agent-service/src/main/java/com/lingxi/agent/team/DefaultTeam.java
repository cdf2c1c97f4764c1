package com.lingxi.agent.team;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.common.events.EventHandler;
import com.lingxi.common.events.topics.UserRegistered;

/**
 * A new user gets the default team (the general assistant) as soon as they sign up, so
 * their instance is useful before they run the wizard.
 */
@Configuration(proxyBeanMethods = false)
class DefaultTeam {

	@Bean
	EventHandler<UserRegistered> defaultTeamForNewUsers(TeamService team) {
		return EventHandler.of(UserRegistered.TOPIC,
				(event) -> team.createDefaultTeam(event.payload().userId()).then());
	}

}
