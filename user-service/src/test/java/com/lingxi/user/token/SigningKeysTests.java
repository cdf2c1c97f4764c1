package com.lingxi.user.token;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.lingxi.user.UserServiceTest;

import static org.assertj.core.api.Assertions.assertThat;

@UserServiceTest
class SigningKeysTests {

	@Autowired
	WebTestClient http;

	@Autowired
	SigningKeys keys;

	@Autowired
	AccessTokens tokens;

	@Autowired
	org.springframework.r2dbc.core.DatabaseClient db;

	private List<String> publishedKids() throws Exception {
		String body = this.http.get()
			.uri("/.well-known/jwks.json")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.cacheControl(org.springframework.http.CacheControl.maxAge(Duration.ofMinutes(5)).cachePublic())
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		JWKSet set = JWKSet.parse(body);
		assertThat(set.getKeys()).allSatisfy((key) -> assertThat(key.isPrivate()).isFalse());
		return set.getKeys().stream().map(JWK::getKeyID).toList();
	}

	@Test
	void rotationPublishesTheNextKeyFirstAndKeepsTheOldOneVerifying() throws Exception {
		AccessTokens.Issued before = this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		String oldKid = SignedJWT.parse(before.token()).getHeader().getKeyID();
		assertThat(publishedKids()).containsExactly(oldKid);

		// Published now, signing in an hour: the old key still signs.
		SigningKeys.SigningKey next = this.keys.rotate(Duration.ofHours(1)).block();
		assertThat(publishedKids()).containsExactlyInAnyOrder(oldKid, next.kid());
		AccessTokens.Issued meanwhile = this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		assertThat(SignedJWT.parse(meanwhile.token()).getHeader().getKeyID()).isEqualTo(oldKid);

		// A rotation that takes effect at once: new tokens use the new key, old ones
		// still verify.
		SigningKeys.SigningKey now = this.keys.rotate(Duration.ZERO).block();
		AccessTokens.Issued after = this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		assertThat(SignedJWT.parse(after.token()).getHeader().getKeyID()).isEqualTo(now.kid());
		assertThat(publishedKids()).contains(oldKid, now.kid());
		assertThat(this.tokens.verify(before.token()).block()).isNotNull();
		assertThat(this.tokens.verify(after.token()).block()).isNotNull();
	}

	@Test
	void aKeyThatCanNoLongerBeDecryptedIsReplacedInsteadOfBreakingLogins() throws Exception {
		this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		// As if the encryption key it was stored under had been removed from the
		// configuration.
		this.db.sql("UPDATE signing_keys SET private_key = 'lx1:gone:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'")
			.fetch()
			.rowsUpdated()
			.block();
		this.keys.refresh().block();
		AccessTokens.Issued fresh = this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		assertThat(this.tokens.verify(fresh.token()).block()).isNotNull();
		assertThat(publishedKids()).containsExactly(SignedJWT.parse(fresh.token()).getHeader().getKeyID());
	}

	@Test
	void tamperedTokensDoNotVerify() throws Exception {
		AccessTokens.Issued issued = this.tokens.issue(UUID.randomUUID(), "free", UUID.randomUUID()).block();
		String[] parts = issued.token().split("\\.");
		String forgedClaims = java.util.Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(
					("{\"sub\":\"" + UUID.randomUUID() + "\",\"iss\":\"https://lingxi.cloud\",\"exp\":9999999999}")
						.getBytes());
		assertThat(this.tokens.verify(parts[0] + "." + forgedClaims + "." + parts[2]).block()).isNull();
		assertThat(this.tokens.verify("not-a-jwt").block()).isNull();
	}

}
