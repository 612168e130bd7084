/* token.h — per-host kickstart tokens.
 *
 * A host's kickstart URL carries a token: the host's MAC address, an expiry
 * time and a random nonce, authenticated with HMAC-SHA-256 (truncated to
 * 128 bits) under STATE/trust/token.key, in URL-safe base64.  Whoever does
 * not know the key cannot make a token for another host or extend one; a
 * token is checked in constant time.  One-time use is up to the caller,
 * which remembers the nonces it has accepted until they expire.
 *
 * No state, no allocation; libsodium for the MAC and base64.
 */
#ifndef BOOTWARD_TOKEN_H
#define BOOTWARD_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_KEY_LEN 32
#define TOKEN_TEXT_MAX 64 /* 47 characters and a NUL */

struct token {
	uint32_t expiry;   /* seconds since the epoch; valid while now <= expiry */
	uint8_t mac[6];
	uint8_t nonce[8];
};

enum token_result {
	TOKEN_OK = 0,
	TOKEN_MALFORMED,  /* not base64url of the right length or version */
	TOKEN_FORGED,     /* the MAC does not match */
	TOKEN_EXPIRED,
};

/* Write the token's text (NUL-terminated) into out; returns its length. */
size_t token_make(const uint8_t key[TOKEN_KEY_LEN], const struct token *t, char out[TOKEN_TEXT_MAX]);

/* Check len bytes of text at time now.  On TOKEN_OK (and on TOKEN_EXPIRED)
 * *out holds what the token says. */
enum token_result token_check(const uint8_t key[TOKEN_KEY_LEN], const char *text, size_t len,
			      uint32_t now, struct token *out);

const char *token_result_name(enum token_result r);

#endif
