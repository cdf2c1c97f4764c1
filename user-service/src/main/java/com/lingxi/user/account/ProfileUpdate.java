package com.lingxi.user.account;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code PUT /api/user/profile}: the writable fields. An absent field stays as it is;
 * {@code "avatarUrl": null} removes the avatar. Anything else in the body (plan, phone,
 * ...) is refused by name rather than silently ignored.
 */
final class ProfileUpdate {

	static final int NICKNAME_MAX = 50;

	static final int AVATAR_URL_MAX = 2048;

	private String nickname;

	private boolean avatarPresent;

	private String avatarUrl;

	private final Map<String, Object> unknown = new LinkedHashMap<>();

	@JsonProperty("nickname")
	void setNickname(String nickname) {
		this.nickname = nickname;
	}

	@JsonProperty("avatarUrl")
	void setAvatarUrl(String avatarUrl) {
		this.avatarPresent = true;
		this.avatarUrl = avatarUrl;
	}

	@JsonAnySetter
	void other(String name, Object value) {
		this.unknown.put(name, value);
	}

	@JsonIgnore
	String nickname() {
		return (this.nickname != null) ? this.nickname.strip() : null;
	}

	@JsonIgnore
	boolean avatarPresent() {
		return this.avatarPresent;
	}

	@JsonIgnore
	String avatarUrl() {
		return (this.avatarUrl != null && !this.avatarUrl.isBlank()) ? this.avatarUrl.strip() : null;
	}

	/** Field errors as {field, message} pairs; empty when the update is valid. */
	List<Map<String, String>> errors() {
		List<Map<String, String>> errors = new ArrayList<>();
		this.unknown.keySet()
			.forEach((field) -> errors.add(error(field, ("plan".equals(field) || "phone".equals(field))
					? "is not writable here" : "is not a profile field")));
		if (this.nickname != null) {
			int length = nickname().codePointCount(0, nickname().length());
			if (length < 1 || length > NICKNAME_MAX) {
				errors.add(error("nickname", "must be 1 to " + NICKNAME_MAX + " characters"));
			}
			else if (nickname().chars().anyMatch(Character::isISOControl)) {
				errors.add(error("nickname", "must not contain control characters"));
			}
		}
		if (this.avatarPresent && avatarUrl() != null && !isHttpsUrl(avatarUrl())) {
			errors.add(error("avatarUrl", "must be an https URL of at most " + AVATAR_URL_MAX + " characters"));
		}
		if (this.nickname == null && !this.avatarPresent && this.unknown.isEmpty()) {
			errors.add(error("body", "must contain nickname or avatarUrl"));
		}
		return errors;
	}

	private static boolean isHttpsUrl(String value) {
		if (value.length() > AVATAR_URL_MAX) {
			return false;
		}
		try {
			URI uri = new URI(value);
			return "https".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && !uri.getHost().isBlank()
					&& uri.getUserInfo() == null;
		}
		catch (java.net.URISyntaxException ex) {
			return false;
		}
	}

	private static Map<String, String> error(String field, String message) {
		Map<String, String> error = new LinkedHashMap<>();
		error.put("field", field);
		error.put("message", message);
		return error;
	}

}
