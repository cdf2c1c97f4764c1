package com.lingxi.common.identity;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.springframework.web.server.ServerWebExchange;

/** Request ids: taken from the gateway's header when well-formed, otherwise made here. */
public final class RequestIds {

	/** Exchange attribute holding the request id once assigned. */
	public static final String ATTRIBUTE = RequestIds.class.getName() + ".requestId";

	private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

	private RequestIds() {
	}

	/** A new random id (16 characters, base 36). */
	public static String generate() {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		char[] id = new char[16];
		for (int i = 0; i < id.length; i++) {
			id[i] = ALPHABET[random.nextInt(ALPHABET.length)];
		}
		return new String(id);
	}

	/** Returns the given id if it is safe to log and forward, otherwise null. */
	public static String accept(String candidate) {
		return (candidate != null && ACCEPTED.matcher(candidate).matches()) ? candidate : null;
	}

	/** The id of this exchange, assigning one if nothing has yet. */
	public static String of(ServerWebExchange exchange) {
		String id = exchange.getAttribute(ATTRIBUTE);
		if (id == null) {
			id = accept(exchange.getRequest().getHeaders().getFirst(IdentityHeaders.REQUEST_ID));
			if (id == null) {
				id = generate();
			}
			exchange.getAttributes().put(ATTRIBUTE, id);
		}
		return id;
	}

}
