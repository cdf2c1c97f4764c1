package com.lingxi.instance;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI-compatible model endpoint standing in for the platform's model proxy: answers
 * every chat with a short streamed reply and a usage chunk (what OpenClaw asks for), and
 * records the requests it got.
 */
public final class FakeModel {

	private final JsonMapper json = JsonMapper.builder().build();

	public final List<JsonNode> requests = new CopyOnWriteArrayList<>();

	private final DisposableServer server;

	private final String reachedAt;

	public FakeModel() {
		this("127.0.0.1", 0, "127.0.0.1");
	}

	/**
	 * A model bound to {@code host:port}, announcing itself as reached at
	 * {@code reachedAt} (gateways in containers reach the host at their network's gateway
	 * address).
	 */
	public FakeModel(String host, int port, String reachedAt) {
		this.reachedAt = reachedAt;
		this.server = HttpServer.create()
			.host(host)
			.port(port)
			.route((routes) -> routes
				.get("/v1/models",
						(request, response) -> response.header("Content-Type", "application/json")
							.sendString(Mono
								.just("{\"object\":\"list\",\"data\":[{\"id\":\"standard\",\"object\":\"model\"}]}")))
				.post("/v1/chat/completions",
						(request, response) -> request.receive().aggregate().asString().flatMap((raw) -> {
							JsonNode body = this.json.readTree(raw);
							this.requests.add(body);
							String model = body.path("model").asString();
							Flux<String> words = Flux.just("Hello", " from", " the", " test", " model.")
								.delayElements(Duration.ofMillis(5))
								.map((word) -> "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
										+ model + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word
										+ "\"},\"finish_reason\":null}]}\n\n");
							Flux<String> tail = Flux.just(
									"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
											+ model
											+ "\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
									"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
											+ model
											+ "\",\"choices\":[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":5,\"total_tokens\":1205}}\n\n",
									"data: [DONE]\n\n");
							return response.header("Content-Type", "text/event-stream")
								.sendString(words.concatWith(tail))
								.then();
						})))
			.bindNow();
	}

	public String baseUrl() {
		return "http://" + this.reachedAt + ":" + this.server.port() + "/v1";
	}

	public void stop() {
		this.server.disposeNow();
	}

}
