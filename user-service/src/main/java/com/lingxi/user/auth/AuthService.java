package com.lingxi.user.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.reactive.TransactionalOperator;

import com.lingxi.common.events.EventPublisher;
import com.lingxi.common.events.topics.UserRegistered;
import com.lingxi.common.id.Ids;
import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.identity.DeniedTokens;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.common.redis.LingxiRedis;
import com.lingxi.user.UserProblems;
import com.lingxi.user.account.UserAccount;
import com.lingxi.user.account.Users;
import com.lingxi.user.sms.PhoneNumbers;
import com.lingxi.user.sms.SmsCodes;
import com.lingxi.user.token.AccessTokens;
import com.lingxi.user.token.RefreshTokens;
import com.lingxi.user.wechat.WeChatClient;

/** Sign-up, login (password, SMS code, WeChat), refresh and logout. */
public final class AuthService {

	private static final Logger log = LoggerFactory.getLogger(AuthService.class);

	private final Users users;

	private final SmsCodes codes;

	private final Passwords passwords;

	private final LoginThrottle throttle;

	private final AccessTokens accessTokens;

	private final RefreshTokens refreshTokens;

	private final WeChatClient wechat;

	private final EventPublisher events;

	private final TransactionalOperator tx;

	private final LingxiRedis redis;

	public AuthService(Users users, SmsCodes codes, Passwords passwords, LoginThrottle throttle,
			AccessTokens accessTokens, RefreshTokens refreshTokens, WeChatClient wechat, EventPublisher events,
			TransactionalOperator tx, LingxiRedis redis) {
		this.users = users;
		this.codes = codes;
		this.passwords = passwords;
		this.throttle = throttle;
		this.accessTokens = accessTokens;
		this.refreshTokens = refreshTokens;
		this.wechat = wechat;
		this.events = events;
		this.tx = tx;
		this.redis = redis;
	}

	Mono<Void> sendCode(String rawPhone, String clientIp) {
		return phone(rawPhone).flatMap((phone) -> this.codes.send(phone, clientIp));
	}

	Mono<Session> register(AuthRequests.Register request) {
		return phone(request.phone()).flatMap((phone) -> this.codes.verify(phone, request.code())
			.then(this.users.byPhone(phone))
			.flatMap((existing) -> Mono.<Session>error(phoneTaken()))
			.switchIfEmpty(Mono.defer(() -> create(phone, request))));
	}

	Mono<Session> login(AuthRequests.Login request, String clientIp) {
		boolean byPassword = request.password() != null && !request.password().isEmpty();
		boolean byCode = request.code() != null && !request.code().isEmpty();
		if (byPassword == byCode) {
			return Mono.error(ProblemException.badRequest("Send either a password or an SMS code, not both."));
		}
		// Wrong passwords lock password login only: a code proves the phone, and wrong
		// codes
		// have limits of their own (a code is void after a few tries, sending is
		// rate-limited).
		return phone(request.phone()).flatMap((phone) -> byPassword
				? this.throttle.check(phone, clientIp).then(loginWithPassword(phone, request.password(), clientIp))
				: loginWithCode(phone, request.code()));
	}

	Mono<Session> wechat(String code, Optional<CurrentUser> caller) {
		return this.wechat.identify(code)
			.flatMap((identity) -> this.users.byWechatId(identity.wechatId()).flatMap((owner) -> {
				if (caller.isPresent() && !caller.get().id().equals(owner.id())) {
					return Mono.<Session>error(
							ProblemException.conflict(UserProblems.WECHAT_TAKEN, "WeChat account already linked",
									"This WeChat account already belongs to another Lingxi account."));
				}
				return startSession(owner, false);
			})
				.switchIfEmpty(Mono.defer(() -> caller.isPresent() ? link(caller.get().id(), identity.wechatId())
						: createFromWeChat(identity))));
	}

	Mono<Session> refresh(String refreshToken) {
		return this.refreshTokens.rotate(refreshToken)
			.flatMap((rotated) -> this.users.byId(rotated.userId())
				.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.UNAUTHORIZED,
						UserProblems.REFRESH_TOKEN_INVALID, "Invalid refresh token", "The account no longer exists.")))
				.flatMap((account) -> this.accessTokens
					.issue(account.id(), account.plan(), rotated.successor().familyId())
					.map((access) -> Session.of(account, access, rotated.successor(), false))));
	}

	/**
	 * Ends the session of the presented access token (and of {@code refreshToken} if
	 * given and the caller's), and denies the access token until it expires.
	 */
	Mono<Void> logout(CurrentUser caller, String bearer, String refreshToken) {
		Mono<Void> denyAccess = (bearer == null) ? Mono.empty()
				: this.accessTokens.verify(bearer)
					.filter((token) -> token.userId().equals(caller.id()))
					.flatMap((token) -> deny(token).then((token.sessionId() != null)
							? this.refreshTokens.revokeFamily(token.sessionId(), "logout") : Mono.empty()));
		Mono<Void> endRefresh = (refreshToken == null || refreshToken.isBlank()) ? Mono.empty()
				: this.refreshTokens.revokeByToken(refreshToken, caller.id()).then();
		return denyAccess.then(endRefresh);
	}

	private Mono<Void> deny(AccessTokens.Verified token) {
		Duration remaining = Duration.between(Instant.now(), token.expiresAt());
		if (remaining.isNegative() || remaining.isZero()) {
			return Mono.empty();
		}
		return DeniedTokens.deny(this.redis, token.jti(), remaining);
	}

	private Mono<Session> loginWithPassword(String phone, String password, String clientIp) {
		return this.users.byPhone(phone)
			.flatMap((account) -> this.users.passwordHash(account.id())
				.defaultIfEmpty("")
				.flatMap((hash) -> this.passwords.matches(password, hash.isEmpty() ? null : hash))
				.map((ok) -> ok ? Optional.of(account) : Optional.<UserAccount>empty()))
			.switchIfEmpty(Mono.defer(() -> this.passwords.matches(password, null).thenReturn(Optional.empty())))
			.flatMap(
					(match) -> match.isPresent() ? this.throttle.succeeded(phone).then(startSession(match.get(), false))
							: this.throttle.failed(phone, clientIp)
								.flatMap((left) -> Mono.error(ProblemException
									.of(HttpStatus.UNAUTHORIZED, UserProblems.INVALID_CREDENTIALS,
											"Wrong phone or password", "The phone number or password is not right.")
									.with("attemptsLeft", left))));
	}

	private Mono<Session> loginWithCode(String phone, String code) {
		return this.codes.verify(phone, code)
			.then(this.users.byPhone(phone))
			.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.NOT_FOUND, UserProblems.ACCOUNT_NOT_FOUND,
					"No account", "No account uses this phone number yet: register instead.")))
			.flatMap((account) -> startSession(account, false));
	}

	private Mono<Session> create(String phone, AuthRequests.Register request) {
		UUID id = Ids.uuidV7();
		String nickname = (request.nickname() != null && !request.nickname().isBlank()) ? request.nickname().strip()
				: defaultNickname(phone);
		Mono<String> hash = (request.password() != null) ? this.passwords.hash(request.password()) : Mono.empty();
		return hash.map(Optional::of)
			.defaultIfEmpty(Optional.empty())
			.flatMap((passwordHash) -> this.tx.transactional(this.users.insert(id, phone, null, nickname, null)
				.then(passwordHash.map((h) -> this.users.setPassword(id, h)).orElse(Mono.empty()))
				.then(announce(id, nickname))
				.then(this.users.byId(id))))
			.onErrorMap(DataIntegrityViolationException.class, (ex) -> phoneTaken())
			.flatMap((account) -> startSession(account, true))
			.doOnSuccess((session) -> log.info("Registered user {} ({})", id, PhoneNumbers.mask(phone)));
	}

	private Mono<Session> createFromWeChat(WeChatClient.WeChatIdentity identity) {
		UUID id = Ids.uuidV7();
		String nickname = (identity.nickname() != null) ? truncate(identity.nickname(), 50) : "微信用户";
		String avatar = (identity.avatarUrl() != null && identity.avatarUrl().length() <= 2048) ? identity.avatarUrl()
				: null;
		return this.tx
			.transactional(this.users.insert(id, null, identity.wechatId(), nickname, avatar)
				.then(announce(id, nickname))
				.then(this.users.byId(id)))
			.onErrorResume(DataIntegrityViolationException.class,
					// Another request registered the same WeChat user a moment ago.
					(ex) -> this.users.byWechatId(identity.wechatId()))
			.flatMap((account) -> startSession(account, account.id().equals(id)));
	}

	private Mono<Session> link(UUID userId, String wechatId) {
		return this.users.linkWechat(userId, wechatId)
			.onErrorMap(DataIntegrityViolationException.class,
					(ex) -> ProblemException.conflict(UserProblems.WECHAT_TAKEN, "WeChat account already linked",
							"This WeChat account already belongs to another Lingxi account."))
			.flatMap(
					(linked) -> linked ? this.users.byId(userId)
							: Mono.error(ProblemException.conflict(UserProblems.WECHAT_TAKEN,
									"Another WeChat account is linked",
									"Your account is already linked to a different WeChat account.")))
			.flatMap((account) -> startSession(account, false));
	}

	private Mono<Void> announce(UUID id, String nickname) {
		return this.events.publish(UserRegistered.TOPIC, id, new UserRegistered(id, "free", nickname, Instant.now()))
			.then();
	}

	private Mono<Session> startSession(UserAccount account, boolean created) {
		UUID family = Ids.uuidV7();
		return this.refreshTokens.issue(account.id(), family)
			.flatMap((refresh) -> this.accessTokens.issue(account.id(), account.plan(), family)
				.map((access) -> Session.of(account, access, refresh, created)));
	}

	private static Mono<String> phone(String raw) {
		return PhoneNumbers.normalize(raw)
			.map(Mono::just)
			.orElseGet(() -> Mono.error(ProblemException
				.of(HttpStatus.BAD_REQUEST, ProblemTypes.VALIDATION, "Invalid request",
						"The request has 1 invalid field.")
				.with("errors", List.of(Map.of("field", "phone", "message",
						"must be a mainland mobile number (+86 1[3-9]xxxxxxxxx) or an international number in +E.164 form")))));
	}

	private static ProblemException phoneTaken() {
		return ProblemException.conflict(UserProblems.PHONE_TAKEN, "Phone already registered",
				"An account with this phone number exists: log in instead.");
	}

	private static String defaultNickname(String phone) {
		return "用户" + phone.substring(phone.length() - 4);
	}

	private static String truncate(String value, int max) {
		return (value.codePointCount(0, value.length()) <= max) ? value
				: value.substring(0, value.offsetByCodePoints(0, max));
	}

}
