package com.lingxi.instance.chat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.lingxi.common.identity.CurrentUser;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;

/**
 * Chat with the caller's agents: the console's streamed chat, the OpenAI-compatible API,
 * conversations, and the ticket that opens the live WebSocket channel.
 */
@RestController
class ChatController {

	private final ChatService chats;

	private final Conversations conversations;

	private final WebSocketTickets tickets;

	ChatController(ChatService chats, Conversations conversations, WebSocketTickets tickets) {
		this.chats = chats;
		this.conversations = conversations;
		this.tickets = tickets;
	}

	/**
	 * Streams the answer as server-sent events: {@code progress} while the instance
	 * wakes, {@code delta} pieces, then {@code done} (or {@code error}).
	 */
	@PostMapping(path = "/api/instance/chat",
			produces = { MediaType.TEXT_EVENT_STREAM_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE })
	Mono<ResponseEntity<Flux<ServerSentEvent<ChatEvent>>>> chat(CurrentUser caller, @RequestBody ChatRequest request) {
		return this.chats.chat(caller.id(), request)
			.map((events) -> ResponseEntity.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.header("X-Accel-Buffering", "no")
				.body(events.map((event) -> ServerSentEvent.builder(event).event(event.type()).build())));
	}

	/**
	 * OpenAI-compatible chat completions answered by the caller's own gateway;
	 * {@code model} names the agent ({@code openclaw/coder} or {@code coder}).
	 */
	@PostMapping("/api/instance/v1/chat/completions")
	Mono<ResponseEntity<Flux<DataBuffer>>> completions(CurrentUser caller, @RequestBody JsonNode body) {
		return this.chats.complete(caller.id(), body);
	}

	/** The agents the caller can talk to, in the OpenAI model list format. */
	@GetMapping("/api/instance/v1/models")
	Mono<Map<String, Object>> models(CurrentUser caller) {
		return this.chats.agents(caller.id())
			.map((agents) -> Map.of("object", "list", "data",
					agents.stream()
						.map((agent) -> Map.of("id", "openclaw/" + agent, "object", "model", "owned_by", "lingxi"))
						.toList()));
	}

	@GetMapping("/api/instance/conversations")
	Mono<Map<String, Object>> conversations(CurrentUser caller, @RequestParam(defaultValue = "20") int limit,
			@RequestParam(defaultValue = "0") long offset) {
		if (limit < 1 || limit > 100 || offset < 0) {
			return Mono.error(ChatService.invalid((limit < 1 || limit > 100) ? "limit" : "offset",
					(limit < 1 || limit > 100) ? "must be between 1 and 100" : "must not be negative"));
		}
		return this.conversations.list(caller.id(), limit, offset)
			.collectList()
			.map((page) -> Map.of("conversations", page, "limit", limit, "offset", offset));
	}

	@GetMapping("/api/instance/conversations/{id}")
	Mono<Map<String, Object>> conversation(CurrentUser caller, @PathVariable UUID id,
			@RequestParam(defaultValue = "200") int limit) {
		if (limit < 1 || limit > 1000) {
			return Mono.error(ChatService.invalid("limit", "must be between 1 and 1000"));
		}
		return this.conversations.find(caller.id(), id)
			.switchIfEmpty(Mono.error(() -> ProblemException.notFound("Conversation " + id)))
			.flatMap((conversation) -> this.conversations.messages(id, limit)
				.collectList()
				.map((messages) -> Map.of("conversation", conversation, "messages", messages)));
	}

	/**
	 * A single-use ticket, valid for a few seconds, that opens {@code /api/instance/ws}:
	 * a browser cannot send its access token on a WebSocket upgrade, and a long-lived
	 * token must not travel in a URL.
	 */
	@PostMapping("/api/instance/ws-ticket")
	Mono<Map<String, Object>> ticket(CurrentUser caller) {
		return this.tickets.issue(caller.id())
			.map((ticket) -> Map.of("ticket", ticket, "expiresIn", this.tickets.lifetime().toSeconds(), "url",
					"/api/instance/ws?ticket=" + ticket));
	}

	/**
	 * The OpenClaw Control UI is not offered: it drives the gateway with the gateway's
	 * operator token, which may rewrite the platform-managed configuration (model
	 * provider and key included) and run tools on the host, so it never leaves the
	 * platform.
	 */
	@GetMapping("/api/instance/chat-url")
	Mono<Void> chatUrl() {
		return Mono.error(ProblemException.of(HttpStatus.NOT_IMPLEMENTED, ProblemTypes.of("control-ui-unavailable"),
				"Control UI not offered",
				"The OpenClaw Control UI needs the gateway's operator token, which can change the platform-managed "
						+ "configuration and billing setup, so it is not exposed. Chat through POST /api/instance/chat, "
						+ "the WebSocket channel or POST /api/instance/v1/chat/completions instead.")
			.with("alternatives",
					List.of("/api/instance/chat", "/api/instance/ws", "/api/instance/v1/chat/completions")));
	}

}
