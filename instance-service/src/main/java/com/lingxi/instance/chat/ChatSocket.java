package com.lingxi.instance.chat;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponse;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;
import org.springframework.web.server.ServerWebExchange;

import com.lingxi.common.events.Notifications;
import com.lingxi.common.problem.ProblemException;
import com.lingxi.common.problem.ProblemTypes;
import com.lingxi.instance.InstanceProblems;
import com.lingxi.instance.model.InstanceJournal;
import com.lingxi.instance.model.Instances;

/**
 * {@code /api/instance/ws?ticket=…}: the console's live channel. The server pushes
 * {@code status} messages as the instance changes; the client sends
 * {@code {"type":"chat","ref":…,"agentId":…,"conversationId":…,"message":…}} and receives
 * that chat's {@code progress}, {@code delta}, {@code done} or {@code error} messages
 * carrying the same {@code ref}; {@code {"type":"ping"}} is answered with {@code pong}.
 *
 * <p>
 * Status changes arrive through Redis pub/sub. When it cannot be reached the connection
 * stays open for chats, gets one {@code error} message without a {@code ref} (problem
 * type {@code status-unavailable}), and the subscription is tried again with a backoff (1
 * s doubling to 30 s); once it works, the current status is sent again.
 */
public final class ChatSocket implements WebSocketHandler {

	private static final Logger log = LoggerFactory.getLogger(ChatSocket.class);

	static final String USER = ChatSocket.class.getName() + ".user";

	private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
	};

	/** Chats one connection may run at the same time. */
	private static final int CONCURRENT_CHATS = 2;

	/** Problem type of the message saying live status updates are unavailable. */
	static final URI STATUS_UNAVAILABLE = ProblemTypes.of("status-unavailable");

	private static final Duration FIRST_RETRY = Duration.ofSeconds(1);

	private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);

	private final ChatService chats;

	private final Instances instances;

	private final Notifications notifications;

	private final JsonMapper json;

	private final Duration heartbeat;

	public ChatSocket(ChatService chats, Instances instances, Notifications notifications, JsonMapper json,
			Duration heartbeat) {
		this.chats = chats;
		this.instances = instances;
		this.notifications = notifications;
		this.json = json;
		this.heartbeat = heartbeat;
	}

	/** Serves a connection whose ticket named the user (in the Reactor context). */
	@Override
	public Mono<Void> handle(WebSocketSession session) {
		return Mono.deferContextual((context) -> serve(session, context.get(USER)));
	}

	private Mono<Void> serve(WebSocketSession session, UUID userId) {
		Sinks.Empty<Void> closed = Sinks.empty();
		Flux<Map<String, Object>> status = status(userId, new AtomicReference<>(), 0);
		Flux<Map<String, Object>> replies = session.receive()
			.map(WebSocketMessage::getPayloadAsText)
			.flatMap((text) -> onMessage(userId, text), CONCURRENT_CHATS)
			.doFinally((signal) -> closed.tryEmitEmpty());
		Flux<Map<String, Object>> beats = Flux.interval(this.heartbeat, this.heartbeat)
			.onBackpressureDrop()
			.map((tick) -> message("heartbeat", null, Map.of()));
		Flux<WebSocketMessage> out = Flux.merge(status, replies, beats)
			.takeUntilOther(closed.asMono())
			.map((message) -> session.textMessage(this.json.writeValueAsString(message)));
		return session.send(out);
	}

	/**
	 * The instance's current status, then its changes. Never errors: without Redis it
	 * says so once and tries again with a backoff, starting over with the current status
	 * (unless that is what was sent last).
	 */
	private Flux<Map<String, Object>> status(UUID userId, AtomicReference<Map<String, Object>> last, int failures) {
		Flux<Map<String, Object>> current = this.instances.byUser(userId)
			.map((instance) -> message("status", null,
					Map.of("instanceId", instance.id(), "state", instance.state().name())))
			.filter((snapshot) -> !snapshot.equals(last.get()))
			.flux();
		Flux<Map<String, Object>> changes = this.notifications.subscribe(InstanceJournal.channel(userId), Map.class)
			.map((update) -> message("status", null, update));
		return current.concatWith(changes).doOnNext(last::set).onErrorResume((ex) -> {
			Duration wait = retryAfter(failures);
			Flux<Map<String, Object>> notice = Flux.empty();
			if (failures == 0) {
				log.warn("Live status of user {} unavailable, trying again: {}", userId, ex.toString());
				notice = Flux.just(statusUnavailable());
			}
			return notice.concatWith(Mono.delay(wait).thenMany(Flux.defer(() -> status(userId, last, failures + 1))));
		});
	}

	private static Duration retryAfter(int failures) {
		Duration wait = FIRST_RETRY.multipliedBy(1L << Math.min(failures, 10));
		return (wait.compareTo(LONGEST_RETRY) > 0) ? LONGEST_RETRY : wait;
	}

	private Map<String, Object> statusUnavailable() {
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("status", HttpStatus.SERVICE_UNAVAILABLE.value());
		fields.put("problemType", STATUS_UNAVAILABLE.toString());
		fields.put("title", "Live status unavailable");
		fields.put("detail", "Live status updates are unavailable right now. Chat still works; "
				+ "status updates resume on their own.");
		return message("error", null, fields);
	}

	private Flux<Map<String, Object>> onMessage(UUID userId, String text) {
		Map<String, Object> request;
		try {
			request = this.json.readValue(text, OBJECT);
		}
		catch (JacksonException ex) {
			return Flux.just(problem(null, ProblemException.badRequest("Messages are JSON objects with a type.")));
		}
		Object ref = request.get("ref");
		return switch (String.valueOf(request.get("type"))) {
			case "ping" -> Flux.just(message("pong", ref, Map.of()));
			case "chat" -> chat(userId, ref, request);
			default -> Flux.just(problem(ref, ProblemException
				.badRequest("Unknown message type '" + request.get("type") + "'; use chat or ping.")));
		};
	}

	private Flux<Map<String, Object>> chat(UUID userId, Object ref, Map<String, Object> request) {
		UUID conversationId;
		try {
			Object id = request.get("conversationId");
			conversationId = (id != null) ? UUID.fromString(id.toString()) : null;
		}
		catch (IllegalArgumentException ex) {
			return Flux.just(problem(ref, ChatService.invalid("conversationId", "must be a conversation id")));
		}
		ChatRequest chat = new ChatRequest(stringOrNull(request.get("agentId")), conversationId,
				stringOrNull(request.get("message")));
		return this.chats.chat(userId, chat)
			.flatMapMany((events) -> events
				.map((event) -> message(event.type(), ref, this.json.convertValue(event, Map.class))))
			.onErrorResume((ex) -> {
				if (!(ex instanceof ErrorResponse)) {
					log.warn("Chat over WebSocket failed for user {}: {}", userId, ex.toString());
				}
				return Mono.just(problem(ref, ex));
			});
	}

	private static String stringOrNull(Object value) {
		return (value instanceof String text) ? text : null;
	}

	private Map<String, Object> message(String type, Object ref, Map<?, ?> fields) {
		Map<String, Object> message = new LinkedHashMap<>();
		message.put("type", type);
		if (ref != null) {
			message.put("ref", ref);
		}
		fields.forEach((key, value) -> message.put(key.toString(), value));
		return message;
	}

	private Map<String, Object> problem(Object ref, Throwable ex) {
		ProblemDetail detail = (ex instanceof ErrorResponse response) ? response.getBody()
				: ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "Something went wrong.");
		Map<String, Object> fields = new LinkedHashMap<>();
		fields.put("status", detail.getStatus());
		fields.put("problemType", String.valueOf(detail.getType()));
		fields.put("title", detail.getTitle());
		fields.put("detail", detail.getDetail());
		if (detail.getProperties() != null) {
			fields.putAll(detail.getProperties());
		}
		return message("error", ref, fields);
	}

	/**
	 * Redeems the ticket of an upgrade request before the handshake: an unknown, used or
	 * expired ticket is a 401 problem, never an open socket.
	 */
	public static final class TicketCheck implements WebSocketService {

		private final HandshakeWebSocketService handshake = new HandshakeWebSocketService();

		private final WebSocketTickets tickets;

		public TicketCheck(WebSocketTickets tickets) {
			this.tickets = tickets;
		}

		@Override
		public Mono<Void> handleRequest(ServerWebExchange exchange, WebSocketHandler handler) {
			if (!"websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getFirst(HttpHeaders.UPGRADE))) {
				return Mono.error(ProblemException.badRequest(
						"This is a WebSocket endpoint: connect with a WebSocket client and ?ticket= from POST /api/instance/ws-ticket."));
			}
			return this.tickets.redeem(exchange.getRequest().getQueryParams().getFirst("ticket"))
				.switchIfEmpty(Mono.error(() -> ProblemException.of(HttpStatus.UNAUTHORIZED,
						InstanceProblems.BAD_TICKET, "Invalid ticket",
						"The ticket is unknown, used or expired. POST /api/instance/ws-ticket gives a new one.")))
				.flatMap((userId) -> this.handshake.handleRequest(exchange,
						(session) -> handler.handle(session).contextWrite((context) -> context.put(USER, userId))));
		}

	}

}
