package com.lingxi.user.account;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;

/** The caller's own profile; there is no way to name another user's. */
@RestController
class ProfileController {

	private final Users users;

	ProfileController(Users users) {
		this.users = users;
	}

	@GetMapping("/api/user/profile")
	Mono<Profile> profile(CurrentUser caller) {
		return this.users.byId(caller.id())
			.map(Profile::of)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Your account")));
	}

	@PutMapping("/api/user/profile")
	Mono<Profile> update(CurrentUser caller, @RequestBody ProfileUpdate update) {
		List<Map<String, String>> errors = update.errors();
		if (!errors.isEmpty()) {
			return Mono.error(
					ProblemException
						.of(HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request",
								"The request has " + errors.size() + " invalid field"
										+ ((errors.size() == 1) ? "" : "s") + ".")
						.with("errors", errors));
		}
		Optional<String> avatar = update.avatarPresent() ? Optional.ofNullable(update.avatarUrl()) : null;
		return this.users.updateProfile(caller.id(), update.nickname(), avatar)
			.map(Profile::of)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Your account")));
	}

}
