package com.lingxi.billing.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The model proxy benchmark's two tools, run by {@code deploy/bench/model-proxy-bench.sh}
 * from the test classpath (not a test).
 *
 * <pre>
 * upstream --port 18499                    a fake OpenAI-compatible provider
 * load --url U [--key K] --concurrency C (--requests N | --seconds S) [--profile P] [--warmup-seconds 5]
 * </pre>
 *
 * The fake streams {@code chat.completion.chunk} events like a real model: profile
 * {@code stream} (what the latency numbers use) waits 20 ms, then sends 25 content chunks
 * 20 ms apart, a usage chunk and {@code [DONE]}; profile {@code fast} sends the same
 * events at once (for throughput). The load generator sends an OpenClaw-sized request (a
 * 45,000-character system prompt, 20 tool definitions, a short history), and measures per
 * request the time to the first body byte and to the end of the stream; it prints one
 * JSON line of percentiles.
 */
public final class ModelProxyBench {

	private ModelProxyBench() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = options(args);
		switch (args[0]) {
			case "upstream" -> upstream(Integer.parseInt(options.getOrDefault("port", "18499")));
			case "load" -> load(options);
			case "body" -> System.out.println(body("stream").length);
			default -> throw new IllegalArgumentException("upstream | load");
		}
	}

	// ---- fake upstream ----------------------------------------------------------------

	private static void upstream(int port) throws InterruptedException {
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.route((routes) -> routes.post("/v1/chat/completions", (request,
					response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8).flatMap((body) -> {
						boolean fast = body.contains("bench-profile:fast");
						List<byte[]> events = events();
						Flux<ByteBuf> stream = Flux.fromIterable(events).map(Unpooled::wrappedBuffer);
						if (!fast) {
							stream = Flux.fromIterable(events)
								.delayElements(Duration.ofMillis(20))
								.map(Unpooled::wrappedBuffer);
						}
						return response.header("Content-Type", "text/event-stream")
							.send(stream, (buffer) -> true)
							.then();
					})))
			.bindNow();
		System.out.println("fake upstream on " + server.port());
		new CountDownLatch(1).await();
	}

	private static List<byte[]> events() {
		String head = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1732600000,"
				+ "\"model\":\"bench-model\",\"system_fingerprint\":\"fp_bench\",";
		List<byte[]> events = new ArrayList<>();
		events.add(("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n")
			.getBytes(StandardCharsets.UTF_8));
		for (int i = 0; i < 25; i++) {
			events.add(("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token" + i
					+ "\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n")
				.getBytes(StandardCharsets.UTF_8));
		}
		events.add(("data: " + head
				+ "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n")
			.getBytes(StandardCharsets.UTF_8));
		events.add(("data: " + head
				+ "\"choices\":[],\"usage\":{\"prompt_tokens\":12000,\"completion_tokens\":25,\"total_tokens\":12025}}\n\n")
			.getBytes(StandardCharsets.UTF_8));
		events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
		return events;
	}

	// ---- load generator ---------------------------------------------------------------

	private static void load(Map<String, String> options) throws InterruptedException {
		String url = options.get("url");
		String key = options.getOrDefault("key", "none");
		int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "1"));
		long requests = Long.parseLong(options.getOrDefault("requests", "0"));
		long seconds = Long.parseLong(options.getOrDefault("seconds", "0"));
		byte[] body = body(options.getOrDefault("profile", "stream"));
		ConnectionProvider pool = ConnectionProvider.builder("bench")
			.maxConnections(concurrency)
			.pendingAcquireMaxCount(-1)
			.build();
		HttpClient client = HttpClient.create(pool)
			.option(ChannelOption.TCP_NODELAY, true)
			.keepAlive(true)
			.compress(false);
		Duration spread = Duration.ofMillis(Long.parseLong(options.getOrDefault("spread-ms", "0")));
		long warmup = Long.parseLong(options.getOrDefault("warmup-seconds", "5"));
		if (warmup > 0) {
			// Connections, JIT and class loading of this JVM: not measured.
			run(client, url, key, body, concurrency, 0, warmup, spread, new ConcurrentLinkedQueue<>(),
					new AtomicLong());
		}
		ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
		AtomicLong errors = new AtomicLong();
		long started = System.nanoTime();
		run(client, url, key, body, concurrency, requests, seconds, spread, samples, errors);
		double elapsed = (System.nanoTime() - started) / 1e9;
		long[] ttfb = samples.stream().mapToLong((sample) -> sample[0]).sorted().toArray();
		long[] total = samples.stream().mapToLong((sample) -> sample[1]).sorted().toArray();
		System.out.println(String.format(Locale.ROOT,
				"{\"url\":\"%s\",\"concurrency\":%d,\"requests\":%d,\"errors\":%d,\"seconds\":%.1f,"
						+ "\"requestsPerSecond\":%.1f,\"ttfbMs\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},"
						+ "\"totalMs\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f}}",
				url, concurrency, ttfb.length, errors.get(), elapsed, ttfb.length / elapsed, ms(ttfb, 50), ms(ttfb, 90),
				ms(ttfb, 99), ms(ttfb, 100), ms(total, 50), ms(total, 90), ms(total, 99), ms(total, 100)));
		pool.disposeLater().block();
	}

	/**
	 * Runs closed-loop workers until {@code requests} are done or {@code seconds} passed.
	 * With a {@code spread}, worker {@code i} starts {@code i * spread / concurrency}
	 * later, so that the streams run out of step, as independent instances do; without
	 * one, all start together and, their answers taking the same time, stay in step.
	 */
	private static void run(HttpClient client, String url, String key, byte[] body, int concurrency, long requests,
			long seconds, Duration spread, ConcurrentLinkedQueue<long[]> samples, AtomicLong errors) {
		AtomicLong issued = new AtomicLong();
		long deadline = (seconds > 0) ? System.nanoTime() + Duration.ofSeconds(seconds).toNanos() : Long.MAX_VALUE;
		Flux.range(0, concurrency)
			.flatMap((worker) -> Mono.delay(spread.multipliedBy(worker).dividedBy(concurrency))
				.thenMany(Mono.defer(() -> one(client, url, key, body)).doOnNext(samples::add).onErrorResume((ex) -> {
					errors.incrementAndGet();
					return Mono.empty();
				}).repeat(() -> (requests == 0 || issued.incrementAndGet() < requests) && System.nanoTime() < deadline))
				.then(), concurrency)
			.blockLast();
	}

	/**
	 * One streamed request: {ttfb nanos, total nanos}; errors unless it ends in [DONE].
	 */
	private static Mono<long[]> one(HttpClient client, String url, String key, byte[] body) {
		return Mono.defer(() -> {
			long start = System.nanoTime();
			long[] sample = new long[2];
			byte[] tail = new byte[16];
			int[] tailLength = { 0 };
			return client
				.headers((headers) -> headers.set("Authorization", "Bearer " + key)
					.set("Content-Type", "application/json")
					.setInt("Content-Length", body.length))
				.post()
				.uri(url)
				.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
				.response((response, content) -> {
					if (response.status().code() != 200) {
						return content.then(Mono.error(new IllegalStateException("status " + response.status())));
					}
					return content.doOnNext((chunk) -> {
						if (sample[0] == 0) {
							sample[0] = System.nanoTime() - start;
						}
						int length = chunk.readableBytes();
						int keep = Math.min(length, tail.length);
						System.arraycopy(tail, keep, tail, 0, tail.length - keep);
						chunk.getBytes(chunk.readerIndex() + length - keep, tail, tail.length - keep, keep);
						tailLength[0] = Math.min(tail.length, tailLength[0] + length);
					}).then(Mono.fromCallable(() -> {
						String end = new String(tail, StandardCharsets.US_ASCII);
						if (!end.contains("[DONE]")) {
							throw new IllegalStateException("stream did not end with [DONE]");
						}
						sample[1] = System.nanoTime() - start;
						return sample;
					}));
				})
				.next();
		});
	}

	/** An OpenClaw-sized streamed chat request. */
	static byte[] body(String profile) {
		StringBuilder system = new StringBuilder("You are the coder agent of a Lingxi Cloud team. bench-profile:")
			.append(profile)
			.append(". ");
		String paragraph = "Follow the workspace rules in AGENTS.md, keep answers short, prefer tools over guesses, "
				+ "and never reveal secrets. 你是灵犀云团队的编程助手，回答要简洁准确。";
		while (system.length() < 45_000) {
			system.append(paragraph).append(' ');
		}
		StringBuilder tools = new StringBuilder("[");
		for (int i = 0; i < 20; i++) {
			if (i > 0) {
				tools.append(',');
			}
			tools.append("{\"type\":\"function\",\"function\":{\"name\":\"tool_")
				.append(i)
				.append("\",\"description\":\"Does step ")
				.append(i)
				.append(" of the workflow and reports what changed in the workspace, in detail.\",")
				.append("\"parameters\":{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",")
				.append("\"description\":\"A path inside the workspace\"},\"content\":{\"type\":\"string\"},")
				.append("\"mode\":{\"type\":\"string\",\"enum\":[\"append\",\"replace\",\"create\"]}},")
				.append("\"required\":[\"path\"]}}}");
		}
		tools.append(']');
		String history = "{\"role\":\"user\",\"content\":\"Please look at README.md.\"},"
				+ "{\"role\":\"assistant\",\"content\":\"Reading it now.\"},"
				+ "{\"role\":\"user\",\"content\":\"And summarise the build steps.\"}";
		String json = "{\"model\":\"standard\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
				+ "\"max_completion_tokens\":4096,\"messages\":[{\"role\":\"system\",\"content\":"
				+ quote(system.toString()) + "}," + history + "],\"tools\":" + tools + "}";
		return json.getBytes(StandardCharsets.UTF_8);
	}

	private static String quote(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	private static double ms(long[] sorted, int percentile) {
		if (sorted.length == 0) {
			return Double.NaN;
		}
		int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new HashMap<>();
		List<String> rest = Arrays.asList(args).subList(1, args.length);
		for (int i = 0; i + 1 < rest.size(); i += 2) {
			options.put(rest.get(i).replaceFirst("^--", ""), rest.get(i + 1));
		}
		return options;
	}

}
