package com.lingxi.user.account;

import java.time.Instant;
import java.util.UUID;

/**
 * What a user sees of their account.
 *
 * @param id user id
 * @param phone E.164 phone, null if signed up with WeChat
 * @param nickname display name
 * @param avatarUrl avatar
 * @param plan plan
 * @param instanceId their assistant instance, once they have one
 * @param instanceStatus its state
 * @param wechatLinked whether WeChat login is linked
 * @param hasPassword whether password login is possible
 * @param createdAt signed up at
 */
public record Profile(UUID id, String phone, String nickname, String avatarUrl, String plan, UUID instanceId,
		String instanceStatus, boolean wechatLinked, boolean hasPassword, Instant createdAt) {

	public static Profile of(UserAccount account) {
		return new Profile(account.id(), account.phone(), account.nickname(), account.avatarUrl(), account.plan(),
				account.instanceId(), account.instanceStatus(), account.wechatId() != null, account.hasPassword(),
				account.createdAt());
	}

}
