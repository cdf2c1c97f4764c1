package com.lingxi.instance.runtime.container;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The part of the Docker Engine API the container runtime uses, over the engine's Unix
 * socket ({@code unix:///run/podman/podman.sock} when Podman serves it with
 * {@code podman system service}, {@code unix:///var/run/docker.sock} for Docker) or TCP
 * ({@code tcp://host:port}). The same calls work against both engines: which one is
 * configuration only. Calls are Reactor Netty requests with paths relative to the engine
 * (a Unix socket has no host to put in a URL).
 */
public final class ContainerEngine {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String JSON_TYPE = "application/json";

	private final HttpClient client;

	private final String prefix;

	private final String description;

	/**
	 * @param engine {@code unix:///path/to/socket} or {@code tcp://host:port}
	 * @param apiVersion the API version every path is prefixed with ({@code v1.41} is
	 * served by Docker 20.10 and later and by Podman 4)
	 * @param timeout limit of one call
	 */
	public ContainerEngine(String engine, String apiVersion, Duration timeout) {
		URI uri = URI.create(engine);
		HttpClient http = HttpClient.create().responseTimeout(timeout);
		if ("unix".equals(uri.getScheme())) {
			String socket = uri.getPath();
			http = http.remoteAddress(() -> new DomainSocketAddress(socket));
		}
		else if ("tcp".equals(uri.getScheme()) || "http".equals(uri.getScheme())) {
			http = http.baseUrl("http://" + uri.getHost() + ":" + uri.getPort());
		}
		else {
			throw new IllegalArgumentException(
					"Container engine must be unix:///path or tcp://host:port, not " + engine);
		}
		this.client = http.headers((headers) -> headers.set("Host", "localhost"));
		this.prefix = "/" + apiVersion;
		this.description = engine;
	}

	@Override
	public String toString() {
		return "container engine at " + this.description;
	}

	/**
	 * The engine's version document ({@code Version}, {@code ApiVersion},
	 * {@code Components}).
	 */
	public Mono<JsonNode> version() {
		return get("/version").map((body) -> body.orElseThrow(() -> new EngineException("GET /version", 404, "")));
	}

	/** A network's document, empty when there is none of that name. */
	public Mono<Optional<JsonNode>> network(String name) {
		return get("/networks/" + encode(name));
	}

	/** An image's document, empty when the engine does not have it. */
	public Mono<Optional<JsonNode>> image(String reference) {
		return get("/images/" + reference + "/json");
	}

	/** Creates a named volume (nothing happens when it exists). */
	public Mono<Void> createVolume(String name, Map<String, String> labels) {
		return send(HttpMethod.POST, "/volumes/create", json(Map.of("Name", name, "Labels", labels)),
				"create volume " + name, 409);
	}

	/** Removes a volume; a missing one is not an error. */
	public Mono<Void> removeVolume(String name) {
		return send(HttpMethod.DELETE, "/volumes/" + encode(name) + "?force=true", null, "remove volume " + name, 404);
	}

	/** Whether a volume exists. */
	public Mono<Boolean> volumeExists(String name) {
		return get("/volumes/" + encode(name)).map(Optional::isPresent);
	}

	/**
	 * Creates a container from a Docker API create document; completes with its id.
	 * @throws EngineException with status 409 when a container of that name exists
	 */
	public Mono<String> createContainer(String name, Map<String, Object> document) {
		return call(HttpMethod.POST, "/containers/create?name=" + encode(name), JSON_TYPE, json(document))
			.flatMap((response) -> response.ok() ? Mono.just(JSON.readTree(response.body()).path("Id").asString())
					: Mono.error(response.failure("create container " + name)));
	}

	/** Starts a container; an already running one is fine. */
	public Mono<Void> start(String container) {
		return send(HttpMethod.POST, "/containers/" + encode(container) + "/start", null, "start " + container, 304);
	}

	/**
	 * Stops a container: its stop signal, then SIGKILL after {@code timeout}; an already
	 * stopped one is fine.
	 */
	public Mono<Void> stop(String container, Duration timeout) {
		return send(HttpMethod.POST, "/containers/" + encode(container) + "/stop?t=" + timeout.toSeconds(), null,
				"stop " + container, 304);
	}

	/** Sends a signal to a container's main process. */
	public Mono<Void> kill(String container, String signal) {
		return send(HttpMethod.POST, "/containers/" + encode(container) + "/kill?signal=" + encode(signal), null,
				"kill " + container);
	}

	/** Removes a container (running or not); a missing one is not an error. */
	public Mono<Void> remove(String container) {
		return send(HttpMethod.DELETE, "/containers/" + encode(container) + "?force=true", null, "remove " + container,
				404);
	}

	/** A container's document, empty when there is none. */
	public Mono<Optional<JsonNode>> inspect(String container) {
		return get("/containers/" + encode(container) + "/json");
	}

	/** Every container (running or not) carrying the label {@code key=value}. */
	public Flux<JsonNode> containers(String key, String value) {
		String filters = JSON.writeValueAsString(Map.of("label", List.of(key + "=" + value)));
		return get("/containers/json?all=true&filters=" + encode(filters)).flatMapIterable((
				list) -> list.filter(JsonNode::isArray).map((array) -> array.valueStream().toList()).orElse(List.of()));
	}

	/** Unpacks a tar archive into a folder of a container (running or stopped). */
	public Mono<Void> upload(String container, String folder, byte[] tar) {
		return call(HttpMethod.PUT, "/containers/" + encode(container) + "/archive?path=" + encode(folder),
				"application/x-tar", tar)
			.flatMap((response) -> response.ok() ? Mono.<Void>empty()
					: Mono.error(response.failure("upload to " + container + ":" + folder)));
	}

	private Mono<Optional<JsonNode>> get(String path) {
		return call(HttpMethod.GET, path, null, null).flatMap((response) -> {
			if (response.status() == 404) {
				return Mono.just(Optional.<JsonNode>empty());
			}
			return response.ok() ? Mono.just(Optional.of(JSON.readTree(response.body())))
					: Mono.error(response.failure("GET " + path));
		});
	}

	private Mono<Void> send(HttpMethod method, String path, byte[] body, String what, int... fine) {
		return call(method, path, (body != null) ? JSON_TYPE : null, body).flatMap((response) -> {
			if (response.ok() || java.util.Arrays.stream(fine).anyMatch((ok) -> ok == response.status())) {
				return Mono.<Void>empty();
			}
			return Mono.error(response.failure(what));
		});
	}

	private Mono<Response> call(HttpMethod method, String path, String contentType, byte[] body) {
		byte[] content = (body != null) ? body : new byte[0];
		return this.client.headers((headers) -> {
			if (contentType != null) {
				headers.set("Content-Type", contentType);
			}
		})
			.request(method)
			.uri(this.prefix + path)
			.send((method == HttpMethod.GET) ? ByteBufFlux.fromString(Mono.empty())
					: ByteBufFlux.fromInbound(Mono.just(content)))
			.responseSingle((response, bytes) -> bytes.asByteArray()
				.defaultIfEmpty(new byte[0])
				.map((received) -> new Response(response.status().code(), received)));
	}

	private static byte[] json(Object value) {
		return JSON.writeValueAsBytes(value);
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
	}

	private record Response(int status, byte[] body) {

		boolean ok() {
			return this.status >= 200 && this.status < 300;
		}

		EngineException failure(String what) {
			String text = new String(this.body, StandardCharsets.UTF_8);
			String message = text;
			try {
				message = JSON.readTree(text).path("message").asString(text);
			}
			catch (RuntimeException ex) {
				// not JSON: keep the text
			}
			return new EngineException(what, this.status, message);
		}

	}

	/** The engine refused a call. */
	public static final class EngineException extends RuntimeException {

		private final int status;

		EngineException(String what, int status, String message) {
			super(what + ": the container engine answered " + status
					+ (message.isBlank() ? "" : " (" + message.strip() + ")"));
			this.status = status;
		}

		public int status() {
			return this.status;
		}

	}

}
