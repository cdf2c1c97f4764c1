package com.lingxi.instance.chat;

import java.util.UUID;

/**
 * {@code POST /api/instance/chat}.
 *
 * @param agentId the agent to talk to
 * @param conversationId a conversation to continue, or null to start one
 * @param message the user's message
 */
public record ChatRequest(String agentId, UUID conversationId, String message) {
}
