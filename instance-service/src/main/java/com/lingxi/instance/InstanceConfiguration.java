package com.lingxi.instance;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.support.WebSocketHandlerAdapter;

import com.lingxi.common.crypto.SecretCipher;
import com.lingxi.common.events.EventHandler;
import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.Notifications;
import com.lingxi.common.events.topics.ConfigPublished;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.common.remote.RemoteCalls;
import com.lingxi.instance.chat.ChatService;
import com.lingxi.instance.chat.ChatSocket;
import com.lingxi.instance.chat.Conversations;
import com.lingxi.instance.chat.WebSocketTickets;
import com.lingxi.instance.gateway.ChatTimeouts;
import com.lingxi.instance.gateway.GatewayClient;
import com.lingxi.instance.lifecycle.Capacity;
import com.lingxi.instance.lifecycle.InstanceSecrets;
import com.lingxi.instance.lifecycle.LeaderLatch;
import com.lingxi.instance.lifecycle.Lifecycle;
import com.lingxi.instance.lifecycle.UserLocks;
import com.lingxi.instance.lifecycle.Worker;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.instance.model.InstanceProperties;
import com.lingxi.instance.model.Instances;
import com.lingxi.instance.platform.Platform;
import com.lingxi.instance.platform.PlatformClients;
import com.lingxi.instance.runtime.InstanceRuntime;

/** Wiring, and the events instance-service reacts to. */
@Configuration(proxyBeanMethods = false)
class InstanceConfiguration {

	@Bean
	TransactionalOperator transactionalOperator(ReactiveTransactionManager transactions) {
		return TransactionalOperator.create(transactions);
	}

	@Bean
	Instances instances(DatabaseClient db, JsonMapper json) {
		return new Instances(db, json);
	}

	@Bean
	InstanceJournal instanceJournal(DatabaseClient db, EventPublisher events, Notifications notifications) {
		return new InstanceJournal(db, events, notifications);
	}

	@Bean
	GatewayClient gatewayClient(WebClient.Builder http, JsonMapper json, ChatTimeouts timeouts) {
		return new GatewayClient(http, json, timeouts);
	}

	@Bean
	Platform platform(RemoteCalls remote, PlatformClients.Billing billing, PlatformClients.Configs configs,
			JsonMapper json) {
		return new Platform(remote, billing, configs, json);
	}

	@Bean
	InstanceSecrets instanceSecrets(SecretCipher cipher) {
		return new InstanceSecrets(cipher);
	}

	@Bean
	UserLocks userLocks() {
		return new UserLocks();
	}

	@Bean
	LeaderLatch leaderLatch(ConnectionFactory connectionFactory, LeaderLatch.Settings settings) {
		return new LeaderLatch(connectionFactory, settings);
	}

	@Bean
	Lifecycle lifecycle(Instances instances, InstanceJournal journal, InstanceRuntime runtime, GatewayClient gateways,
			Platform platform, InstanceSecrets secrets, InstanceProperties properties, TransactionalOperator tx,
			UserLocks locks, Capacity capacity, MeterRegistry meters) {
		return new Lifecycle(instances, journal, runtime, gateways, platform, secrets, properties, tx, locks, capacity,
				meters);
	}

	@Bean
	Worker worker(Instances instances, Lifecycle lifecycle, InstanceRuntime runtime, InstanceJournal journal,
			InstanceProperties properties, LeaderLatch leader, Capacity capacity, MeterRegistry meters) {
		return new Worker(instances, lifecycle, runtime, journal, properties, leader, capacity, meters);
	}

	@Bean
	Conversations conversations(DatabaseClient db) {
		return new Conversations(db);
	}

	@Bean
	ChatService chatService(Instances instances, Lifecycle lifecycle, GatewayClient gateways, InstanceSecrets secrets,
			Conversations conversations, InstanceProperties properties, JsonMapper json, MeterRegistry meters) {
		return new ChatService(instances, lifecycle, gateways, secrets, conversations, properties, json, meters);
	}

	@Bean
	WebSocketTickets webSocketTickets(LingxiRedis redis) {
		return new WebSocketTickets(redis, Duration.ofSeconds(30));
	}

	/** The console's live channel, opened with a ticket instead of a token. */
	@Bean
	HandlerMapping chatSocketMapping(ChatService chats, Instances instances, Notifications notifications,
			JsonMapper json) {
		ChatSocket socket = new ChatSocket(chats, instances, notifications, json, Duration.ofSeconds(25));
		return new SimpleUrlHandlerMapping(Map.of("/api/instance/ws", socket), -1);
	}

	@Bean
	WebSocketHandlerAdapter webSocketHandlerAdapter(WebSocketTickets tickets) {
		return new WebSocketHandlerAdapter(new ChatSocket.TicketCheck(tickets));
	}

	/** A new user gets an instance (warm and personalised, or started, or queued). */
	@Bean
	EventHandler<UserRegistered> instanceForNewUser(Lifecycle lifecycle) {
		return EventHandler.outsideTransaction(UserRegistered.TOPIC,
				(event) -> lifecycle.assign(event.payload().userId(), "sign-up").then());
	}

	/** A new configuration version is applied to the user's running gateway. */
	@Bean
	EventHandler<ConfigPublished> applyPublishedConfig(Lifecycle lifecycle) {
		return EventHandler.outsideTransaction(ConfigPublished.TOPIC,
				(event) -> lifecycle.applyCurrent(event.payload().userId()));
	}

}
