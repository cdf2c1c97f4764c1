package com.lingxi.user.sms;

import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The V3 signer against the worked example Alibaba Cloud publishes with fixed inputs and
 * the expected output of every step: "Request syntax and signature method V3", section
 * "Signature examples" / "Fixed parameter values" (Alibaba Cloud SDK documentation,
 * https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature;
 * in Chinese "V3版本请求体&签名机制", "签名示例" / "固定参数示例"). The expected values below are copied
 * from that document, not computed.
 */
class Acs3SignatureTests {

	// The document's fixed inputs.
	private static final String ACCESS_KEY_ID = "YourAccessKeyId";

	private static final String ACCESS_KEY_SECRET = "YourAccessKeySecret";

	private static final Map<String, String> QUERY = Map.of("ImageId",
			"win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId", "cn-shanghai");

	// The document's expected results.
	private static final String EMPTY_BODY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

	private static final String CANONICAL_REQUEST = """
			POST
			/
			ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai
			host:ecs.cn-shanghai.aliyuncs.com
			x-acs-action:RunInstances
			x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
			x-acs-date:2023-10-26T10:22:32Z
			x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d
			x-acs-version:2014-05-26

			host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version
			e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855""";

	private static final String STRING_TO_SIGN = """
			ACS3-HMAC-SHA256
			7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259""";

	private static final String SIGNATURE = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";

	private static final String AUTHORIZATION = "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
			+ "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
			+ "Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0";

	static Map<String, String> exampleHeaders() {
		Map<String, String> headers = new TreeMap<>();
		headers.put("host", "ecs.cn-shanghai.aliyuncs.com");
		headers.put("x-acs-action", "RunInstances");
		headers.put("x-acs-version", "2014-05-26");
		headers.put("x-acs-date", "2023-10-26T10:22:32Z");
		headers.put("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d");
		headers.put("x-acs-content-sha256", EMPTY_BODY_HASH);
		return headers;
	}

	static Map<String, String> exampleQuery() {
		return QUERY;
	}

	@Test
	void reproducesAlibabasPublishedExampleStepByStep() {
		Acs3Signature.Signed signed = Acs3Signature.sign("POST", "/", QUERY, exampleHeaders(), ACCESS_KEY_ID,
				ACCESS_KEY_SECRET);
		assertThat(signed.canonicalRequest()).isEqualTo(CANONICAL_REQUEST);
		assertThat(signed.stringToSign()).isEqualTo(STRING_TO_SIGN);
		assertThat(signed.signature()).isEqualTo(SIGNATURE);
		assertThat(signed.authorization()).isEqualTo(AUTHORIZATION);
	}

	@Test
	void hashOfAnEmptyBodyIsTheDocumentsSampleValue() {
		assertThat(Acs3Signature.hashedPayload(new byte[0])).isEqualTo(EMPTY_BODY_HASH);
	}

	@Test
	void headerNamesAreLowerCasedAndValuesTrimmedBeforeSigning() {
		Map<String, String> headers = new TreeMap<>();
		exampleHeaders().forEach((name, value) -> headers.put(name.toUpperCase(), " " + value + " "));
		headers.put("User-Agent", "not signed");
		assertThat(Acs3Signature.sign("POST", "/", QUERY, headers, ACCESS_KEY_ID, ACCESS_KEY_SECRET).authorization())
			.isEqualTo(AUTHORIZATION);
	}

	@Test
	void encodesAsTheDocumentsRulesSay() {
		// Letters, digits, - _ . ~ stay; a space is %20, * is %2A; everything else is
		// the percent-encoded UTF-8 bytes.
		assertThat(Acs3Signature.percentEncode("aZ09-_.~")).isEqualTo("aZ09-_.~");
		assertThat(Acs3Signature.percentEncode("a b*c")).isEqualTo("a%20b%2Ac");
		assertThat(Acs3Signature.percentEncode("{\"code\":\"123456\"}")).isEqualTo("%7B%22code%22%3A%22123456%22%7D");
		assertThat(Acs3Signature.percentEncode("灵犀云")).isEqualTo("%E7%81%B5%E7%8A%80%E4%BA%91");
	}

}
