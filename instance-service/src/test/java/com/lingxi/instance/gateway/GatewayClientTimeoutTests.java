package com.lingxi.instance.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chats with a gateway that stops answering: one that accepts the connection and never
 * answers, one that stops in the middle of an answer, and one that is slow but keeps
 * talking (which must not be cut off, however long the whole answer takes). Against a raw
 * socket server that behaves as each test scripts it.
 */
class GatewayClientTimeoutTests {

	private static final Duration FIRST_BYTE = Duration.ofMillis(1500);

	private static final Duration IDLE = Duration.ofMillis(1500);

	private static final Duration ANSWER = Duration.ofSeconds(6);

	private static final Map<String, Object> STREAMED = Map.of("model", "openclaw/assistant", "stream", true,
			"messages", List.of(Map.of("role", "user", "content", "hi")));

	private static final Map<String, Object> WHOLE = Map.of("model", "openclaw/assistant", "messages",
			List.of(Map.of("role", "user", "content", "hi")));

	private final List<ServerSocket> servers = new CopyOnWriteArrayList<>();

	private final List<Socket> held = new CopyOnWriteArrayList<>();

	@AfterEach
	void stop() throws IOException {
		for (Socket socket : this.held) {
			socket.close();
		}
		for (ServerSocket server : this.servers) {
			server.close();
		}
	}

	/** What the stand-in does with an accepted connection whose request it has read. */
	interface Behaviour {

		void serve(Socket socket) throws Exception;

	}

	private String gateway(Behaviour behaviour) throws IOException {
		ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.servers.add(server);
		Thread acceptor = new Thread(() -> {
			while (!server.isClosed()) {
				try {
					Socket socket = server.accept();
					this.held.add(socket);
					Thread worker = new Thread(() -> {
						try {
							readRequest(socket.getInputStream());
							behaviour.serve(socket);
						}
						catch (Exception ex) {
							// the client went away
						}
					});
					worker.setDaemon(true);
					worker.start();
				}
				catch (IOException ex) {
					// closed
				}
			}
		}, "gateway-stand-in");
		acceptor.setDaemon(true);
		acceptor.start();
		return "http://127.0.0.1:" + server.getLocalPort();
	}

	private static GatewayClient client() {
		return new GatewayClient(WebClient.builder(), JsonMapper.builder().build(),
				new ChatTimeouts(FIRST_BYTE, IDLE, ANSWER));
	}

	/** Accepts, reads the request, answers nothing and keeps the connection open. */
	private static void silent(Socket socket) throws InterruptedException {
		Thread.sleep(Long.MAX_VALUE);
	}

	private static void sseHead(Socket socket) throws IOException {
		write(socket, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n");
	}

	private static void sseData(Socket socket, String data) throws IOException {
		String event = "data: " + data + "\n\n";
		byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
		write(socket, Integer.toHexString(bytes.length) + "\r\n" + event + "\r\n");
	}

	private static void sseEnd(Socket socket) throws IOException {
		write(socket, "0\r\n\r\n");
		socket.close();
	}

	private static String delta(String content) {
		return "{\"choices\":[{\"delta\":{\"content\":\"" + content + "\"}}]}";
	}

	@Test
	void aGatewayThatNeverAnswersFailsTheChatAfterTheFirstByteTimeout() throws IOException {
		String gateway = gateway(GatewayClientTimeoutTests::silent);
		long started = System.nanoTime();
		assertThatThrownBy(
				() -> client().chatStream(gateway, "t", STREAMED).collectList().block(Duration.ofSeconds(30)))
			.isInstanceOf(GatewayClient.GatewayTimeoutException.class)
			.hasMessageContaining("no answer");
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		assertThat(took).isGreaterThanOrEqualTo(FIRST_BYTE).isLessThan(FIRST_BYTE.plusSeconds(5));

		assertThatThrownBy(() -> client().forward(gateway, "t", STREAMED).block(Duration.ofSeconds(30)))
			.isInstanceOf(GatewayClient.GatewayTimeoutException.class);
	}

	@Test
	void aGatewayThatFallsSilentMidAnswerFailsTheChatAfterTheIdleTimeout() throws IOException {
		String gateway = gateway((socket) -> {
			sseHead(socket);
			sseData(socket, delta("Hel"));
			Thread.sleep(Long.MAX_VALUE);
		});
		List<String> received = new CopyOnWriteArrayList<>();
		long started = System.nanoTime();
		assertThatThrownBy(() -> client().chatStream(gateway, "t", STREAMED)
			.doOnNext(received::add)
			.collectList()
			.block(Duration.ofSeconds(30))).isInstanceOf(GatewayClient.GatewayTimeoutException.class)
			.hasMessageContaining("silent");
		assertThat(received).containsExactly(delta("Hel"));
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(IDLE)
			.isLessThan(IDLE.plusSeconds(5));

		ResponseEntity<Flux<DataBuffer>> forwarded = client().forward(gateway, "t", STREAMED)
			.block(Duration.ofSeconds(30));
		assertThat(forwarded.getStatusCode().value()).isEqualTo(200);
		assertThatThrownBy(() -> DataBufferUtils.join(forwarded.getBody()).block(Duration.ofSeconds(30)))
			.isInstanceOf(GatewayClient.GatewayTimeoutException.class);
	}

	@Test
	void aSlowAnswerThatKeepsStreamingIsNotCutOffHoweverLongItTakes() throws IOException {
		// A cold first turn: the role chunk at once, then a long think (shorter than the
		// idle limit), then pieces for longer than all limits together.
		String gateway = gateway((socket) -> {
			sseHead(socket);
			sseData(socket, "{\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}");
			Thread.sleep(IDLE.toMillis() - 500);
			for (int i = 0; i < 20; i++) {
				sseData(socket, delta("w" + i));
				Thread.sleep(400);
			}
			sseData(socket, "[DONE]");
			sseEnd(socket);
		});
		long started = System.nanoTime();
		List<String> events = client().chatStream(gateway, "t", STREAMED).collectList().block(Duration.ofSeconds(60));
		assertThat(Duration.ofNanos(System.nanoTime() - started))
			.isGreaterThan(FIRST_BYTE.plus(IDLE).plus(Duration.ofSeconds(3)));
		assertThat(events).hasSize(22).last().isEqualTo("[DONE]");
	}

	@Test
	void aWholeAnswerMayTakeLongerThanTheFirstByteTimeoutButNotThanTheAnswerTimeout() throws IOException {
		String body = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"done thinking\"}}]}";
		String slow = gateway((socket) -> {
			Thread.sleep(FIRST_BYTE.toMillis() + 1500);
			write(socket, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
					+ body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body);
		});
		ResponseEntity<Flux<DataBuffer>> answer = client().forward(slow, "t", WHOLE).block(Duration.ofSeconds(30));
		assertThat(DataBufferUtils.join(answer.getBody())
			.map((buffer) -> buffer.toString(StandardCharsets.UTF_8))
			.block(Duration.ofSeconds(30))).isEqualTo(body);

		String silent = gateway(GatewayClientTimeoutTests::silent);
		long started = System.nanoTime();
		assertThatThrownBy(() -> client().forward(silent, "t", WHOLE).block(Duration.ofSeconds(30)))
			.isInstanceOf(GatewayClient.GatewayTimeoutException.class);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(ANSWER);
	}

	private static void write(Socket socket, String text) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(text.getBytes(StandardCharsets.UTF_8));
		out.flush();
	}

	private static void readRequest(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int next = in.read();
			if (next < 0) {
				return;
			}
			head.append((char) next);
		}
		String lower = head.toString().toLowerCase();
		int at = lower.indexOf("content-length:");
		if (at >= 0) {
			int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).strip());
			in.readNBytes(length);
		}
	}

}
