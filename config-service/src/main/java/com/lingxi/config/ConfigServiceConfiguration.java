package com.lingxi.config;

import java.util.UUID;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.Event;
import com.lingxi.common.events.EventHandler;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.EventTopic;
import com.lingxi.common.events.topics.AgentsChanged;
import com.lingxi.common.events.topics.UserPlanChanged;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.config.render.ConfigRenderer;
import com.lingxi.config.render.RenderProperties;
import com.lingxi.config.sources.PlatformClients;
import com.lingxi.config.sources.RenderInputsLoader;
import com.lingxi.config.validation.InvalidConfigException;
import com.lingxi.config.validation.OpenClawSchema;
import com.lingxi.config.versions.ConfigPublisher;
import com.lingxi.config.versions.ConfigVersions;

/** Wiring, and the events that make a user's configuration render again. */
@Configuration(proxyBeanMethods = false)
class ConfigServiceConfiguration {

	private static final Logger log = LoggerFactory.getLogger(ConfigServiceConfiguration.class);

	@Bean
	OpenClawSchema openClawSchema() {
		return new OpenClawSchema();
	}

	@Bean
	ConfigRenderer configRenderer(RenderProperties properties) {
		return new ConfigRenderer(properties);
	}

	@Bean
	ConfigVersions configVersions(DatabaseClient db) {
		return new ConfigVersions(db);
	}

	@Bean
	RenderInputsLoader renderInputsLoader(RemoteCalls remote, PlatformClients.AgentService agents,
			PlatformClients.BillingService billing, PlatformClients.UserService users, RenderProperties properties) {
		return new RenderInputsLoader(remote, agents, billing, users, properties);
	}

	@Bean
	ConfigPublisher configPublisher(RenderInputsLoader inputs, ConfigRenderer renderer, OpenClawSchema schema,
			ConfigVersions versions, EventPublisher events, ReactiveTransactionManager transactions, JsonMapper json) {
		return new ConfigPublisher(inputs, renderer, schema, versions, events,
				TransactionalOperator.create(transactions), json);
	}

	@Bean
	EventHandler<UserRegistered> renderForNewUser(ConfigPublisher publisher) {
		return handler(UserRegistered.TOPIC, publisher, (event) -> event.payload().userId(),
				(event) -> "user.registered");
	}

	@Bean
	EventHandler<AgentsChanged> renderOnTeamChange(ConfigPublisher publisher) {
		return handler(AgentsChanged.TOPIC, publisher, (event) -> event.payload().userId(),
				(event) -> "agents.changed: " + event.payload().change());
	}

	@Bean
	EventHandler<UserPlanChanged> renderOnPlanChange(ConfigPublisher publisher) {
		return handler(UserPlanChanged.TOPIC, publisher, (event) -> event.payload().userId(),
				(event) -> "plan changed to " + event.payload().plan());
	}

	/**
	 * A render on an event. Renders call other services, so they run outside the dedup
	 * transaction (publishing is idempotent by content). A render that does not validate
	 * is recorded and not retried: rendering the same inputs again gives the same result.
	 */
	private static <T> EventHandler<T> handler(EventTopic<T> topic, ConfigPublisher publisher,
			Function<Event<T>, UUID> user, Function<Event<T>, String> cause) {
		return EventHandler.outsideTransaction(topic,
				(event) -> publisher.publish(user.apply(event), cause.apply(event))
					.onErrorResume(InvalidConfigException.class, (ex) -> {
						log.error("Configuration of user {} rejected on {}: {}", user.apply(event), topic.name(),
								ex.violations());
						return Mono.empty();
					})
					.then());
	}

}
