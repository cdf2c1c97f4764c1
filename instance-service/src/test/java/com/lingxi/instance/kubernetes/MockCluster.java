package com.lingxi.instance.kubernetes;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * fabric8's Kubernetes mock server in CRUD mode (objects are stored, listed, watched,
 * patched and deleted like an API server would), with two additions:
 * <ul>
 * <li>server-side apply, which the CRUD mode refuses (415): an apply creates the object
 * when it does not exist and is merged into it (RFC 7386 JSON merge: objects key by key,
 * lists replaced) when it does. A real API server also tracks field ownership; the
 * runtime always applies its complete set of fields, so merging gives the same result
 * here;</li>
 * <li>requests are handled one at a time, so the mock's internal locks never make a
 * Vert.x event-loop thread wait (BlockHound, on in all tests, would fail it).</li>
 * </ul>
 * It runs no controllers: no pods, no garbage collection, no status unless a test writes
 * it.
 */
final class MockCluster implements AutoCloseable {

	private final ApplyingDispatcher dispatcher = new ApplyingDispatcher();

	private final KubernetesMockServer server;

	private final KubernetesClient client;

	/** Held so that the setting sticks (JUL keeps loggers weakly). */
	private static final java.util.logging.Logger MOCK_LOG = quiet();

	private static java.util.logging.Logger quiet() {
		// One INFO line per request is too much for a test of fifty gateways.
		java.util.logging.Logger logger = java.util.logging.Logger.getLogger(MockWebServer.class.getName());
		logger.setLevel(java.util.logging.Level.WARNING);
		return logger;
	}

	MockCluster() {
		MOCK_LOG.fine("starting a mock cluster");
		this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), this.dispatcher,
				false);
		this.server.init(InetAddress.getLoopbackAddress(), 0);
		this.client = this.server.createClient();
	}

	/** A client of the mock server (as a test's own view of the cluster). */
	KubernetesClient client() {
		return this.client;
	}

	/** The API server URL, for {@code lingxi.instances.kubernetes.api-server-url}. */
	String url() {
		return "http://127.0.0.1:" + this.server.getPort();
	}

	/** Requests the server has answered so far (watches count once, when opened). */
	int requestCount() {
		return this.server.getRequestCount();
	}

	/** Every write it got: {@code METHOD path [content type]}. */
	List<String> writes() {
		return List.copyOf(this.dispatcher.writes);
	}

	/** Every request it got, reads and watches too: {@code METHOD path?query}. */
	List<String> requests() {
		return List.copyOf(this.dispatcher.requests);
	}

	@Override
	public void close() {
		this.client.close();
		this.server.destroy();
	}

	static final class ApplyingDispatcher extends KubernetesCrudDispatcher {

		private static final String APPLY = "application/apply-patch";

		private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

		private static final JsonMapper JSON = JsonMapper.builder().build();

		final List<String> writes = new CopyOnWriteArrayList<>();

		final List<String> requests = new CopyOnWriteArrayList<>();

		@Override
		public synchronized MockResponse dispatch(RecordedRequest request) {
			this.requests.add(request.getMethod() + " " + request.getPath());
			if (!"GET".equals(request.getMethod())) {
				String type = request.getHeader("Content-Type");
				this.writes
					.add(request.getMethod() + " " + request.getPath() + ((type != null) ? " [" + type + "]" : ""));
			}
			return super.dispatch(request);
		}

		@Override
		public MockResponse handlePatch(RecordedRequest request) {
			String type = request.getHeader("Content-Type");
			if (type == null || !type.startsWith(APPLY)) {
				return super.handlePatch(request);
			}
			String path = URI.create(request.getPath()).getRawPath();
			String body = request.getUtf8Body().stripLeading();
			String json = body.startsWith("{") ? body : SERIALIZATION.convertToJson(body);
			MockResponse current = handleGet(path);
			if (current.code() == 404) {
				String collection = path.substring(0, path.lastIndexOf('/'));
				return handleCreate(request(HttpMethod.POST, collection, "application/json", json));
			}
			JsonNode merged = merge(JSON.readTree(current.getBody().readUtf8()), JSON.readTree(json));
			return handleUpdate(request(HttpMethod.PUT, path, "application/json", JSON.writeValueAsString(merged)));
		}

		/** RFC 7386: objects merge key by key, anything else (lists too) replaces. */
		private static JsonNode merge(JsonNode target, JsonNode patch) {
			if (!patch.isObject() || !target.isObject()) {
				return patch;
			}
			ObjectNode result = ((ObjectNode) target).deepCopy();
			for (String field : patch.propertyNames()) {
				JsonNode value = patch.get(field);
				if (value.isNull()) {
					result.remove(field);
				}
				else {
					result.set(field, result.has(field) ? merge(result.get(field), value) : value);
				}
			}
			return result;
		}

		private static RecordedRequest request(HttpMethod method, String path, String type, String body) {
			Headers headers = Headers.builder().add("Content-Type", type).build();
			return new RecordedRequest("HTTP/1.1", method, path, headers,
					new Buffer(body.getBytes(StandardCharsets.UTF_8)));
		}

	}

}
