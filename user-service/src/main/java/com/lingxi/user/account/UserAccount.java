package com.lingxi.user.account;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code users}.
 *
 * @param id user id
 * @param phone E.164 phone number, null for WeChat-only accounts
 * @param wechatId WeChat union id (or open id), null if not linked
 * @param nickname display name
 * @param avatarUrl https avatar, may be null
 * @param plan plan, mirrored from billing-service
 * @param instanceId the user's instance, mirrored from instance-service
 * @param instanceStatus its state, mirrored from instance-service
 * @param hasPassword whether a password is set
 * @param createdAt created
 * @param updatedAt last changed
 */
public record UserAccount(UUID id, String phone, String wechatId, String nickname, String avatarUrl, String plan,
		UUID instanceId, String instanceStatus, boolean hasPassword, Instant createdAt, Instant updatedAt) {

}
