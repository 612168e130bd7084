/* token.c — per-host kickstart tokens (see token.h). */
#include "broker/token.h"
#include "common/bytes.h"

#include <sodium.h>
#include <string.h>

#define VERSION 1
#define BODY_LEN (1 + 4 + 6 + 8)
#define TAG_LEN 16
#define RAW_LEN (BODY_LEN + TAG_LEN)

static void encode_body(const struct token *t, uint8_t body[BODY_LEN])
{
	body[0] = VERSION;
	put32(body + 1, t->expiry);
	memcpy(body + 5, t->mac, 6);
	memcpy(body + 11, t->nonce, 8);
}

static void tag_of(const uint8_t key[TOKEN_KEY_LEN], const uint8_t body[BODY_LEN], uint8_t tag[TAG_LEN])
{
	uint8_t full[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256(full, body, BODY_LEN, key);
	memcpy(tag, full, TAG_LEN);
	sodium_memzero(full, sizeof full);
}

size_t token_make(const uint8_t key[TOKEN_KEY_LEN], const struct token *t, char out[TOKEN_TEXT_MAX])
{
	uint8_t raw[RAW_LEN];

	encode_body(t, raw);
	tag_of(key, raw, raw + BODY_LEN);
	sodium_bin2base64(out, TOKEN_TEXT_MAX, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

enum token_result token_check(const uint8_t key[TOKEN_KEY_LEN], const char *text, size_t len,
			      uint32_t now, struct token *out)
{
	uint8_t raw[RAW_LEN], tag[TAG_LEN];
	size_t got = 0;
	const char *end = NULL;

	if (len != sodium_base64_ENCODED_LEN(RAW_LEN, sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1)
		return TOKEN_MALFORMED;
	/* libsodium 1.0.18 decodes some bytes above 0x7f as if they were
	 * base64 characters: only the URL-safe alphabet may reach it, so that a
	 * token has exactly one spelling. */
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_'))
			return TOKEN_MALFORMED;
	}
	if (sodium_base642bin(raw, sizeof raw, text, len, NULL, &got, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    got != RAW_LEN || end != text + len || raw[0] != VERSION)
		return TOKEN_MALFORMED;
	tag_of(key, raw, tag);
	if (sodium_memcmp(tag, raw + BODY_LEN, TAG_LEN) != 0)
		return TOKEN_FORGED;
	out->expiry = get32(raw + 1);
	memcpy(out->mac, raw + 5, 6);
	memcpy(out->nonce, raw + 11, 8);
	return now <= out->expiry ? TOKEN_OK : TOKEN_EXPIRED;
}

const char *token_result_name(enum token_result r)
{
	switch (r) {
	case TOKEN_OK: return "ok";
	case TOKEN_MALFORMED: return "malformed";
	case TOKEN_FORGED: return "forged";
	case TOKEN_EXPIRED: return "expired";
	}
	return "?";
}
