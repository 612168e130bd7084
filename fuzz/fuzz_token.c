/* fuzz_token.c — kickstart tokens arrive in URLs from anyone on the
 * network.  Arbitrary text is checked against a fixed key; nothing but a
 * token made with that key may be accepted, and an accepted token must be
 * exactly the text token_make() gives for what it says. */
#include "broker/token.h"

#include <stdint.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[TOKEN_KEY_LEN] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
						    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
	struct token t;
	char again[TOKEN_TEXT_MAX];

	enum token_result r = token_check(key, (const char *)data, size, 0, &t);
	if (r == TOKEN_OK || r == TOKEN_EXPIRED) {
		size_t n = token_make(key, &t, again);
		if (n != size || memcmp(again, data, size) != 0)
			abort();
	}
	/* and what token_make() writes is always accepted */
	memset(&t, 0, sizeof t);
	memcpy(&t, data, size < sizeof t ? size : sizeof t);
	size_t n = token_make(key, &t, again);
	struct token back;
	if (token_check(key, again, n, 0, &back) != TOKEN_OK ||
	    back.expiry != t.expiry || memcmp(back.mac, t.mac, 6) || memcmp(back.nonce, t.nonce, 8))
		abort();
	return 0;
}
