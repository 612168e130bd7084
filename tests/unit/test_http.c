/* test_http.c — unit tests of the HTTP/1.1 request parser and decisions.
 *
 * Every request is parsed twice, all at once and one byte at a time, and the
 * two results must agree exactly before the test looks at them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/ipc.h"
#include "httpsd/http.h"

/* ---- helpers ------------------------------------------------------------- */

static struct http_parser P;
static char big[4 * HTTP_HEAD_MAX];

/* Parse n bytes of s at once and byte by byte; results must agree.  Leaves
 * the all-at-once parser in P and returns its result. */
static enum http_parse_result parse_n(const char *s, size_t n)
{
	struct http_parser q;
	enum http_parse_result r1, r2 = HTTP_NEED_MORE;

	http_parser_init(&P);
	r1 = http_parse(&P, (const uint8_t *)s, n);
	http_parser_init(&q);
	for (size_t i = 1; i <= n; i++) {
		r2 = http_parse(&q, (const uint8_t *)s, i);
		if (r2 != HTTP_NEED_MORE)
			break;
	}
	if (n == 0)
		r2 = http_parse(&q, (const uint8_t *)s, 0);
	assert_int_equal(r1, r2);
	assert_int_equal(P.status, q.status);
	assert_int_equal(P.head_len, q.head_len);
	/* sticky */
	assert_int_equal(http_parse(&P, (const uint8_t *)s, n), r1);
	return r1;
}

static enum http_parse_result parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static int parse_status(const char *s)
{
	enum http_parse_result r = parse(s);

	if (r == HTTP_DONE)
		return 0;
	if (r == HTTP_NEED_MORE)
		return -1;
	return P.status;
}

static bool span_is(const char *buf, struct http_span sp, const char *want)
{
	return sp.len == strlen(want) && memcmp(buf + sp.off, want, sp.len) == 0;
}

#define GET_H "GET / HTTP/1.1\r\nHost: a\r\n"

/* ---- request parser ------------------------------------------------------- */

static void test_parse_curl_get(void **state)
{
	(void)state;
	const char *s = "GET /boot/ipxe.efi?x=1 HTTP/1.1\r\nHost: 10.33.1.1\r\n"
			"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\nEXTRA";

	assert_int_equal(parse(s), HTTP_DONE);
	assert_int_equal(P.head_len, strlen(s) - 5);
	assert_int_equal(P.req.method, HTTP_METHOD_GET);
	assert_int_equal(P.req.version, 11);
	assert_true(span_is(s, P.req.method_tok, "GET"));
	assert_true(span_is(s, P.req.target, "/boot/ipxe.efi?x=1"));
	assert_true(span_is(s, P.req.host, "10.33.1.1"));
	assert_true(span_is(s, P.req.user_agent, "curl/7.88.1"));
	assert_int_equal(P.req.nheaders, 3);
	assert_false(P.req.has_range);
	assert_true(http_keep_alive(&P.req));
}

static void test_parse_head_and_fields(void **state)
{
	(void)state;
	const char *s = "HEAD /k HTTP/1.0\r\nRange:  bytes=0-9 \r\nIf-Modified-Since: "
			"Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-None-Match: \"x\"\r\n"
			"If-Range: \"e\"\r\nConnection: Keep-Alive\r\n\r\n";

	assert_int_equal(parse(s), HTTP_DONE);
	assert_int_equal(P.req.method, HTTP_METHOD_HEAD);
	assert_int_equal(P.req.version, 10);
	assert_true(span_is(s, P.req.range, "bytes=0-9"));
	assert_true(span_is(s, P.req.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT"));
	assert_true(span_is(s, P.req.if_none_match, "\"x\""));
	assert_true(span_is(s, P.req.if_range, "\"e\""));
	assert_true(P.req.conn_keep_alive);
	assert_true(http_keep_alive(&P.req));
	assert_false(P.req.has_host);
}

static void test_parse_keep_alive_rules(void **state)
{
	(void)state;
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n"), HTTP_DONE);
	assert_false(http_keep_alive(&P.req));
	assert_int_equal(parse(GET_H "Connection: foo, close\r\n\r\n"), HTTP_DONE);
	assert_true(P.req.conn_close);
	assert_false(http_keep_alive(&P.req));
	assert_int_equal(parse(GET_H "\r\n"), HTTP_DONE);
	assert_true(http_keep_alive(&P.req));
}

static void test_parse_other_method_exposed(void **state)
{
	(void)state;
	const char *s = "POST /x HTTP/1.1\r\nHost: a\r\n\r\n";

	assert_int_equal(parse(s), HTTP_DONE);
	assert_int_equal(P.req.method, HTTP_METHOD_OTHER);
	assert_true(span_is(s, P.req.method_tok, "POST"));
	/* methods are case-sensitive */
	assert_int_equal(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_DONE);
	assert_int_equal(P.req.method, HTTP_METHOD_OTHER);
}

static void test_parse_need_more(void **state)
{
	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n"), HTTP_NEED_MORE);
	assert_int_equal(parse("GET / HTTP/1.1\r"), HTTP_NEED_MORE);
	assert_int_equal(parse(""), HTTP_NEED_MORE);
	assert_int_equal(parse("\r\n\r\n"), HTTP_NEED_MORE);
}

static void test_parse_line_endings(void **state)
{
	(void)state;
	/* bare LF accepted everywhere */
	assert_int_equal(parse_status("GET / HTTP/1.1\nHost: a\n\n"), 0);
	assert_int_equal(P.head_len, 24);
	/* leading empty lines skipped */
	assert_int_equal(parse_status("\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	/* bare CR refused wherever it is */
	assert_int_equal(parse_status("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"), 400);
	assert_int_equal(parse_status("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

static void test_parse_bad_request_line(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.11\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	/* method length limit: 32 accepted, 33 refused */
	char m[128];
	snprintf(m, sizeof m, "%s / HTTP/1.1\r\nHost: a\r\n\r\n", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(parse_status(m), 0);
	snprintf(m, sizeof m, "%s / HTTP/1.1\r\nHost: a\r\n\r\n", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	assert_int_equal(parse_status(m), 400);
	/* error settled before the line ends */
	http_parser_init(&P);
	assert_int_equal(http_parse(&P, (const uint8_t *)"GET / HTTX", 10), HTTP_ERROR);
	assert_int_equal(P.status, 400);
}

static void test_parse_version(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/2.0\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/1.2\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/0.9\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(P.req.version, 10);
}

static void test_parse_host_rules(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Host: b\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "host: a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"), 0);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHOST:\r\n\r\n"), 0);
	assert_true(P.req.has_host);
	assert_int_equal(P.req.host.len, 0);
}

/* a NUL inside a field value */
static int parse_status_n_nul(void)
{
	static const char s[] = GET_H "X-A: b\0c\r\n\r\n";
	enum http_parse_result r = parse_n(s, sizeof s - 1);

	return r == HTTP_ERROR ? P.status : 0;
}

static void test_parse_field_syntax(void **state)
{
	(void)state;
	assert_int_equal(parse_status(GET_H "X-A : b\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Host : b\r\n\r\n"), 400);
	assert_string_equal(P.why, "whitespace in or after field name");
	assert_int_equal(parse_status(GET_H "X-A\t: b\r\n\r\n"), 400);
	assert_string_equal(P.why, "whitespace in or after field name");
	assert_int_equal(parse_status(GET_H "X-A: b\r\n c\r\n\r\n"), 400);
	assert_string_equal(P.why, "obsolete line folding");
	assert_int_equal(parse_status(GET_H "X-A: b\r\n\tc\r\n\r\n"), 400);
	assert_string_equal(P.why, "obsolete line folding");
	assert_int_equal(parse_status(GET_H "X(A): b\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H ": b\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "NoColon\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "X-A: b\x7f\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "X-A: b\x1b[0m\r\n\r\n"), 400);
	assert_int_equal(parse_status_n_nul(), 400);
}

static void test_parse_field_values_ok(void **state)
{
	(void)state;
	const char *s = GET_H "X-A:\t v\tw \xe9 \t\r\nUser-Agent: iPXE/1.21.1\r\n"
			"User-Agent: second\r\n\r\n";

	assert_int_equal(parse_status(s), 0);
	assert_true(span_is(s, P.req.user_agent, "iPXE/1.21.1"));
	assert_int_equal(P.req.nheaders, 4);
}

static void test_parse_smuggling(void **state)
{
	(void)state;
	assert_int_equal(parse_status(GET_H "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: 1, 2\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: 0, 0\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: +1\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: \r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Content-Length: 99999999999999999999\r\n\r\n"), 400);
	assert_int_equal(parse_status(GET_H "Transfer-Encoding: chunked\r\n\r\n"), 413);
	assert_int_equal(parse_status(GET_H "transfer-encoding: identity\r\n\r\n"), 413);
	assert_int_equal(parse_status(GET_H "Content-Length: 1\r\n\r\n"), 413);
	assert_int_equal(parse_status(GET_H "Content-Length: 18446744073709551615\r\n\r\n"), 413);
	/* harmless forms */
	assert_int_equal(parse_status(GET_H "Content-Length: 0\r\n\r\n"), 0);
	assert_int_equal(parse_status(GET_H "Content-Length: 00\r\ncontent-length: 0\r\n\r\n"), 0);
	assert_true(P.req.has_content_length);
	/* Transfer-Encoding with whitespace before the colon never reaches the body logic */
	assert_int_equal(parse_status(GET_H "Transfer-Encoding : chunked\r\n\r\n"), 400);
}

static void test_parse_target_limit(void **state)
{
	(void)state;
	size_t n;

	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', HTTP_TARGET_MAX - 1);
	n = 5 + HTTP_TARGET_MAX - 1;
	memcpy(big + n, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	assert_int_equal(parse_n(big, n + 22), HTTP_DONE);
	assert_int_equal(P.req.target.len, HTTP_TARGET_MAX);

	memset(big + 5, 'a', HTTP_TARGET_MAX);
	n = 5 + HTTP_TARGET_MAX;
	memcpy(big + n, " HTTP/1.1\r\nHost: a\r\n\r\n", 23);
	assert_int_equal(parse_n(big, n + 22), HTTP_ERROR);
	assert_int_equal(P.status, 414);
	/* decided before the line is complete */
	assert_int_equal(parse_n(big, 4 + HTTP_TARGET_MAX + 1), HTTP_ERROR);
	assert_int_equal(P.status, 414);
	assert_int_equal(parse_n(big, 4 + HTTP_TARGET_MAX), HTTP_NEED_MORE);
}

static void test_parse_head_limit(void **state)
{
	(void)state;
	size_t n = 0;

	/* exactly HTTP_HEAD_MAX bytes: accepted */
	n += (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: ");
	size_t pad = HTTP_HEAD_MAX - n - 4;
	memset(big + n, 'p', pad);
	n += pad;
	memcpy(big + n, "\r\n\r\n", 4);
	n += 4;
	assert_int_equal(n, HTTP_HEAD_MAX);
	assert_int_equal(parse_n(big, n), HTTP_DONE);
	assert_int_equal(P.head_len, HTTP_HEAD_MAX);

	/* one byte more: 431, also when the bytes are only partly there */
	memmove(big + n - 3, big + n - 4, 4);
	big[n - 4] = 'p';
	assert_int_equal(parse_n(big, n + 1), HTTP_ERROR);
	assert_int_equal(P.status, 431);
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX), HTTP_ERROR);
	assert_int_equal(P.status, 431);
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX - 1), HTTP_NEED_MORE);

	/* a request line that never ends */
	memset(big, 'A', HTTP_HEAD_MAX + 10);
	big[3] = ' ';
	big[4] = '/';
	big[5] = ' ';
	memcpy(big + 6, "HTTP/1.1", 8);
	assert_int_equal(parse_n(big, 14), HTTP_NEED_MORE);
	assert_int_equal(parse_n(big, 15), HTTP_ERROR);
	assert_int_equal(P.status, 400);
	/* empty lines alone up to the limit */
	memset(big, '\n', HTTP_HEAD_MAX);
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX - 1), HTTP_NEED_MORE);
	assert_int_equal(parse_n(big, HTTP_HEAD_MAX), HTTP_ERROR);
	assert_int_equal(P.status, 431);
}

static void test_parse_header_count(void **state)
{
	(void)state;
	size_t n = (size_t)snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");

	for (int i = 1; i < HTTP_HEADERS_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "X-%d: v\r\n", i);
	memcpy(big + n, "\r\n", 2);
	assert_int_equal(parse_n(big, n + 2), HTTP_DONE);
	assert_int_equal(P.req.nheaders, HTTP_HEADERS_MAX);
	n += (size_t)snprintf(big + n, sizeof big - n, "X-last: v\r\n\r\n");
	assert_int_equal(parse_n(big, n), HTTP_ERROR);
	assert_int_equal(P.status, 431);
}

static void test_parse_duplicates_flagged(void **state)
{
	(void)state;
	const char *s = GET_H "Range: bytes=0-1\r\nRange: bytes=2-3\r\n"
			"If-Modified-Since: a\r\nIf-Modified-Since: b\r\n"
			"If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n";

	assert_int_equal(parse_status(s), 0);
	assert_true(P.req.range_dup);
	assert_true(P.req.ims_dup);
	assert_true(span_is(s, P.req.range, "bytes=0-1"));
	assert_true(span_is(s, P.req.if_none_match, "\"a\""));
}

static void test_parse_split_points(void **state)
{
	(void)state;
	const char *s = "GET /a HTTP/1.1\r\nHost: h\r\nRange: bytes=1-2\r\n\r\n";
	size_t n = strlen(s);

	for (size_t k = 0; k <= n; k++) {
		struct http_parser q;
		http_parser_init(&q);
		enum http_parse_result r = http_parse(&q, (const uint8_t *)s, k);
		assert_int_equal(r, k == n ? HTTP_DONE : HTTP_NEED_MORE);
		assert_int_equal(http_parse(&q, (const uint8_t *)s, n), HTTP_DONE);
		assert_int_equal(q.head_len, n);
		assert_true(span_is(s, q.req.range, "bytes=1-2"));
	}
	/* a buffer that shrinks is refused */
	struct http_parser q;
	http_parser_init(&q);
	assert_int_equal(http_parse(&q, (const uint8_t *)s, 20), HTTP_NEED_MORE);
	assert_int_equal(http_parse(&q, (const uint8_t *)s, 5), HTTP_ERROR);
}

/* ---- target to path ------------------------------------------------------- */

static struct http_path PATH;

static int tp(const char *t)
{
	return http_target_to_path((const uint8_t *)t, strlen(t), &PATH);
}

static void test_path_basic(void **state)
{
	(void)state;
	assert_int_equal(tp("/"), 0);
	assert_string_equal(PATH.path, "");
	assert_int_equal(PATH.len, 0);
	assert_int_equal(tp("/boot/ipxe.efi"), 0);
	assert_string_equal(PATH.path, "boot/ipxe.efi");
	assert_int_equal(PATH.len, 13);
	assert_false(PATH.trailing_slash);
	assert_int_equal(tp("//a///b//"), 0);
	assert_string_equal(PATH.path, "a/b");
	assert_true(PATH.trailing_slash);
	assert_int_equal(tp("/a%20b/%7Euser/x%2Dy"), 0);
	assert_string_equal(PATH.path, "a b/~user/x-y");
	assert_int_equal(tp("/caf%C3%A9/%e2%82%ac"), 0);
	assert_string_equal(PATH.path, "caf\xc3\xa9/\xe2\x82\xac");
	assert_int_equal(tp("/.../..a/a..b/.x"), 0);
	assert_string_equal(PATH.path, ".../..a/a..b/.x");
}

static void test_path_query(void **state)
{
	(void)state;
	const char *t = "/boot.ipxe?mac=00:11&x=%2f";

	assert_int_equal(tp(t), 0);
	assert_string_equal(PATH.path, "boot.ipxe");
	assert_true(PATH.has_query);
	assert_int_equal(PATH.query.len, 15);
	assert_memory_equal(t + PATH.query.off, "mac=00:11&x=%2f", 15);
	assert_int_equal(tp("/a?"), 0);
	assert_true(PATH.has_query);
	assert_int_equal(PATH.query.len, 0);
	assert_int_equal(tp("/a"), 0);
	assert_false(PATH.has_query);
	assert_int_equal(tp("/a#frag"), 400);
	assert_int_equal(tp("/a?b#frag"), 400);
}

static void test_path_forms(void **state)
{
	(void)state;
	assert_int_equal(tp("http://example.org/x/y"), 0);
	assert_string_equal(PATH.path, "x/y");
	assert_int_equal(tp("HTTPS://10.0.0.1:443"), 0);
	assert_string_equal(PATH.path, "");
	assert_int_equal(tp("https://h?q"), 0);
	assert_true(PATH.has_query);
	assert_int_equal(tp("http:///x"), 400);
	assert_int_equal(tp("ftp://h/x"), 400);
	assert_int_equal(tp("*"), 400);
	assert_int_equal(tp("example.org:443"), 400);
	assert_int_equal(tp("a/b"), 400);
	assert_int_equal(http_target_to_path((const uint8_t *)"", 0, &PATH), 400);
	assert_int_equal(tp("http://h/../x"), 403);
}

static void test_path_traversal(void **state)
{
	(void)state;
	assert_int_equal(tp("/../etc/passwd"), 403);
	assert_int_equal(tp("/a/../../etc/passwd"), 403);
	assert_int_equal(tp("/a/.."), 403);
	assert_int_equal(tp("/a/./b"), 403);
	assert_int_equal(tp("/."), 403);
	assert_int_equal(tp("/%2e%2e/etc/passwd"), 403);
	assert_int_equal(tp("/%2E%2e/etc/passwd"), 403);
	assert_int_equal(tp("/.%2e/x"), 403);
	assert_int_equal(tp("/%2e/x"), 403);
	assert_int_equal(tp("/a%2f..%2fetc"), 403);
	assert_int_equal(tp("/a%2Fb"), 403);
	assert_int_equal(tp("/..%5c..%5cetc"), 403);
	assert_int_equal(tp("/a%5Cb"), 403);
	assert_int_equal(tp("/a\\b"), 400);
	assert_int_equal(tp("/..\\x"), 400);
	assert_int_equal(tp("/a%00b"), 400);
	assert_int_equal(tp("/a%00"), 400);
	assert_int_equal(tp("/a%0ab"), 400);
	assert_int_equal(tp("/a%7f"), 400);
	assert_int_equal(tp("/%c0%ae%c0%ae/etc"), 400);
	assert_int_equal(tp("/%c0%af"), 400);
	assert_int_equal(tp("/%e0%80%ae"), 400);
	assert_int_equal(tp("/%ed%a0%80"), 400);   /* surrogate */
	assert_int_equal(tp("/%f4%90%80%80"), 400); /* beyond U+10FFFF */
	assert_int_equal(tp("/%c3"), 400);          /* truncated */
	assert_int_equal(tp("/%ff"), 400);
	assert_int_equal(tp("/%80"), 400);
	/* a failed normalisation leaves no partial path behind */
	assert_string_equal(PATH.path, "");
}

static void test_path_bad_escapes(void **state)
{
	(void)state;
	assert_int_equal(tp("/a%"), 400);
	assert_int_equal(tp("/a%2"), 400);
	assert_int_equal(tp("/a%zz"), 400);
	assert_int_equal(tp("/a%2g"), 400);
	assert_int_equal(tp("/a%%41"), 400);
	assert_int_equal(tp("/a b"), 400);
	assert_int_equal(tp("/a\"b"), 400);
	assert_int_equal(tp("/a<b>"), 400);
	assert_int_equal(tp("/\xc3\xa9"), 400);
	assert_int_equal(tp("/a?b c"), 400);
}

static void test_path_length(void **state)
{
	(void)state;
	big[0] = '/';
	memset(big + 1, 'a', HTTP_TARGET_MAX - 1);
	assert_int_equal(http_target_to_path((const uint8_t *)big, HTTP_TARGET_MAX, &PATH), 0);
	assert_int_equal(PATH.len, HTTP_TARGET_MAX - 1);
	big[HTTP_TARGET_MAX] = 'a';
	assert_int_equal(http_target_to_path((const uint8_t *)big, HTTP_TARGET_MAX + 1, &PATH), 414);
}

/* ---- Range -------------------------------------------------------------------- */

static uint64_t RS, RE;

static enum http_range_result rg(const char *v, uint64_t size)
{
	RS = RE = 12345;
	return http_range_eval((const uint8_t *)v, strlen(v), size, &RS, &RE);
}

static void test_range_ok(void **state)
{
	(void)state;
	assert_int_equal(rg("bytes=0-0", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 0);
	assert_int_equal(RE, 0);
	assert_int_equal(rg("bytes=99-99", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 99);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=10-", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 10);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=50-1000", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 50);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=-1", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 99);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=-500", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 0);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("Bytes=0-18446744073709551615", 100), HTTP_RANGE_OK);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=0-99999999999999999999999", 100), HTTP_RANGE_OK);
	assert_int_equal(RE, 99);
	assert_int_equal(rg("bytes=-99999999999999999999999", 100), HTTP_RANGE_OK);
	assert_int_equal(RS, 0);
	assert_int_equal(rg("bytes=18446744073709551614-", UINT64_MAX), HTTP_RANGE_OK);
	assert_true(RS == UINT64_MAX - 1 && RE == UINT64_MAX - 1);
}

static void test_range_unsatisfiable(void **state)
{
	(void)state;
	assert_int_equal(rg("bytes=100-", 100), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=100-200", 100), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=-0", 100), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=0-0", 0), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=0-", 0), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=-0", 0), HTTP_RANGE_UNSATISFIABLE);
	assert_int_equal(rg("bytes=99999999999999999999999-", 100), HTTP_RANGE_UNSATISFIABLE);
	/* untouched outputs */
	assert_int_equal(RS, 12345);
}

static void test_range_ignored(void **state)
{
	(void)state;
	assert_int_equal(rg("bytes=5-4", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=0-1,3-4", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=0-1, 3-4", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=-", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=a-b", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes = 0-1", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes= 0-1", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=0-1 ", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=--1", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes=+1-2", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("items=0-1", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("bytes", 100), HTTP_RANGE_IGNORE);
	assert_int_equal(rg("", 100), HTTP_RANGE_IGNORE);
	/* a suffix of an empty file: the whole (empty) file, as a 200 */
	assert_int_equal(rg("bytes=-5", 0), HTTP_RANGE_IGNORE);
	assert_int_equal(RS, 12345);
}

/* ---- validators and dates ------------------------------------------------------ */

static void test_etag(void **state)
{
	(void)state;
	char e[HTTP_ETAG_MAX];

	assert_int_equal(http_etag(e, sizeof e, 0x1000, 0x5f5e100, 123456789, 42), 25);
	assert_string_equal(e, "\"2a-1000-5f5e100.75bcd15\"");
	size_t el = http_etag(e, sizeof e, UINT64_MAX, -1, 999999999, UINT64_MAX);
	assert_int_equal(el, strlen(e));
	assert_string_equal(e, "\"ffffffffffffffff-ffffffffffffffff-ffffffffffffffff.3b9ac9ff\"");
	assert_true(el < HTTP_ETAG_MAX);
	assert_int_equal(e[0], '"');
	/* different mtime nanoseconds, different tags */
	char f[HTTP_ETAG_MAX];
	http_etag(e, sizeof e, 10, 100, 1, 7);
	http_etag(f, sizeof f, 10, 100, 2, 7);
	assert_string_not_equal(e, f);
	assert_int_equal(http_etag(e, 10, 10, 100, 1, 7), 0);
	assert_int_equal(e[0], '\0');
}

static bool inm(const char *v, const char *etag)
{
	return http_inm_matches((const uint8_t *)v, strlen(v), etag);
}

static void test_inm(void **state)
{
	(void)state;
	const char *e = "\"2a-10\"";

	assert_true(inm("\"2a-10\"", e));
	assert_true(inm("W/\"2a-10\"", e));
	assert_true(inm("*", e));
	assert_true(inm("  * ", e));
	assert_true(inm("\"x\", \"2a-10\"", e));
	assert_true(inm("\"x\",W/\"2a-10\" , \"y\"", e));
	assert_true(inm(",, \"2a-10\",", e));
	assert_false(inm("\"2a-11\"", e));
	assert_false(inm("\"2a-10", e));
	assert_false(inm("2a-10", e));
	assert_false(inm("\"2a-10\" \"x\"", e));
	assert_false(inm("\"2a-10\", junk", e));
	assert_false(inm("", e));
	assert_false(inm("w/\"2a-10\"", e));
	assert_false(inm("*, \"2a-10\"", e));
	assert_false(inm("\"2a-1\"", e));
}

static void test_if_range(void **state)
{
	(void)state;
	const char *e = "\"2a-10\"";

	assert_true(http_if_range_ok((const uint8_t *)"\"2a-10\"", 7, e));
	assert_false(http_if_range_ok((const uint8_t *)"W/\"2a-10\"", 9, e));
	assert_false(http_if_range_ok((const uint8_t *)"\"2a-11\"", 7, e));
	const char *d = "Sun, 06 Nov 1994 08:49:37 GMT";
	assert_false(http_if_range_ok((const uint8_t *)d, strlen(d), e));
}

static int pd(const char *s, time_t *t)
{
	*t = -12345;
	return http_parse_date((const uint8_t *)s, strlen(s), t);
}

static void test_date_formats(void **state)
{
	(void)state;
	time_t t;

	assert_int_equal(pd("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(pd("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(pd("Sun Nov  6 08:49:37 1994", &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(pd("Thu, 01 Jan 1970 00:00:00 GMT", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(pd("Wed, 31 Dec 1969 23:59:59 GMT", &t), 0);
	assert_int_equal(t, -1);
	assert_int_equal(pd("Thu, 29 Feb 2024 12:00:00 GMT", &t), 0);
	assert_int_equal(t, 1709208000);
	assert_int_equal(pd("Tue, 19 Jan 2038 03:14:08 GMT", &t), 0);
	assert_int_equal(t, 2147483648LL);
	assert_int_equal(pd("Fri, 31 Dec 9999 23:59:59 GMT", &t), 0);
	assert_int_equal(t, 253402300799LL);
	assert_int_equal(pd("Wednesday, 01-Jan-30 00:00:00 GMT", &t), 0);
	assert_int_equal(t, 1893456000);
	assert_int_equal(pd("Thursday, 01-Jan-70 00:00:00 GMT", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(pd("Mon Feb 29 00:00:00 2000", &t), 0);
	assert_int_equal(t, 951782400);
	assert_int_equal(pd("Sun Nov 16 08:49:37 1994", &t), 0);
	assert_int_equal(t, 784111777 + 10 * 86400);
	assert_int_equal(pd("Sat, 31 Dec 2016 23:59:60 GMT", &t), 0);
	assert_int_equal(t, 1483228800);
}

static void test_date_invalid(void **state)
{
	(void)state;
	time_t t;

	assert_int_equal(pd("Sun, 30 Feb 2020 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 29 Feb 2023 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 29 Feb 1900 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 25:00:00 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 24:00:00 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 08:60:00 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 08:49:61 GMT", &t), -1);
	assert_int_equal(pd("Sun, 00 Nov 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 31 Nov 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 08:49:37 UTC", &t), -1);
	assert_int_equal(pd("Sun, 06 nov 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Xyz, 06 Nov 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun,  6 Nov 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 1994 08:49:37 GMT ", &t), -1);
	assert_int_equal(pd("Sun, 06 Nov 94 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06 Xxx 1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sunday, 06-Nov-1994 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sunday, 31-Apr-94 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun, 06-Nov-94 08:49:37 GMT", &t), -1);
	assert_int_equal(pd("Sun Nov 6 08:49:37 1994", &t), -1);
	assert_int_equal(pd("Sun Nov 31 08:49:37 1994", &t), -1);
	assert_int_equal(pd("Sun Nov  6 25:49:37 1994", &t), -1);
	assert_int_equal(pd("", &t), -1);
	assert_int_equal(pd("1994-11-06T08:49:37Z", &t), -1);
	assert_int_equal(t, -12345);
}

static void test_date_format(void **state)
{
	(void)state;
	char d[HTTP_DATE_LEN + 1];
	time_t back;

	assert_int_equal(http_format_date(d, sizeof d, 784111777), HTTP_DATE_LEN);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(http_format_date(d, sizeof d, 0), HTTP_DATE_LEN);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	assert_int_equal(http_format_date(d, sizeof d, -1), HTTP_DATE_LEN);
	assert_string_equal(d, "Wed, 31 Dec 1969 23:59:59 GMT");
	assert_int_equal(http_format_date(d, sizeof d, 1709208000), HTTP_DATE_LEN);
	assert_string_equal(d, "Thu, 29 Feb 2024 12:00:00 GMT");
	assert_int_equal(http_format_date(d, sizeof d, 253402300799LL), HTTP_DATE_LEN);
	assert_string_equal(d, "Fri, 31 Dec 9999 23:59:59 GMT");
	assert_int_equal(http_format_date(d, sizeof d, 253402300800LL), 0);
	assert_int_equal(http_format_date(d, HTTP_DATE_LEN, 0), 0);
	/* round trip over a spread of instants */
	for (int64_t t = -62135596800LL; t < 253402300799LL; t += 7777777 * 13 + 7) {
		assert_int_equal(http_format_date(d, sizeof d, (time_t)t), HTTP_DATE_LEN);
		assert_int_equal(http_parse_date((const uint8_t *)d, HTTP_DATE_LEN, &back), 0);
		assert_int_equal(back, t);
	}
}

static void test_conditional(void **state)
{
	(void)state;
	const char *e = "\"e1\"";
	time_t mt = 784111777;

	parse(GET_H "If-None-Match: \"e1\"\r\n\r\n");
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)GET_H "If-None-Match: \"e1\"\r\n\r\n", e, mt), 304);

	const char *s1 = GET_H "If-None-Match: \"e0\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
	assert_int_equal(parse(s1), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s1, e, mt), 200);

	const char *s2 = GET_H "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
	assert_int_equal(parse(s2), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s2, e, mt), 304);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s2, e, mt + 1), 200);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s2, e, mt - 1), 304);

	const char *s3 = GET_H "If-Modified-Since: Sun, 30 Feb 1994 08:49:37 GMT\r\n\r\n";
	assert_int_equal(parse(s3), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s3, e, mt), 200);

	const char *s4 = GET_H "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n";
	assert_int_equal(parse(s4), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s4, e, mt), 200);

	const char *s5 = GET_H "If-None-Match: *\r\n\r\n";
	assert_int_equal(parse(s5), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)s5, e, mt), 304);

	assert_int_equal(parse(GET_H "\r\n"), HTTP_DONE);
	assert_int_equal(http_conditional_status(&P.req, (const uint8_t *)GET_H "\r\n", e, mt), 200);
}

/* file status: conditionals first, then one range, GET only */
static int fstat_of(const char *req, uint64_t size, uint64_t *st, uint64_t *en)
{
	assert_int_equal(parse(req), HTTP_DONE);
	return http_file_status(&P.req, (const uint8_t *)req, "\"e1\"", 784111777, size, st, en);
}

static void test_file_status(void **state)
{
	(void)state;
	uint64_t s, e;

	assert_int_equal(fstat_of(GET_H "\r\n", 100, &s, &e), 200);
	assert_true(s == 0 && e == 99);
	assert_int_equal(fstat_of(GET_H "Range: bytes=10-19\r\n\r\n", 100, &s, &e), 206);
	assert_true(s == 10 && e == 19);
	assert_int_equal(fstat_of(GET_H "Range: bytes=-5\r\n\r\n", 100, &s, &e), 206);
	assert_true(s == 95 && e == 99);
	assert_int_equal(fstat_of(GET_H "Range: bytes=100-\r\n\r\n", 100, &s, &e), 416);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-\r\n\r\n", 0, &s, &e), 416);
	/* ignored: syntax, several ranges, two fields, HEAD */
	assert_int_equal(fstat_of(GET_H "Range: bytes=5-1\r\n\r\n", 100, &s, &e), 200);
	assert_true(s == 0 && e == 99);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1,5-6\r\n\r\n", 100, &s, &e), 200);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nRange: bytes=5-6\r\n\r\n", 100, &s, &e), 200);
	assert_int_equal(fstat_of("HEAD / HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n", 100, &s, &e), 200);
	/* If-Range: only this exact strong ETag, in one field */
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nIf-Range: \"e1\"\r\n\r\n", 100, &s, &e), 206);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nIf-Range: \"e2\"\r\n\r\n", 100, &s, &e), 200);
	assert_true(s == 0 && e == 99);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nIf-Range: \"e1\"\r\nIf-Range: \"e1\"\r\n\r\n", 100,
				  &s, &e), 200);
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nIf-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
				  100, &s, &e), 200);
	/* a current copy wins over a range */
	assert_int_equal(fstat_of(GET_H "Range: bytes=0-1\r\nIf-None-Match: \"e1\"\r\n\r\n", 100, &s, &e), 304);
}

/* ---- MIME ------------------------------------------------------------------ */

static const char *mt(const char *p)
{
	return http_mime_type(p, strlen(p));
}

static void test_mime(void **state)
{
	(void)state;
	const char *txt = "text/plain; charset=utf-8", *bin = "application/octet-stream";

	assert_string_equal(mt("boot/menu.ipxe"), txt);
	assert_string_equal(mt("ks/centos7.ks"), txt);
	assert_string_equal(mt("pxelinux.cfg"), txt);
	assert_string_equal(mt("README.TXT"), txt);
	assert_string_equal(mt("x.minisig"), txt);
	assert_string_equal(mt("ipxe.efi"), "application/efi");
	assert_string_equal(mt("EFI/BOOT/BOOTX64.EFI"), "application/efi");
	assert_string_equal(mt("undionly.kpxe"), bin);
	assert_string_equal(mt("pxelinux.0"), bin);
	assert_string_equal(mt("ipxe.pxe"), bin);
	assert_string_equal(mt("images/vmlinuz"), bin);
	assert_string_equal(mt("vmlinuz-6.1.0-amd64.txt"), bin);
	assert_string_equal(mt("bzImage"), bin);
	assert_string_equal(mt("initrd.gz"), "application/gzip");
	assert_string_equal(mt("initrd.img"), bin);
	assert_string_equal(mt("root.xz"), "application/x-xz");
	assert_string_equal(mt("root.cpio"), "application/x-cpio");
	assert_string_equal(mt("debian.iso"), "application/x-iso9660-image");
	assert_string_equal(mt("boot.ipxe.sig"), "application/pkcs7-signature");
	assert_string_equal(mt("index.html"), "text/html; charset=utf-8");
	assert_string_equal(mt("noext"), bin);
	assert_string_equal(mt(".ipxe"), bin);
	assert_string_equal(mt("dir.txt/file"), bin);
	assert_string_equal(mt(""), bin);
	assert_string_equal(mt("a.ipxe2"), bin);
}

/* ---- /ks/ paths --------------------------------------------------------------- */

static int ks(const char *target, char *token, size_t cap)
{
	struct http_path p;
	assert_int_equal(http_target_to_path((const uint8_t *)target, strlen(target), &p), 0);
	return http_ks_path(&p, token, cap);
}

static void test_ks_path(void **state)
{
	(void)state;
	char tok[64] = "unset";

	assert_int_equal(ks("/ks/boot.ipxe", tok, sizeof tok), IPC_KS_SCRIPT);
	assert_string_equal(tok, "unset");
	assert_int_equal(ks("/ks/boot.ipxe?x=1", tok, sizeof tok), IPC_KS_SCRIPT);
	assert_int_equal(ks("/ks/Ab-_9/ks.cfg", tok, sizeof tok), IPC_KS_CFG);
	assert_string_equal(tok, "Ab-_9");
	assert_int_equal(ks("/ks/t/ks.cfg.sig", tok, sizeof tok), IPC_KS_CFG_SIG);
	assert_int_equal(ks("/ks/t/ks.cfg.minisig", tok, sizeof tok), IPC_KS_CFG_MINISIG);
	assert_int_equal(ks("/ks/t/ks.cpio", tok, sizeof tok), IPC_KS_CPIO);
	assert_int_equal(ks("/ks/t/ks.cpio.sig", tok, sizeof tok), IPC_KS_CPIO_SIG);
	assert_int_equal(ks("//ks//t//ks.cpio.minisig", tok, sizeof tok), IPC_KS_CPIO_MINISIG);
	strcpy(tok, "unset");
	static const char *const no[] = {
		"/ks", "/ks/", "/ks/boot.ipxe/", "/ks/boot.ipx", "/ks/t/ks.cfg/", "/ks/t/passwd", "/ks/t/ks.cfgx",
		"/ks/t/u/ks.cfg", "/ks/t%21/ks.cfg", "/ks/t.x/ks.cfg", "/ks/ks.cfg", "/ksx/t/ks.cfg", "/KS/t/ks.cfg",
		"/a/ks/t/ks.cfg",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_int_equal(ks(no[i], tok, sizeof tok), 0);
	assert_string_equal(tok, "unset");
	/* the token must fit: 4 characters and a NUL in 5 bytes, not 5 */
	assert_int_equal(ks("/ks/abcd/ks.cfg", tok, 5), IPC_KS_CFG);
	assert_string_equal(tok, "abcd");
	assert_int_equal(ks("/ks/abcde/ks.cfg", tok, 5), 0);
}

/* ---- response heads ---------------------------------------------------------- */

static void test_build_200(void **state)
{
	(void)state;
	char buf[512];
	struct http_response r = {
		.status = 200, .date = 784111777, .has_last_modified = true,
		.last_modified = 0, .content_type = "application/efi", .etag = "\"e1\"",
		.content_length = 1048576, .accept_ranges = true, .keep_alive = true,
	};
	const char *want = "HTTP/1.1 200 OK\r\n"
			   "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			   "Server: bootward\r\n"
			   "Last-Modified: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
			   "ETag: \"e1\"\r\n"
			   "Content-Type: application/efi\r\n"
			   "Content-Length: 1048576\r\n"
			   "Accept-Ranges: bytes\r\n"
			   "Connection: keep-alive\r\n\r\n";
	size_t n = http_build_head(buf, sizeof buf, &r);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	/* every smaller capacity fails without writing past it */
	for (size_t cap = 0; cap < n; cap++) {
		memset(buf, 0x5a, sizeof buf);
		assert_int_equal(http_build_head(buf, cap, &r), 0);
		for (size_t k = cap; k < sizeof buf; k++)
			assert_int_equal((unsigned char)buf[k], 0x5a);
	}
	assert_int_equal(http_build_head(buf, n, &r), n);

	/* per-host bodies are never cached */
	struct http_response ks = { .status = 200, .date = 784111777, .content_type = "text/plain",
				    .content_length = 5, .no_store = true };
	const char *want_ks = "HTTP/1.1 200 OK\r\n"
			      "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
			      "Server: bootward\r\n"
			      "Content-Type: text/plain\r\n"
			      "Content-Length: 5\r\n"
			      "Cache-Control: no-store\r\n"
			      "Connection: close\r\n\r\n";
	n = http_build_head(buf, sizeof buf, &ks);
	assert_int_equal(n, strlen(want_ks));
	assert_memory_equal(buf, want_ks, n);
}

static void test_build_206_304(void **state)
{
	(void)state;
	char buf[512];
	struct http_response r = {
		.status = 206, .date = 0, .content_length = 10, .has_content_range = true,
		.range_start = 90, .range_end = 99, .range_size = 100,
	};
	const char *want = "HTTP/1.1 206 Partial Content\r\n"
			   "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
			   "Server: bootward\r\n"
			   "Content-Length: 10\r\n"
			   "Content-Range: bytes 90-99/100\r\n"
			   "Connection: close\r\n\r\n";
	size_t n = http_build_head(buf, sizeof buf, &r);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	r.content_length = 11;
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
	r.content_length = 10;
	r.range_size = 99;
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
	r.range_size = 100;
	r.has_content_range = false;
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);

	struct http_response nm = {
		.status = 304, .date = 0, .etag = "\"e\"", .content_type = "text/html",
		.content_length = 5, .keep_alive = true,
	};
	const char *want304 = "HTTP/1.1 304 Not Modified\r\n"
			      "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
			      "Server: bootward\r\n"
			      "ETag: \"e\"\r\n"
			      "Connection: keep-alive\r\n\r\n";
	n = http_build_head(buf, sizeof buf, &nm);
	assert_int_equal(n, strlen(want304));
	assert_memory_equal(buf, want304, n);
}

static void test_build_refuses(void **state)
{
	(void)state;
	char buf[512];
	struct http_response r = { .status = 299 };

	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
	r.status = 200;
	r.content_type = "text/plain\r\nSet-Cookie: x";
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
	r.content_type = NULL;
	r.location = "/a\nb";
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
	r.location = "/a/";
	r.status = 301;
	assert_true(http_build_head(buf, sizeof buf, &r) > 0);
	r.date = (time_t)253402300800LL;
	assert_int_equal(http_build_head(buf, sizeof buf, &r), 0);
}

static void test_build_errors(void **state)
{
	(void)state;
	char buf[512];
	const char *want416 = "HTTP/1.1 416 Range Not Satisfiable\r\n"
			      "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
			      "Server: bootward\r\n"
			      "Content-Type: text/plain; charset=utf-8\r\n"
			      "Content-Length: 26\r\n"
			      "Content-Range: bytes */1234\r\n"
			      "Connection: keep-alive\r\n\r\n"
			      "416 Range Not Satisfiable\n";
	size_t n = http_build_error(buf, sizeof buf, 416, 0, true, false, 1234);

	assert_int_equal(n, strlen(want416));
	assert_memory_equal(buf, want416, n);
	size_t h = http_build_error(buf, sizeof buf, 416, 0, true, true, 1234);
	assert_int_equal(h, n - 26);

	n = http_build_error(buf, sizeof buf, 405, 0, false, false, 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
	assert_non_null(strstr(buf, "\r\nConnection: close\r\n\r\n405 Method Not Allowed\n"));
	assert_null(strstr(buf, "Content-Range"));

	int codes[] = { 400, 403, 404, 413, 414, 431, 505 };
	for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
		n = http_build_error(buf, sizeof buf, codes[k], 0, false, false, 0);
		assert_true(n > 0);
		char line[64];
		snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", codes[k], http_reason(codes[k]));
		assert_memory_equal(buf, line, strlen(line));
	}
	assert_int_equal(http_build_error(buf, sizeof buf, 200, 0, false, false, 0), 0);
	assert_int_equal(http_build_error(buf, sizeof buf, 499, 0, false, false, 0), 0);
	/* body that does not fit */
	assert_int_equal(http_build_error(buf, h + 5, 416, 0, true, false, 1234), 0);
	assert_int_equal(http_build_error(buf, h, 416, 0, true, true, 1234), h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_curl_get),
		cmocka_unit_test(test_parse_head_and_fields),
		cmocka_unit_test(test_parse_keep_alive_rules),
		cmocka_unit_test(test_parse_other_method_exposed),
		cmocka_unit_test(test_parse_need_more),
		cmocka_unit_test(test_parse_line_endings),
		cmocka_unit_test(test_parse_bad_request_line),
		cmocka_unit_test(test_parse_version),
		cmocka_unit_test(test_parse_host_rules),
		cmocka_unit_test(test_parse_field_syntax),
		cmocka_unit_test(test_parse_field_values_ok),
		cmocka_unit_test(test_parse_smuggling),
		cmocka_unit_test(test_parse_target_limit),
		cmocka_unit_test(test_parse_head_limit),
		cmocka_unit_test(test_parse_header_count),
		cmocka_unit_test(test_parse_duplicates_flagged),
		cmocka_unit_test(test_parse_split_points),
		cmocka_unit_test(test_path_basic),
		cmocka_unit_test(test_path_query),
		cmocka_unit_test(test_path_forms),
		cmocka_unit_test(test_path_traversal),
		cmocka_unit_test(test_path_bad_escapes),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_range_ok),
		cmocka_unit_test(test_range_unsatisfiable),
		cmocka_unit_test(test_range_ignored),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_inm),
		cmocka_unit_test(test_if_range),
		cmocka_unit_test(test_date_formats),
		cmocka_unit_test(test_date_invalid),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_file_status),
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_ks_path),
		cmocka_unit_test(test_build_200),
		cmocka_unit_test(test_build_206_304),
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_build_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
