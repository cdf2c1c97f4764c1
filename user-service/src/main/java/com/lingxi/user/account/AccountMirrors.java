package com.lingxi.user.account;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.lingxi.common.events.EventHandler;
import com.lingxi.common.events.topics.InstanceStateChanged;
import com.lingxi.common.events.topics.UserPlanChanged;

/**
 * Keeps {@code users.plan} (owned by billing-service) and {@code users.instance_id} /
 * {@code instance_status} (owned by instance-service) in step with their owners' events.
 */
@Configuration(proxyBeanMethods = false)
class AccountMirrors {

	private static final Logger log = LoggerFactory.getLogger(AccountMirrors.class);

	@Bean
	EventHandler<UserPlanChanged> planMirror(Users users) {
		return EventHandler.of(UserPlanChanged.TOPIC, (event) -> {
			UserPlanChanged change = event.payload();
			return users.updatePlan(change.userId(), change.plan()).doOnNext((rows) -> {
				if (rows == 0) {
					log.warn("Plan change for unknown user {}", change.userId());
				}
			}).then();
		});
	}

	@Bean
	EventHandler<InstanceStateChanged> instanceMirror(Users users) {
		return EventHandler.of(InstanceStateChanged.TOPIC, (event) -> {
			InstanceStateChanged change = event.payload();
			if (change.userId() == null) {
				return Mono.empty();
			}
			boolean gone = "DELETED".equals(change.state());
			return users
				.updateInstance(change.userId(), gone ? null : change.instanceId(), change.state(), change.changedAt())
				.then();
		});
	}

}
