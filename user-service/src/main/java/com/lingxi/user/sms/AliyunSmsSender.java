package com.lingxi.user.sms;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import org.springframework.web.reactive.function.client.WebClient;

import com.lingxi.common.id.Ids;

/**
 * Alibaba Cloud SMS {@code SendSms} over its RPC API: query parameters signed with
 * HMAC-SHA1 of the canonical query (signature version 1.0).
 */
final class AliyunSmsSender implements SmsSender {

	private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
		.withZone(ZoneOffset.UTC);

	private final SmsProperties.Aliyun properties;

	private final WebClient http;

	AliyunSmsSender(SmsProperties.Aliyun properties, WebClient.Builder http) {
		this.properties = properties;
		this.http = http.build();
	}

	@Override
	public Mono<Void> send(String phone, String code) {
		SortedMap<String, String> params = new TreeMap<>();
		params.put("AccessKeyId", this.properties.accessKeyId());
		params.put("Action", "SendSms");
		params.put("Format", "JSON");
		params.put("PhoneNumbers", phone.startsWith("+86") ? phone.substring(3) : phone.substring(1));
		params.put("RegionId", this.properties.regionId());
		params.put("SignName", this.properties.signName());
		params.put("SignatureMethod", "HMAC-SHA1");
		params.put("SignatureNonce", Ids.uuidV7().toString());
		params.put("SignatureVersion", "1.0");
		params.put("TemplateCode", this.properties.templateCode());
		params.put("TemplateParam", "{\"code\":\"" + code + "\"}");
		params.put("Timestamp", TIMESTAMP.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
		params.put("Version", "2017-05-25");
		String query = canonicalQuery(params);
		String signature = sign("GET", query, this.properties.accessKeySecret());
		String url = this.properties.endpoint() + "/?Signature=" + percentEncode(signature) + "&" + query;
		return this.http.get()
			.uri(java.net.URI.create(url))
			.retrieve()
			.bodyToMono(JsonNode.class)
			.timeout(this.properties.timeout())
			.flatMap((body) -> {
				String result = body.path("Code").asString("");
				if ("OK".equals(result)) {
					return Mono.<Void>empty();
				}
				return Mono.error(new IllegalStateException(
						"Aliyun SMS refused: " + result + " " + body.path("Message").asString("")));
			});
	}

	/** {@code k=v&k=v} of the sorted, percent-encoded parameters. */
	static String canonicalQuery(SortedMap<String, String> params) {
		return params.entrySet()
			.stream()
			.map((e) -> percentEncode(e.getKey()) + "=" + percentEncode(e.getValue()))
			.collect(Collectors.joining("&"));
	}

	/**
	 * Base64 HMAC-SHA1, keyed with {@code secret + "&"}, of
	 * {@code METHOD&%2F&encode(query)}.
	 */
	static String sign(String method, String canonicalQuery, String secret) {
		String stringToSign = method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery);
		try {
			Mac mac = Mac.getInstance("HmacSHA1");
			mac.init(new SecretKeySpec((secret + "&").getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
			return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA1 unavailable", ex);
		}
	}

	/** RFC 3986 encoding: only {@code A-Z a-z 0-9 - _ . ~} stay as they are. */
	static String percentEncode(String value) {
		StringBuilder out = new StringBuilder();
		for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
			char c = (char) (b & 0xFF);
			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
					|| c == '.' || c == '~') {
				out.append(c);
			}
			else {
				out.append('%')
					.append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
					.append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
			}
		}
		return out.toString();
	}

}
