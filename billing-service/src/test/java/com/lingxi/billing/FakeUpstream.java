package com.lingxi.billing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.buffer.Unpooled;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A local OpenAI-compatible provider for tests: it streams real OpenAI-format chunks
 * (content, a tool call with streamed arguments, a reasoning field, the final usage
 * chunk) and records what it was sent. Several providers live on one server under path
 * prefixes ({@code /<name>/v1/chat/completions}), each with a mode. Markers in the
 * request body change one answer: {@code #slow} (100 ms between chunks), {@code #nousage}
 * (no usage chunk), {@code #hang} (stops sending after a few chunks and never finishes),
 * {@code #reject} (a 400 error).
 */
public final class FakeUpstream implements AutoCloseable {

	/** Usage the fake reports on every streamed answer. */
	public static final long PROMPT_TOKENS = 11234;

	public static final long COMPLETION_TOKENS = 57;

	public static final long CACHED_TOKENS = 10240;

	public enum Mode {

		/** Answers normally. */
		OK,
		/** Answers 500 with an OpenAI error. */
		FAIL_500,
		/** Answers 429. */
		FAIL_429

	}

	private final DisposableServer server;

	private final Map<String, Mode> modes = new ConcurrentHashMap<>();

	private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

	private final List<Received> received = new CopyOnWriteArrayList<>();

	public FakeUpstream() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.post("/{name}/v1/chat/completions", (request,
					response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8).flatMap((body) -> {
						String name = request.param("name");
						this.calls.computeIfAbsent(name, (n) -> new AtomicInteger()).incrementAndGet();
						this.received.add(new Received(name, body, request.requestHeaders().get("Authorization")));
						Mode mode = this.modes.getOrDefault(name, Mode.OK);
						if (mode == Mode.FAIL_500) {
							return response.status(500)
								.header("Content-Type", "application/json")
								.sendString(Mono.just(
										"{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"))
								.then();
						}
						if (mode == Mode.FAIL_429) {
							return response.status(429).sendString(Mono.just("slow down")).then();
						}
						if (body.contains("#reject")) {
							return response.status(400)
								.header("Content-Type", "application/json")
								.sendString(Mono.just(
										"{\"error\":{\"message\":\"This model's maximum context length is 128000 tokens.\",\"type\":\"invalid_request_error\",\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"))
								.then();
						}
						if (!body.contains("\"stream\":true")) {
							return response.header("Content-Type", "application/json")
								.sendString(Mono.just(document(!body.contains("#nousage"))))
								.then();
						}
						List<String> events = events(
								body.contains("\"include_usage\":true") && !body.contains("#nousage"));
						Flux<String> stream;
						if (body.contains("#hang")) {
							stream = Flux.fromIterable(events.subList(0, 4)).concatWith(Flux.never());
						}
						else {
							stream = Flux.fromIterable(events);
						}
						if (body.contains("#slow") || body.contains("#hang")) {
							stream = stream.delayElements(Duration.ofMillis(100));
						}
						return response.header("Content-Type", "text/event-stream")
							.send(stream.map((event) -> Unpooled.wrappedBuffer(event.getBytes(StandardCharsets.UTF_8))),
									(buffer) -> true)
							.then();
					})))
			.bindNow();
	}

	/** The base URL of one provider, up to {@code /v1}. */
	public String baseUrl(String name) {
		return "http://127.0.0.1:" + this.server.port() + "/" + name + "/v1";
	}

	public void mode(String name, Mode mode) {
		this.modes.put(name, mode);
	}

	public int calls(String name) {
		AtomicInteger count = this.calls.get(name);
		return (count != null) ? count.get() : 0;
	}

	public List<Received> received() {
		return this.received;
	}

	public Received last() {
		return this.received.get(this.received.size() - 1);
	}

	public void reset() {
		this.modes.clear();
		this.calls.clear();
		this.received.clear();
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

	/** The SSE events of one streamed answer, each ending in a blank line. */
	public static List<String> events(boolean usage) {
		String head = "{\"id\":\"chatcmpl-AZ9fakeid\",\"object\":\"chat.completion.chunk\",\"created\":1732600000,"
				+ "\"model\":\"fake-model-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_0ba0d124f1\",";
		String tail = usage ? ",\"usage\":null}" : "}";
		List<String> events = new ArrayList<>();
		events.add("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]"
				+ tail + "\n\n");
		events.add("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"The user wants the file.\"},\"logprobs\":null,\"finish_reason\":null}]"
				+ tail + "\n\n");
		for (String word : List.of("Let", " me", " read", " that", " file", " for", " you", ".")) {
			events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word
					+ "\"},\"logprobs\":null,\"finish_reason\":null}]" + tail + "\n\n");
		}
		events.add("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_Qx7\",\"type\":\"function\",\"function\":{\"name\":\"read\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]"
				+ tail + "\n\n");
		for (String part : List.of("{\\\"pa", "th\\\": \\\"", "README", ".md\\\"}")) {
			events.add("data: " + head
					+ "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\""
					+ part + "\"}}]},\"logprobs\":null,\"finish_reason\":null}]" + tail + "\n\n");
		}
		events.add("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}]" + tail
				+ "\n\n");
		if (usage) {
			events.add("data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS
					+ ",\"completion_tokens\":" + COMPLETION_TOKENS + ",\"total_tokens\":"
					+ (PROMPT_TOKENS + COMPLETION_TOKENS) + ",\"prompt_tokens_details\":{\"cached_tokens\":"
					+ CACHED_TOKENS
					+ ",\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":12,\"audio_tokens\":0}}}\n\n");
		}
		events.add("data: [DONE]\n\n");
		return events;
	}

	/** A non-streamed answer. */
	public static String document(boolean usage) {
		return "{\"id\":\"chatcmpl-AZ9doc\",\"object\":\"chat.completion\",\"created\":1732600000,\"model\":\"fake-model\","
				+ "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Here is the answer you asked for.\",\"refusal\":null},"
				+ "\"logprobs\":null,\"finish_reason\":\"stop\"}]"
				+ (usage ? ",\"usage\":{\"prompt_tokens\":321,\"completion_tokens\":9,\"total_tokens\":330}" : "")
				+ "}";
	}

	/**
	 * A request the fake received.
	 *
	 * @param upstream which provider
	 * @param body the body as sent
	 * @param authorization the Authorization header
	 */
	public record Received(String upstream, String body, String authorization) {
	}

}
