package com.lingxi.user.sms;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

import com.lingxi.common.id.Ids;

/**
 * Alibaba Cloud SMS {@code SendSms} (API version 2017-05-25), signed with the V3
 * signature ({@link Acs3Signature}) as Alibaba's own SDK sends it: {@code POST /} with
 * the parameters in the query string and an empty body.
 *
 * <p>
 * Failures never carry the request URL or Alibaba's error message, both of which can
 * quote the phone number and the code; they name the HTTP status, Alibaba's error code
 * and its request id, which is what Alibaba's support asks for.
 */
final class AliyunSmsSender implements SmsSender {

	static final String ACTION = "SendSms";

	static final String VERSION = "2017-05-25";

	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
		.withZone(ZoneOffset.UTC);

	private static final String EMPTY_BODY_HASH = Acs3Signature.hashedPayload(new byte[0]);

	private final SmsProperties.Aliyun properties;

	private final URI endpoint;

	private final WebClient http;

	AliyunSmsSender(SmsProperties.Aliyun properties, WebClient.Builder http) {
		this.properties = properties;
		this.endpoint = URI.create(properties.endpoint().replaceAll("/+$", ""));
		this.http = http.build();
	}

	@Override
	public Mono<Void> send(String phone, String code) {
		Map<String, String> query = sendSmsParameters(phone, code);
		Map<String, String> headers = signedHeaders(Instant.now(), HexFormat.of().formatHex(Ids.secureBytes(16)));
		Acs3Signature.Signed signed = Acs3Signature.sign("POST", "/", query, headers, this.properties.accessKeyId(),
				this.properties.accessKeySecret());
		URI uri = URI.create(this.endpoint + "/?" + Acs3Signature.canonicalQuery(query));
		return this.http.post().uri(uri).headers((http) -> {
			headers.forEach(http::set);
			http.set(HttpHeaders.AUTHORIZATION, signed.authorization());
			http.setAccept(List.of(MediaType.APPLICATION_JSON));
		})
			.exchangeToMono(this::outcome)
			.timeout(this.properties.timeout())
			.onErrorMap((ex) -> !(ex instanceof SmsDeliveryException), this::unreachable);
	}

	private Map<String, String> sendSmsParameters(String phone, String code) {
		Map<String, String> query = new TreeMap<>();
		// Mainland numbers go without the country code, others as country code + number.
		query.put("PhoneNumbers", phone.startsWith("+86") ? phone.substring(3) : phone.substring(1));
		query.put("SignName", this.properties.signName());
		query.put("TemplateCode", this.properties.templateCode());
		query.put("TemplateParam", "{\"code\":\"" + code + "\"}");
		return query;
	}

	/** The headers V3 signs, for a request made at {@code now} with {@code nonce}. */
	private Map<String, String> signedHeaders(Instant now, String nonce) {
		Map<String, String> headers = new TreeMap<>();
		headers.put("host", hostHeader(this.endpoint));
		headers.put("x-acs-action", ACTION);
		headers.put("x-acs-version", VERSION);
		headers.put("x-acs-date", DATE.format(now.truncatedTo(ChronoUnit.SECONDS)));
		headers.put("x-acs-signature-nonce", nonce);
		headers.put("x-acs-content-sha256", EMPTY_BODY_HASH);
		return headers;
	}

	private Mono<Void> outcome(ClientResponse response) {
		HttpStatusCode status = response.statusCode();
		return response.bodyToMono(JsonNode.class)
			.onErrorResume((ex) -> Mono.empty())
			.defaultIfEmpty(JsonNodeFactory.instance.missingNode())
			.flatMap((body) -> {
				String result = body.path("Code").asString("");
				if (status.is2xxSuccessful() && "OK".equals(result)) {
					return Mono.<Void>empty();
				}
				return Mono.error(new SmsDeliveryException("Alibaba Cloud SMS refused the message: HTTP "
						+ status.value() + ", Code " + (result.isEmpty() ? "(none)" : result) + ", RequestId "
						+ body.path("RequestId").asString("(none)")));
			});
	}

	/**
	 * The Host header the HTTP client sends: the port only when it is not the default.
	 */
	static String hostHeader(URI endpoint) {
		int port = endpoint.getPort();
		boolean defaultPort = port == -1 || ("https".equalsIgnoreCase(endpoint.getScheme()) && port == 443)
				|| ("http".equalsIgnoreCase(endpoint.getScheme()) && port == 80);
		return defaultPort ? endpoint.getHost() : endpoint.getHost() + ":" + port;
	}

	private SmsDeliveryException unreachable(Throwable ex) {
		// A request exception's message is its cause's (a refused connection, an unknown
		// host), never the URL; other errors are named by their type only.
		String reason = (ex instanceof TimeoutException) ? "no answer within " + this.properties.timeout()
				: (ex instanceof WebClientRequestException) ? ex.getMessage() : ex.getClass().getSimpleName();
		return new SmsDeliveryException("Alibaba Cloud SMS unreachable: " + reason);
	}

}
