package com.lingxi.agent.team;

import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.trust.InternalApi;

/** {@code /internal/users/{userId}/team} for config-service (never routed publicly). */
@RestController
class InternalTeamController {

	private final TeamService team;

	InternalTeamController(TeamService team) {
		this.team = team;
	}

	@InternalApi(callers = "config-service")
	@GetMapping("/internal/users/{userId}/team")
	Mono<TeamDocument> team(@PathVariable UUID userId) {
		return this.team.document(userId);
	}

}
