/* test_token.c — per-host kickstart tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/token.h"

#include <string.h>

static const uint8_t key[TOKEN_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const struct token web01 = {
	.expiry = 1800000000, .mac = { 0x00, 0x0c, 0x29, 0xf6, 0x07, 0xca }, .nonce = { 1, 2, 3, 4, 5, 6, 7, 8 },
};

static void test_roundtrip(void **state)
{
	(void)state;
	char text[TOKEN_TEXT_MAX];
	struct token got;
	size_t n = token_make(key, &web01, text);

	assert_int_equal(n, 47);
	for (size_t i = 0; i < n; i++) /* safe in a URL path as it is */
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", text[i]));
	assert_int_equal(token_check(key, text, n, 1700000000, &got), TOKEN_OK);
	assert_int_equal(got.expiry, web01.expiry);
	assert_memory_equal(got.mac, web01.mac, 6);
	assert_memory_equal(got.nonce, web01.nonce, 8);
	/* valid up to and including its expiry second */
	assert_int_equal(token_check(key, text, n, 1800000000, &got), TOKEN_OK);
	assert_int_equal(token_check(key, text, n, 1800000001, &got), TOKEN_EXPIRED);
}

static void test_forgeries(void **state)
{
	(void)state;
	char text[TOKEN_TEXT_MAX], other[TOKEN_TEXT_MAX];
	struct token got, t = web01;
	size_t n = token_make(key, &web01, text);
	uint8_t key2[TOKEN_KEY_LEN];

	/* another key */
	memcpy(key2, key, sizeof key2);
	key2[31] ^= 1;
	assert_int_equal(token_check(key2, text, n, 0, &got), TOKEN_FORGED);
	/* any single character changed: malformed or forged, never accepted */
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	for (size_t i = 0; i < n; i++) {
		for (size_t a = 0; a < sizeof alphabet - 1; a++) {
			if (alphabet[a] == text[i])
				continue;
			memcpy(other, text, n + 1);
			other[i] = alphabet[a];
			assert_int_not_equal(token_check(key, other, n, 0, &got), TOKEN_OK);
		}
	}
	/* another host's token does not name this host */
	t.mac[5] ^= 1;
	token_make(key, &t, other);
	assert_int_equal(token_check(key, other, n, 0, &got), TOKEN_OK);
	assert_memory_not_equal(got.mac, web01.mac, 6);
}

static void test_malformed(void **state)
{
	(void)state;
	char text[TOKEN_TEXT_MAX];
	struct token got;
	size_t n = token_make(key, &web01, text);

	assert_int_equal(token_check(key, text, n - 1, 0, &got), TOKEN_MALFORMED);
	assert_int_equal(token_check(key, "", 0, 0, &got), TOKEN_MALFORMED);
	text[3] = '+'; /* standard base64, not URL-safe */
	assert_int_equal(token_check(key, text, n, 0, &got), TOKEN_MALFORMED);
	text[3] = '=';
	assert_int_equal(token_check(key, text, n, 0, &got), TOKEN_MALFORMED);
	/* a byte above 0x7f in place of '_' or any other character: libsodium
	 * alone would decode some of them (found by fuzz_token) */
	token_make(key, &web01, text);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0x80; c <= 0xff; c++) {
			char bad[TOKEN_TEXT_MAX];
			memcpy(bad, text, n + 1);
			bad[i] = (char)c;
			assert_int_equal(token_check(key, bad, n, 0, &got), TOKEN_MALFORMED);
		}
	}
	char longer[TOKEN_TEXT_MAX + 8];
	token_make(key, &web01, longer);
	strcat(longer, "AAAA");
	assert_int_equal(token_check(key, longer, strlen(longer), 0, &got), TOKEN_MALFORMED);
	assert_string_equal(token_result_name(TOKEN_FORGED), "forged");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_forgeries),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
