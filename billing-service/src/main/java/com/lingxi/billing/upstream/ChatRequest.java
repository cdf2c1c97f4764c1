package com.lingxi.billing.upstream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * A chat completion request as a client sent it, read in one streaming pass without
 * building a tree: the few members the proxy needs, and where each top-level member
 * starts. The body forwarded upstream is the client's bytes with {@code model} replaced,
 * {@code stream_options.include_usage} added to streamed calls, the proxy's own
 * {@code lingxi_agent} removed, and {@code max_tokens} / {@code max_completion_tokens}
 * lowered to the alias's limit (or {@code max_tokens} added when the client set neither);
 * every other member (messages, tools, reasoning settings, unknown fields) is passed
 * through byte for byte, without copying.
 *
 * <p>
 * {@code n} other than 1 is refused: a call is reserved and billed as one answer.
 */
public final class ChatRequest {

	/** Top-level member naming the calling agent, read and removed by the proxy. */
	public static final String AGENT_MEMBER = "lingxi_agent";

	private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

	private static final byte[] USAGE_OPTIONS = ",\"stream_options\":{\"include_usage\":true}"
		.getBytes(StandardCharsets.UTF_8);

	private static final Set<String> TEXT_FIELDS = Set.of("content", "text", "arguments", "name", "description",
			"reasoning_content", "refusal");

	private final byte[] body;

	private final String model;

	private final boolean stream;

	private final boolean clientAskedForUsage;

	private final int messageCount;

	private final long maxTokens;

	private final long maxCompletionTokens;

	private final String agentId;

	/**
	 * The members forwarded, three ints each: byte range [start, end) and kind
	 * ({@link #PLAIN}, {@link #MAX_TOKENS}, {@link #MAX_COMPLETION_TOKENS}).
	 */
	private final int[] kept;

	private static final int PLAIN = 0;

	private static final int MAX_TOKENS = 1;

	private static final int MAX_COMPLETION_TOKENS = 2;

	private ChatRequest(byte[] body, String model, boolean stream, boolean clientAskedForUsage, int messageCount,
			long maxTokens, long maxCompletionTokens, String agentId, int[] kept) {
		this.body = body;
		this.model = model;
		this.stream = stream;
		this.clientAskedForUsage = clientAskedForUsage;
		this.messageCount = messageCount;
		this.maxTokens = maxTokens;
		this.maxCompletionTokens = maxCompletionTokens;
		this.agentId = agentId;
		this.kept = kept;
	}

	/**
	 * Reads a request body.
	 * @throws Invalid if it is not a chat completion request
	 */
	public static ChatRequest parse(byte[] body, JsonMapper json) {
		try (JsonParser parser = json.createParser(body)) {
			return read(body, parser);
		}
		catch (JacksonException ex) {
			throw new Invalid(null, "We could not parse the JSON body of your request: " + firstLine(ex));
		}
	}

	private static ChatRequest read(byte[] body, JsonParser parser) {
		if (parser.nextToken() != JsonToken.START_OBJECT) {
			throw new Invalid(null, "The request body must be a JSON object.");
		}
		String model = null;
		boolean stream = false;
		boolean askedForUsage = false;
		boolean keepStreamOptions = false;
		int messages = -1;
		long maxTokens = -1;
		long maxCompletionTokens = -1;
		String agentFromBody = null;
		String agentHint = null;
		List<Member> members = new ArrayList<>();
		JsonToken token;
		while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
			int start = (int) parser.currentTokenLocation().getByteOffset();
			String name = parser.currentName();
			JsonToken value = parser.nextToken();
			boolean keep = true;
			int kind = PLAIN;
			switch (name) {
				case "model" -> {
					if (value != JsonToken.VALUE_STRING) {
						throw new Invalid("model", "'model' must be a string.");
					}
					model = parser.getString();
					keep = false;
				}
				case "stream" -> {
					if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE
							&& value != JsonToken.VALUE_NULL) {
						throw new Invalid("stream", "'stream' must be a boolean.");
					}
					stream = value == JsonToken.VALUE_TRUE;
				}
				case "stream_options" -> {
					if (value == JsonToken.START_OBJECT) {
						askedForUsage = readIncludeUsage(parser);
					}
					else if (value != JsonToken.VALUE_NULL) {
						throw new Invalid("stream_options", "'stream_options' must be an object.");
					}
					keepStreamOptions = askedForUsage;
					keep = false;
				}
				case "messages" -> {
					if (value != JsonToken.START_ARRAY) {
						throw new Invalid("messages", "'messages' must be an array of messages.");
					}
					messages = countMessages(parser);
				}
				case "max_tokens", "max_completion_tokens" -> {
					long limit = -1;
					if (value == JsonToken.VALUE_NUMBER_INT) {
						limit = parser.getLongValue();
					}
					else if (value != JsonToken.VALUE_NULL) {
						throw new Invalid(name, "'" + name + "' must be an integer.");
					}
					// A null is as good as absent (and is not forwarded).
					keep = limit >= 0;
					if ("max_tokens".equals(name)) {
						maxTokens = limit;
						kind = MAX_TOKENS;
					}
					else {
						maxCompletionTokens = limit;
						kind = MAX_COMPLETION_TOKENS;
					}
				}
				case "n" -> {
					if (value == JsonToken.VALUE_NUMBER_INT) {
						if (parser.getLongValue() != 1) {
							throw new Invalid("n",
									"This endpoint generates one choice per call: 'n' must be 1 (or left out). Each "
											+ "call is reserved and billed as one answer; make several calls for "
											+ "several answers.");
						}
					}
					else if (value != JsonToken.VALUE_NULL) {
						throw new Invalid("n", "'n' must be an integer.");
					}
				}
				case AGENT_MEMBER -> {
					if (value == JsonToken.VALUE_STRING) {
						agentFromBody = parser.getString();
					}
					else {
						parser.skipChildren();
					}
					keep = false;
				}
				case "user", "prompt_cache_key", "safety_identifier" -> {
					if (value == JsonToken.VALUE_STRING && agentHint == null) {
						agentHint = agentOfSessionKey(parser.getString());
					}
					else {
						parser.skipChildren();
					}
				}
				default -> parser.skipChildren();
			}
			members.add(new Member(start, keep || (keepStreamOptions && "stream_options".equals(name)), kind));
		}
		if (token != JsonToken.END_OBJECT) {
			throw new Invalid(null, "The request body must be a JSON object.");
		}
		int close = (int) parser.currentTokenLocation().getByteOffset();
		if (parser.nextToken() != null) {
			throw new Invalid(null, "The request body has content after its JSON object.");
		}
		if (model == null || model.isBlank()) {
			throw new Invalid("model", "You must provide a model parameter.");
		}
		if (messages < 0) {
			throw new Invalid("messages", "You must provide 'messages'.");
		}
		if (messages == 0) {
			throw new Invalid("messages", "'messages' must contain at least one message.");
		}
		String agent = validAgent(agentFromBody);
		return new ChatRequest(body, model, stream, askedForUsage, messages, maxTokens, maxCompletionTokens,
				(agent != null) ? agent : agentHint, keptRanges(body, members, close));
	}

	private static boolean readIncludeUsage(JsonParser parser) {
		boolean include = false;
		while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
			String name = parser.currentName();
			JsonToken value = parser.nextToken();
			if ("include_usage".equals(name)) {
				include = value == JsonToken.VALUE_TRUE;
			}
			else {
				parser.skipChildren();
			}
		}
		return include;
	}

	private static int countMessages(JsonParser parser) {
		int count = 0;
		JsonToken token;
		while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
			if (token != JsonToken.START_OBJECT) {
				throw new Invalid("messages", "Each message must be an object.");
			}
			parser.skipChildren();
			count++;
		}
		return count;
	}

	/**
	 * The [start, end) ranges and kinds of kept members: from a member's name to the
	 * comma before the next member's name (or the closing brace).
	 */
	private static int[] keptRanges(byte[] body, List<Member> members, int close) {
		int[] ranges = new int[members.size() * 3];
		int n = 0;
		for (int i = 0; i < members.size(); i++) {
			Member member = members.get(i);
			if (!member.keep()) {
				continue;
			}
			int end;
			if (i + 1 < members.size()) {
				end = members.get(i + 1).start() - 1;
				while (end > member.start() && body[end] != ',') {
					end--;
				}
			}
			else {
				end = close;
			}
			ranges[n++] = member.start();
			ranges[n++] = end;
			ranges[n++] = member.kind();
		}
		int[] trimmed = new int[n];
		System.arraycopy(ranges, 0, trimmed, 0, n);
		return trimmed;
	}

	/** OpenClaw session keys read {@code agent:<agentId>:...}. */
	static String agentOfSessionKey(String value) {
		if (value == null || !value.startsWith("agent:")) {
			return null;
		}
		int end = value.indexOf(':', 6);
		return validAgent((end < 0) ? value.substring(6) : value.substring(6, end));
	}

	static String validAgent(String candidate) {
		return (candidate != null && AGENT_ID.matcher(candidate).matches()) ? candidate : null;
	}

	/**
	 * The body to send upstream, asking for {@code upstreamModel} and at most
	 * {@code outputLimit} output tokens: a larger {@code max_tokens} or
	 * {@code max_completion_tokens} is lowered to it (where it stood), and a request that
	 * set neither gets {@code "max_tokens": outputLimit}.
	 */
	public ByteBuf bodyFor(String upstreamModel, long outputLimit) {
		StringBuilder head = new StringBuilder("{\"model\":").append(quote(upstreamModel));
		if (this.maxTokens < 0 && this.maxCompletionTokens < 0) {
			head.append(",\"max_tokens\":").append(outputLimit);
		}
		List<ByteBuf> parts = new ArrayList<>(3 + this.kept.length);
		parts.add(Unpooled.wrappedBuffer(head.toString().getBytes(StandardCharsets.UTF_8)));
		if (this.stream && !this.clientAskedForUsage) {
			parts.add(Unpooled.wrappedBuffer(USAGE_OPTIONS));
		}
		for (int i = 0; i < this.kept.length; i += 3) {
			parts.add(Unpooled.wrappedBuffer(COMMA));
			int kind = this.kept[i + 2];
			long asked = (kind == MAX_TOKENS) ? this.maxTokens : this.maxCompletionTokens;
			if (kind != PLAIN && asked > outputLimit) {
				String name = (kind == MAX_TOKENS) ? "max_tokens" : "max_completion_tokens";
				parts.add(Unpooled.wrappedBuffer(("\"" + name + "\":" + outputLimit).getBytes(StandardCharsets.UTF_8)));
			}
			else {
				parts.add(Unpooled.wrappedBuffer(this.body, this.kept[i], this.kept[i + 1] - this.kept[i]));
			}
		}
		parts.add(Unpooled.wrappedBuffer(CLOSE));
		return Unpooled.wrappedBuffer(parts.toArray(ByteBuf[]::new));
	}

	private static final byte[] COMMA = { ',' };

	private static final byte[] CLOSE = { '}' };

	/** The model the client asked for, as sent. */
	public String model() {
		return this.model;
	}

	public boolean stream() {
		return this.stream;
	}

	/** Whether a streaming client asked for the usage chunk itself. */
	public boolean clientAskedForUsage() {
		return this.clientAskedForUsage;
	}

	public int messageCount() {
		return this.messageCount;
	}

	/**
	 * The output tokens the call may generate with an alias allowing at most
	 * {@code limit}: the client's {@code max_tokens} / {@code max_completion_tokens} (the
	 * larger, if both) lowered to the limit, or the limit if it set neither.
	 */
	public long maxOutputTokens(long limit) {
		long asked = Math.max(this.maxTokens, this.maxCompletionTokens);
		return (asked < 0) ? limit : Math.min(asked, limit);
	}

	/** The calling agent, when the request says, else null. */
	public String agentId() {
		return this.agentId;
	}

	/** Size of the client's body in bytes. */
	public int size() {
		return this.body.length;
	}

	/**
	 * The text of the messages and tool definitions, for counting prompt tokens when the
	 * upstream reports none (CPU work: call it off the event loop).
	 */
	public String promptText(JsonMapper json) {
		StringBuilder text = new StringBuilder(this.body.length / 2);
		try (JsonParser parser = json.createParser(this.body)) {
			parser.nextToken();
			while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if (("messages".equals(name) || "tools".equals(name) || "functions".equals(name))
						&& value.isStructStart()) {
					collectText(parser, text, "tools".equals(name) || "functions".equals(name));
				}
				else {
					parser.skipChildren();
				}
			}
		}
		return text.toString();
	}

	/**
	 * Appends the text a model reads from a JSON value the parser is at the start of.
	 * @param everything whether every name and string counts (tool schemas) or only the
	 * text-bearing fields (messages, answers)
	 */
	public static void collectText(JsonParser parser, StringBuilder text, boolean everything) {
		int depth = 1;
		while (depth > 0) {
			JsonToken token = parser.nextToken();
			if (token == null) {
				return;
			}
			switch (token) {
				case START_OBJECT, START_ARRAY -> depth++;
				case END_OBJECT, END_ARRAY -> depth--;
				case PROPERTY_NAME -> {
					if (everything) {
						text.append(parser.currentName()).append(' ');
					}
				}
				case VALUE_STRING -> {
					if (everything || TEXT_FIELDS.contains(parser.currentName())) {
						text.append(parser.getString()).append('\n');
					}
				}
				default -> {
				}
			}
		}
	}

	private static String quote(String value) {
		StringBuilder out = new StringBuilder(value.length() + 2).append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					}
					else {
						out.append(c);
					}
				}
			}
		}
		return out.append('"').toString();
	}

	private static String firstLine(JacksonException ex) {
		String message = ex.getOriginalMessage();
		if (message == null) {
			return "malformed JSON";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	private record Member(int start, boolean keep, int kind) {
	}

	/** A body that is not a valid chat completion request. */
	public static final class Invalid extends RuntimeException {

		private static final long serialVersionUID = 1L;

		private final String param;

		Invalid(String param, String message) {
			super(message, null, false, false);
			this.param = param;
		}

		/** The offending parameter, or null. */
		public String param() {
			return this.param;
		}

	}

}
