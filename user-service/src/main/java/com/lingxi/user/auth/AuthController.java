package com.lingxi.user.auth;

import java.net.URI;
import java.util.Optional;

import jakarta.validation.Valid;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.identity.RequestContext;

/** {@code /api/auth/*}: public, except logout. */
@RestController
class AuthController {

	private final AuthService auth;

	AuthController(AuthService auth) {
		this.auth = auth;
	}

	@PostMapping("/api/auth/sms-code")
	@ResponseStatus(HttpStatus.ACCEPTED)
	Mono<Void> smsCode(@Valid @RequestBody AuthRequests.SmsCode request, RequestContext context) {
		return this.auth.sendCode(request.phone(), context.clientIp());
	}

	@PostMapping("/api/auth/register")
	Mono<ResponseEntity<Session>> register(@Valid @RequestBody AuthRequests.Register request) {
		return this.auth.register(request)
			.map((session) -> ResponseEntity.created(URI.create("/api/user/profile")).body(session));
	}

	@PostMapping("/api/auth/login")
	Mono<Session> login(@Valid @RequestBody AuthRequests.Login request, RequestContext context) {
		return this.auth.login(request, context.clientIp());
	}

	/** Signs in (creating the account on first use) or, when signed in, links WeChat. */
	@PostMapping("/api/auth/wechat")
	Mono<ResponseEntity<Session>> wechat(@Valid @RequestBody AuthRequests.WeChat request, RequestContext context) {
		return this.auth.wechat(request.code(), context.user())
			.map((session) -> ResponseEntity.status(session.created() ? HttpStatus.CREATED : HttpStatus.OK)
				.body(session));
	}

	@PostMapping("/api/auth/refresh")
	Mono<Session> refresh(@Valid @RequestBody AuthRequests.Refresh request) {
		return this.auth.refresh(request.refreshToken());
	}

	@PostMapping("/api/auth/logout")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> logout(CurrentUser caller,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@Valid @RequestBody(required = false) AuthRequests.Logout request) {
		String bearer = Optional.ofNullable(authorization)
			.filter((value) -> value.regionMatches(true, 0, "Bearer ", 0, 7))
			.map((value) -> value.substring(7).trim())
			.orElse(null);
		return this.auth.logout(caller, bearer, (request != null) ? request.refreshToken() : null);
	}

}
