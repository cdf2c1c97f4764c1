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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the client copes with the faults a Node gateway produces: a connection reset before
 * any answer (as when a request meets a keep-alive connection the gateway is closing) is
 * tried once more on a new connection; a configuration write the gateway fails with
 * "unavailable" (as when it arrives during the previous reload) is tried again, while a
 * refusal is not.
 */
class GatewayClientConnectionTests {

	private ServerSocket server;

	private Thread acceptor;

	private final AtomicInteger connections = new AtomicInteger();

	/**
	 * What the stand-in does with each connection, in order; then it answers {@code ok}.
	 */
	private final Queue<String> faults = new ConcurrentLinkedQueue<>();

	@BeforeEach
	void start() throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.acceptor = new Thread(this::serve, "gateway-stand-in");
		this.acceptor.setDaemon(true);
		this.acceptor.start();
	}

	@AfterEach
	void stop() throws IOException {
		this.server.close();
	}

	private void serve() {
		while (!this.server.isClosed()) {
			try (Socket socket = this.server.accept()) {
				int number = this.connections.incrementAndGet();
				readRequest(socket.getInputStream());
				String fault = this.faults.poll();
				if ("reset".equals(fault)) {
					socket.setSoLinger(true, 0);
					continue;
				}
				if ("unavailable".equals(fault)) {
					answer(socket, 503, "{\"ok\":false,\"error\":{\"code\":\"UNAVAILABLE\","
							+ "\"message\":\"gateway method failed before returning a response\"}}");
				}
				else if ("refused".equals(fault)) {
					answer(socket, 400, "{\"ok\":false,\"error\":{\"message\":\"agents.entries.x.model: invalid\"}}");
				}
				else {
					answer(socket, 200, "{\"ok\":true,\"payload\":{\"hash\":\"h-" + number + "\"}}");
				}
			}
			catch (IOException ex) {
				// closed
			}
		}
	}

	private static void answer(Socket socket, int status, String json) throws IOException {
		byte[] body = json.getBytes(StandardCharsets.UTF_8);
		OutputStream out = socket.getOutputStream();
		out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + body.length
				+ "\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.write(body);
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

	private GatewayClient client() {
		return new GatewayClient(WebClient.builder(), JsonMapper.builder().build());
	}

	private String endpoint() {
		return "http://127.0.0.1:" + this.server.getLocalPort();
	}

	@Test
	void aConnectionResetBeforeTheAnswerIsTriedOnceMore() {
		this.faults.add("reset");
		String hash = client().configHash(endpoint(), "secret").block(Duration.ofSeconds(20));
		assertThat(hash).isEqualTo("h-2");
		assertThat(this.connections).hasValue(2);
	}

	@Test
	void aWriteTheGatewayCouldNotCompleteIsTriedAgainButARefusalIsNot() {
		this.faults.addAll(List.of("unavailable", "unavailable"));
		String hash = client().applyConfig(endpoint(), "secret", "{}", "h-0").block(Duration.ofSeconds(30));
		assertThat(hash).isEqualTo("h-3");

		this.connections.set(0);
		this.faults.add("refused");
		assertThatThrownBy(() -> client().applyConfig(endpoint(), "secret", "{}", "h-0").block(Duration.ofSeconds(30)))
			.isInstanceOf(GatewayClient.ConfigRejectedException.class)
			.hasMessageContaining("agents.entries.x.model");
		assertThat(this.connections).hasValue(1);
	}

}
