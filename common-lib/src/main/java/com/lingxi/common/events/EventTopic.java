package com.lingxi.common.events;

/**
 * A topic: its name (one Redis stream), the record its payload maps to, and the payload's
 * schema version. A version moves only on an incompatible change; adding a field is
 * compatible because consumers ignore fields they do not know.
 *
 * @param <T> the payload type
 * @param name topic name, e.g. {@code user.registered}
 * @param payloadType payload record
 * @param version payload schema version
 */
public record EventTopic<T>(String name, Class<T> payloadType, int version) {

	public static <T> EventTopic<T> of(String name, Class<T> payloadType, int version) {
		return new EventTopic<>(name, payloadType, version);
	}

}
