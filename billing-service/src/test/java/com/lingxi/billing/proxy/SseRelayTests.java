package com.lingxi.billing.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.billing.FakeUpstream;

import static org.assertj.core.api.Assertions.assertThat;

class SseRelayTests {

	private final JsonMapper json = JsonMapper.builder().build();

	private static byte[] stream(List<String> events) {
		return String.join("", events).getBytes(StandardCharsets.UTF_8);
	}

	/** Feeds the bytes in chunks of the given size and collects what is forwarded. */
	private static byte[] relay(SseRelay relay, byte[] input, int chunkSize) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (int i = 0; i < input.length; i += chunkSize) {
			out.writeBytes(relay.accept(Arrays.copyOfRange(input, i, Math.min(input.length, i + chunkSize))));
		}
		out.writeBytes(relay.finish());
		if (relay.done() != null) {
			out.writeBytes(relay.done());
		}
		return out.toByteArray();
	}

	@Test
	void passesEveryByteThroughWhateverTheChunkBoundariesAndReadsTheUsage() {
		byte[] input = stream(FakeUpstream.events(true));
		for (int size : new int[] { 1, 2, 7, 64, 333, input.length }) {
			SseRelay relay = new SseRelay(false, this.json);
			assertThat(relay(relay, input, size)).as("chunks of %d", size).isEqualTo(input);
			assertThat(relay.usage()).isEqualTo(
					new Usage(FakeUpstream.PROMPT_TOKENS, FakeUpstream.COMPLETION_TOKENS, FakeUpstream.CACHED_TOKENS));
		}
	}

	@Test
	void dropsOnlyTheUsageChunkWhenTheClientDidNotAskForIt() {
		List<String> events = FakeUpstream.events(true);
		byte[] input = stream(events);
		String usageEvent = events.get(events.size() - 2);
		byte[] expected = stream(events.stream().filter((event) -> !event.equals(usageEvent)).toList());
		for (int size : new int[] { 3, 100, input.length }) {
			SseRelay relay = new SseRelay(true, this.json);
			assertThat(relay(relay, input, size)).isEqualTo(expected);
			assertThat(relay.usage().inputTokens()).isEqualTo(FakeUpstream.PROMPT_TOKENS);
		}
	}

	@Test
	void withholdsDoneUntilAskedAndHandlesCrLfDelimiters() {
		String crlf = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\r\n\r\n"
				+ "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\r\n\r\n"
				+ "data: [DONE]\r\n\r\n";
		SseRelay relay = new SseRelay(false, this.json);
		byte[] forwarded = relay.accept(crlf.getBytes(StandardCharsets.UTF_8));
		assertThat(new String(forwarded, StandardCharsets.UTF_8)).doesNotContain("[DONE]").contains("usage");
		assertThat(new String(relay.done(), StandardCharsets.UTF_8)).isEqualTo("data: [DONE]\r\n\r\n");
		assertThat(relay.usage()).isEqualTo(new Usage(5, 1, 0));
	}

	@Test
	void keepsWhatWasGeneratedForAnEstimateWhenNoUsageArrives() {
		List<String> events = FakeUpstream.events(false);
		SseRelay relay = new SseRelay(true, this.json);
		relay(relay, stream(events.subList(0, 12)), 50);
		assertThat(relay.usage()).isNull();
		assertThat(relay.generatedText()).contains("The user wants the file.")
			.contains("Let")
			.contains(" read")
			.contains("read");
	}

	@Test
	void usageNullInEveryChunkIsNotMistakenForTheUsageChunk() {
		List<String> events = FakeUpstream.events(true);
		SseRelay relay = new SseRelay(true, this.json);
		relay(relay, stream(events.subList(0, 5)), 1000);
		assertThat(relay.usage()).isNull();
	}

}
