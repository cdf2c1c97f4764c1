package com.lingxi.user.account;

import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.trust.InternalApi;

/**
 * {@code /internal/users/{id}}: a user's profile for other services (never routed
 * publicly).
 */
@RestController
class InternalUserController {

	private final Users users;

	InternalUserController(Users users) {
		this.users = users;
	}

	@InternalApi(callers = "config-service")
	@GetMapping("/internal/users/{id}")
	Mono<Profile> user(@PathVariable UUID id) {
		return this.users.byId(id)
			.map(Profile::of)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("User " + id)));
	}

}
