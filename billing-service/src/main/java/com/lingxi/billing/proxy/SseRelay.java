package com.lingxi.billing.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import com.lingxi.billing.upstream.ChatRequest;

/**
 * Relays one streamed answer event by event, byte for byte. It looks inside an event only
 * when a cheap byte search finds a {@code "usage":{...}} object (normally the last chunk)
 * or {@code [DONE]}; every other event is forwarded as received, without being parsed.
 *
 * <ul>
 * <li>The usage chunk is read for billing, and dropped when the client did not ask for it
 * (the proxy asked on its behalf) and it carries no choices.</li>
 * <li>{@code data: [DONE]} is withheld: the proxy sends it once the call's usage is
 * durably recorded.</li>
 * <li>Until usage arrives the events are kept (compacted to their text past 1 MB), so a
 * call cut short can be billed for what was generated.</li>
 * </ul>
 * Not thread-safe: one relay serves one upstream stream, whose chunks arrive in order.
 */
final class SseRelay {

	private static final byte[] EMPTY = new byte[0];

	private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

	private static final int COMPACT_AT = 1 << 20;

	private final boolean stripUsage;

	private final JsonMapper json;

	private byte[] pending = EMPTY;

	private Usage usage;

	private byte[] done;

	private byte[] retained = new byte[4096];

	private int retainedLength;

	private StringBuilder compacted;

	private boolean sawContent;

	/**
	 * @param stripUsage whether to drop the usage-only chunk (the client did not ask for
	 * it)
	 * @param json for the rare events that must be read
	 */
	SseRelay(boolean stripUsage, JsonMapper json) {
		this.stripUsage = stripUsage;
		this.json = json;
	}

	/** Takes the next chunk from upstream; returns the bytes to forward now. */
	synchronized byte[] accept(byte[] chunk) {
		byte[] data;
		int length;
		if (this.pending.length == 0) {
			data = chunk;
			length = chunk.length;
		}
		else {
			data = Arrays.copyOf(this.pending, this.pending.length + chunk.length);
			System.arraycopy(chunk, 0, data, this.pending.length, chunk.length);
			length = data.length;
		}
		byte[] out = null;
		int outLength = 0;
		boolean unchanged = true;
		int start = 0;
		for (int i = 0; i < length; i++) {
			if (data[i] != '\n') {
				continue;
			}
			int end;
			if (i + 1 < length && data[i + 1] == '\n') {
				end = i + 2;
			}
			else if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n') {
				end = i + 3;
			}
			else {
				continue;
			}
			if (forward(data, start, end)) {
				if (!unchanged) {
					out = append(out, outLength, data, start, end);
					outLength += end - start;
				}
			}
			else if (unchanged) {
				// First event not forwarded: copy what was forwardable so far.
				unchanged = false;
				out = append(null, 0, data, 0, start);
				outLength = start;
			}
			start = end;
			i = end - 1;
		}
		this.pending = (start < length) ? Arrays.copyOfRange(data, start, length) : EMPTY;
		if (unchanged) {
			return (start == length) ? data : Arrays.copyOf(data, start);
		}
		return (out != null && outLength == out.length) ? out : (out != null) ? Arrays.copyOf(out, outLength) : EMPTY;
	}

	/** The stream ended: bytes of a last event that had no blank line after it. */
	synchronized byte[] finish() {
		byte[] rest = this.pending;
		this.pending = EMPTY;
		if (rest.length == 0 || forward(rest, 0, rest.length)) {
			return rest;
		}
		return EMPTY;
	}

	/** The exact usage the upstream reported, or null if none arrived (yet). */
	synchronized Usage usage() {
		return this.usage;
	}

	/** The withheld {@code [DONE]} event, or null if the upstream sent none. */
	byte[] done() {
		return this.done;
	}

	/** Whether any event came through (a first byte was relayed). */
	boolean sawContent() {
		return this.sawContent;
	}

	/**
	 * The text generated so far (answer, reasoning, tool calls), for estimating output
	 * tokens when no usage arrived (CPU work: call it off the event loop).
	 */
	synchronized String generatedText() {
		StringBuilder text = (this.compacted != null) ? this.compacted : new StringBuilder();
		extractText(this.retained, this.retainedLength, text);
		this.retainedLength = 0;
		this.compacted = text;
		return text.toString();
	}

	/** Decides one complete event [start, end): true to forward it. */
	private boolean forward(byte[] data, int start, int end) {
		this.sawContent = true;
		if (isDone(data, start, end)) {
			this.done = Arrays.copyOfRange(data, start, end);
			return false;
		}
		if (this.usage == null && hasUsageObject(data, start, end)) {
			JsonNode event = readEvent(data, start, end);
			Usage reported = (event != null) ? Usage.of(event.get("usage")) : null;
			if (reported != null) {
				this.usage = reported;
				this.retained = EMPTY;
				this.retainedLength = 0;
				this.compacted = null;
				JsonNode choices = event.get("choices");
				boolean usageOnly = choices == null || (choices.isArray() && choices.isEmpty());
				return !(this.stripUsage && usageOnly);
			}
		}
		if (this.usage == null) {
			retain(data, start, end);
		}
		return true;
	}

	private void retain(byte[] data, int start, int end) {
		int length = end - start;
		if (this.retainedLength + length > this.retained.length) {
			if (this.retainedLength + length > COMPACT_AT) {
				if (this.compacted == null) {
					this.compacted = new StringBuilder();
				}
				extractText(this.retained, this.retainedLength, this.compacted);
				this.retainedLength = 0;
			}
			if (length > this.retained.length - this.retainedLength) {
				this.retained = Arrays.copyOf(this.retained,
						Math.max(this.retained.length * 2, this.retainedLength + length));
			}
		}
		System.arraycopy(data, start, this.retained, this.retainedLength, length);
		this.retainedLength += length;
	}

	private void extractText(byte[] events, int length, StringBuilder text) {
		int start = 0;
		while (start < length) {
			int end = start;
			while (end < length && !(events[end] == '\n' && end + 1 < length
					&& (events[end + 1] == '\n' || events[end + 1] == '\r'))) {
				end++;
			}
			int payload = payloadStart(events, start, end);
			if (payload >= 0 && payload < end && events[payload] == '{') {
				try (JsonParser parser = this.json.createParser(events, payload, end - payload)) {
					if (parser.nextToken() == JsonToken.START_OBJECT) {
						ChatRequest.collectText(parser, text, false);
					}
				}
				catch (JacksonException ex) {
					// not JSON: nothing to count
				}
			}
			start = end + 1;
		}
	}

	private JsonNode readEvent(byte[] data, int start, int end) {
		int payload = payloadStart(data, start, end);
		if (payload < 0) {
			return null;
		}
		try {
			return this.json.readTree(Arrays.copyOfRange(data, payload, end));
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	/** Index just after {@code data:} and its optional space, or -1. */
	private static int payloadStart(byte[] data, int start, int end) {
		int at = indexOf(data, start, end, DATA);
		if (at < 0) {
			return -1;
		}
		int payload = at + DATA.length;
		while (payload < end && data[payload] == ' ') {
			payload++;
		}
		return payload;
	}

	private static boolean isDone(byte[] data, int start, int end) {
		int payload = payloadStart(data, start, end);
		if (payload < 0 || payload + DONE.length > end) {
			return false;
		}
		for (int i = 0; i < DONE.length; i++) {
			if (data[payload + i] != DONE[i]) {
				return false;
			}
		}
		return true;
	}

	private static boolean hasUsageObject(byte[] data, int start, int end) {
		int from = start;
		while (true) {
			int at = indexOf(data, from, end, USAGE);
			if (at < 0) {
				return false;
			}
			int i = at + USAGE.length;
			while (i < end && isSpace(data[i])) {
				i++;
			}
			if (i < end && data[i] == ':') {
				i++;
				while (i < end && isSpace(data[i])) {
					i++;
				}
				if (i < end && data[i] == '{') {
					return true;
				}
			}
			from = at + 1;
		}
	}

	private static boolean isSpace(byte b) {
		return b == ' ' || b == '\t' || b == '\r' || b == '\n';
	}

	private static int indexOf(byte[] data, int from, int end, byte[] needle) {
		int last = end - needle.length;
		outer: for (int i = from; i <= last; i++) {
			for (int j = 0; j < needle.length; j++) {
				if (data[i + j] != needle[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	private static byte[] append(byte[] out, int outLength, byte[] data, int start, int end) {
		int length = end - start;
		if (out == null) {
			out = new byte[Math.max(length, 256)];
		}
		else if (outLength + length > out.length) {
			out = Arrays.copyOf(out, Math.max(out.length * 2, outLength + length));
		}
		System.arraycopy(data, start, out, outLength, length);
		return out;
	}

}
