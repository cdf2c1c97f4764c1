package com.lingxi.billing.upstream;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatRequestTests {

	private final JsonMapper json = JsonMapper.builder().build();

	private ChatRequest parse(String body) {
		return ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8), this.json);
	}

	private static String forwarded(ChatRequest request, String model) {
		ByteBuf body = request.bodyFor(model, 8192);
		try {
			return body.toString(StandardCharsets.UTF_8);
		}
		finally {
			body.release();
		}
	}

	@Test
	void rewritesOnlyTheModelAndAsksForUsageKeepingEverythingElseByteForByte() {
		String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"read\",\"parameters\":{\"type\":\"object\"}}}]";
		String messages = "[ {\"role\":\"system\",\"content\":\"Be \\\"brief\\\" \\u4f60\\u597d\"},\n {\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]} ]";
		String body = "{ \"model\" : \"lingxi/standard\", \"messages\": " + messages + ", \"stream\":true, \"tools\":"
				+ tools + ", \"x_unknown\": {\"deep\": [1, 2.5e3, null]}, \"lingxi_agent\": \"coder\" }";
		ChatRequest request = parse(body);
		assertThat(request.model()).isEqualTo("lingxi/standard");
		assertThat(request.stream()).isTrue();
		assertThat(request.clientAskedForUsage()).isFalse();
		assertThat(request.messageCount()).isEqualTo(2);
		assertThat(request.agentId()).isEqualTo("coder");

		String out = forwarded(request, "deepseek-chat");
		JsonNode tree = this.json.readTree(out);
		assertThat(tree.path("model").asString()).isEqualTo("deepseek-chat");
		assertThat(tree.path("stream_options").path("include_usage").asBoolean()).isTrue();
		assertThat(tree.has("lingxi_agent")).isFalse();
		// The client's members arrive as the exact bytes it sent.
		assertThat(out).contains("\"messages\": " + messages)
			.contains("\"tools\":" + tools)
			.contains("\"x_unknown\": {\"deep\": [1, 2.5e3, null]}");
		assertThat(tree.path("x_unknown").path("deep").size()).isEqualTo(3);
	}

	@Test
	void keepsTheClientsOwnStreamOptionsAndRemovesTrailingMembersCleanly() {
		ChatRequest asked = parse(
				"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\":\"pro\"}");
		assertThat(asked.clientAskedForUsage()).isTrue();
		String out = forwarded(asked, "m");
		assertThat(this.json.readTree(out).path("stream_options").path("include_usage").asBoolean()).isTrue();
		assertThat(out.split("stream_options", -1)).hasSize(2);

		ChatRequest notStreamed = parse(
				"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"model\":\"pro\",\"max_tokens\":300,\"lingxi_agent\":\"ops\"}");
		assertThat(notStreamed.stream()).isFalse();
		assertThat(notStreamed.maxOutputTokens(8192)).isEqualTo(300);
		assertThat(forwarded(notStreamed, "m"))
			.isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":300}");
	}

	@Test
	void lowersAMaxTokensAboveTheAliasLimitWhereItStands() {
		ChatRequest both = parse("{\"model\":\"s\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\"}],"
				+ "\"max_completion_tokens\": 9000,\"temperature\":0.2}");
		assertThat(both.maxOutputTokens(8192)).isEqualTo(8192);
		assertThat(both.maxOutputTokens(16384)).isEqualTo(16384);
		assertThat(forwarded(both, "m"))
			.isEqualTo("{\"model\":\"m\",\"max_tokens\":8192,\"messages\":[{\"role\":\"user\"}],"
					+ "\"max_completion_tokens\":8192,\"temperature\":0.2}");

		ChatRequest within = parse(
				"{\"model\":\"s\",\"messages\":[{}],\"max_completion_tokens\": 512 ,\"max_tokens\":null}");
		assertThat(within.maxOutputTokens(8192)).isEqualTo(512);
		// Within the limit: the client's bytes; the null member is dropped.
		assertThat(forwarded(within, "m"))
			.isEqualTo("{\"model\":\"m\",\"messages\":[{}],\"max_completion_tokens\": 512 }");
	}

	@Test
	void aRequestWithoutMaxTokensIsSentAndReservedWithTheAliasLimit() {
		ChatRequest none = parse("{\"model\":\"s\",\"messages\":[{}]}");
		assertThat(none.maxOutputTokens(8192)).isEqualTo(8192);
		assertThat(forwarded(none, "m")).isEqualTo("{\"model\":\"m\",\"max_tokens\":8192,\"messages\":[{}]}");
		ChatRequest nulls = parse("{\"model\":\"s\",\"messages\":[{}],\"max_tokens\":null}");
		assertThat(nulls.maxOutputTokens(4000)).isEqualTo(4000);
		assertThat(this.json.readTree(forwarded(nulls, "m")).path("max_tokens").asLong()).isEqualTo(8192);
	}

	@Test
	void refusesMoreThanOneChoicePerCall() {
		assertThatThrownBy(() -> parse("{\"model\":\"s\",\"messages\":[{}],\"n\":3}"))
			.isInstanceOfSatisfying(ChatRequest.Invalid.class, (ex) -> assertThat(ex.param()).isEqualTo("n"))
			.hasMessageContaining("one choice per call");
		assertThatThrownBy(() -> parse("{\"model\":\"s\",\"messages\":[{}],\"n\":0}"))
			.isInstanceOf(ChatRequest.Invalid.class);
		assertThatThrownBy(() -> parse("{\"model\":\"s\",\"messages\":[{}],\"n\":\"2\"}"))
			.isInstanceOf(ChatRequest.Invalid.class);
		assertThat(forwarded(parse("{\"model\":\"s\",\"n\":1,\"messages\":[{}],\"max_tokens\":5}"), "m"))
			.isEqualTo("{\"model\":\"m\",\"n\":1,\"messages\":[{}],\"max_tokens\":5}");
		assertThat(parse("{\"model\":\"s\",\"n\":null,\"messages\":[{}]}").messageCount()).isEqualTo(1);
	}

	@Test
	void readsTheAgentFromAnOpenClawSessionKeyWhenTheBodyDoesNotName_it() {
		assertThat(parse("{\"model\":\"s\",\"messages\":[{}],\"prompt_cache_key\":\"agent:inventor:main\"}").agentId())
			.isEqualTo("inventor");
		assertThat(parse("{\"model\":\"s\",\"messages\":[{}],\"user\":\"someone\"}").agentId()).isNull();
		assertThat(parse("{\"model\":\"s\",\"messages\":[{}],\"lingxi_agent\":\"bad id!\"}").agentId()).isNull();
	}

	@Test
	void refusesWhatIsNotAChatCompletionRequest() {
		assertInvalid("not json", null);
		assertInvalid("[1,2]", null);
		assertInvalid("{\"model\":\"s\",\"messages\":[{}]} trailing", null);
		assertInvalid("{\"messages\":[{}]}", "model");
		assertInvalid("{\"model\":7,\"messages\":[{}]}", "model");
		assertInvalid("{\"model\":\"s\"}", "messages");
		assertInvalid("{\"model\":\"s\",\"messages\":[]}", "messages");
		assertInvalid("{\"model\":\"s\",\"messages\":\"hi\"}", "messages");
		assertInvalid("{\"model\":\"s\",\"messages\":[\"hi\"]}", "messages");
		assertInvalid("{\"model\":\"s\",\"messages\":[{}],\"stream\":\"yes\"}", "stream");
		assertInvalid("{\"model\":\"s\",\"messages\":[{}],\"max_tokens\":\"many\"}", "max_tokens");
		assertInvalid("{\"model\":\"s\",\"messages\":[{\"content\":\"unterminated}]}", null);
	}

	@Test
	void promptTextCoversMessagesAndToolsButNotTheModelName() {
		ChatRequest request = parse(
				"{\"model\":\"secret-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}],"
						+ "\"tools\":[{\"function\":{\"name\":\"read_file\",\"description\":\"reads\"}}]}");
		String text = request.promptText(this.json);
		assertThat(text).contains("hello world").contains("read_file").contains("reads").doesNotContain("secret-model");
	}

	private void assertInvalid(String body, String param) {
		assertThatThrownBy(() -> parse(body)).isInstanceOf(ChatRequest.Invalid.class)
			.satisfies((ex) -> assertThat(((ChatRequest.Invalid) ex).param()).isEqualTo(param));
	}

}
