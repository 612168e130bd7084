/* fuzz_http.c — harness for the HTTP request parser, path normaliser, range
 * and date parsers, conditionals and response-head builder.
 *
 * Input layout:
 *   [0..1]  split point (big-endian) of the incremental feed
 *   [2]     file size selector for the range checks
 *   [3]     response buffer capacity selector
 *   rest    the request bytes as they arrive on the connection
 * The request is parsed all at once and again in two pieces split at the
 * chosen point; both must agree.  A parsed head has its target normalised
 * and its Range, If-Modified-Since and If-None-Match values evaluated; the
 * raw request bytes also go straight to the normaliser and the value parsers.
 * A response head is built into a buffer followed by a canary.  A violation
 * aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipc.h"
#include "httpsd/http.h"

#define CANARY_LEN 64
#define CANARY 0xa5
#define RESP_MAX 1024

static uint8_t resp[RESP_MAX + CANARY_LEN];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void check_path(const struct http_path *p, size_t tlen)
{
	size_t n = strlen(p->path);
	const char *seg = p->path;

	check(n == p->len && n <= HTTP_PATH_MAX);
	check(!p->has_query || (size_t)p->query.off + p->query.len <= tlen);
	if (n == 0)
		return;
	check(p->path[0] != '/' && p->path[n - 1] != '/');
	for (size_t i = 0; i <= n; i++) {
		char c = p->path[i];
		if (c == '/' || c == '\0') {
			size_t sl = (size_t)(p->path + i - seg);
			check(sl > 0);
			check(!(sl == 1 && seg[0] == '.'));
			check(!(sl == 2 && seg[0] == '.' && seg[1] == '.'));
			seg = p->path + i + 1;
		} else {
			check((uint8_t)c >= 0x20 && c != 0x7f && c != '\\');
		}
	}
}

/* A path under ks/: the broker gets a known kind and, but for the boot
 * script, a token of URL-safe base64 that fits its field. */
static void check_ks(const struct http_path *p)
{
	char token[8] = "unset";
	int what = http_ks_path(p, token, sizeof token);

	check(what >= 0 && what <= IPC_KS_WHAT_MAX);
	if (what == 0 || what == IPC_KS_SCRIPT) {
		check(!strcmp(token, "unset"));
		check(what == 0 || !strcmp(p->path, "ks/boot.ipxe"));
		return;
	}
	size_t n = strnlen(token, sizeof token);
	check(n > 0 && n < sizeof token && !strncmp(p->path, "ks/", 3) && !strncmp(p->path + 3, token, n));
	check(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n);
	check(p->path[3 + n] == '/' && !strncmp(p->path + 4 + n, "ks.c", 4));
}

static void check_range(const uint8_t *v, size_t n, uint64_t size)
{
	uint64_t s = 7, e = 7;
	enum http_range_result r = http_range_eval(v, n, size, &s, &e);

	check(r == HTTP_RANGE_IGNORE || r == HTTP_RANGE_OK || r == HTTP_RANGE_UNSATISFIABLE);
	if (r == HTTP_RANGE_OK)
		check(s <= e && e < size);
	else
		check(s == 7 && e == 7);
	if (size == 0)
		check(r != HTTP_RANGE_OK);
}

static void check_date(const uint8_t *v, size_t n)
{
	time_t t = 0, back = 0;
	char d[HTTP_DATE_LEN + 1];

	if (http_parse_date(v, n, &t) != 0)
		return;
	check(n == 24 || n == 29 || (n >= 30 && n <= 33));
	if (http_format_date(d, sizeof d, t) == HTTP_DATE_LEN) {
		check(strlen(d) == HTTP_DATE_LEN);
		check(http_parse_date((const uint8_t *)d, HTTP_DATE_LEN, &back) == 0 && back == t);
	}
}

static uint64_t pick_size(unsigned sel)
{
	static const uint64_t sizes[] = { 0, 1, 2, 100, 4096, UINT64_MAX, UINT64_MAX - 1,
					  (uint64_t)1 << 32 };

	return sel < 8 ? sizes[sel] : sel * 977u;
}

static void build(const struct http_request *req, const uint8_t *buf, size_t cap,
		  uint64_t size, unsigned sel)
{
	char etag[HTTP_ETAG_MAX];
	time_t mtime = (time_t)(int64_t)(size % 253402300799u);
	struct http_response r = {
		.status = 200, .date = mtime, .has_last_modified = true,
		.last_modified = mtime, .etag = etag, .content_length = size,
		.accept_ranges = true, .keep_alive = http_keep_alive(req),
	};

	check(http_etag(etag, sizeof etag, size, mtime, (long)sel, size ^ sel) > 0);
	uint64_t s = 1, e = 1;
	r.status = http_file_status(req, buf, etag, mtime, size, &s, &e);
	check(r.status == 200 || r.status == 206 || r.status == 304 || r.status == 416);
	check(r.status == http_conditional_status(req, buf, etag, mtime) || r.status == 206 || r.status == 416);
	if (r.status == 206 || r.status == 416)
		check(req->method == HTTP_METHOD_GET && req->has_range && !req->range_dup);
	if (r.status == 206) {
		check(s <= e && e < size);
		r.has_content_range = true;
		r.range_start = s;
		r.range_end = e;
		r.range_size = size;
		r.content_length = e - s + 1;
	} else {
		check(s == 0 && e == (size ? size - 1 : 0));
	}
	memset(resp, CANARY, sizeof resp);
	size_t n;
	if (r.status == 416)
		n = http_build_error((char *)resp, cap, 416, mtime, r.keep_alive,
				     req->method == HTTP_METHOD_HEAD, size);
	else
		n = http_build_head((char *)resp, cap, &r);
	check(n <= cap);
	for (size_t i = cap; i < sizeof resp; i++)
		check(resp[i] == CANARY);
	if (n > 0)
		check(memcmp(resp, "HTTP/1.1 ", 9) == 0);
	if (n > 0 && r.status != 416)
		check(n >= 4 && memcmp(resp + n - 4, "\r\n\r\n", 4) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser a, b;
	struct http_path path;

	if (size < 4)
		return 0;
	size_t split = (size_t)(data[0] << 8 | data[1]);
	uint64_t fsize = pick_size(data[2]);
	size_t cap = (size_t)data[3] * 4 + 3;
	const uint8_t *buf = data + 4;
	size_t len = size - 4;

	if (cap > RESP_MAX)
		cap = RESP_MAX;
	split = len ? split % (len + 1) : 0;

	http_parser_init(&a);
	enum http_parse_result ra = http_parse(&a, buf, len);
	http_parser_init(&b);
	enum http_parse_result rb = http_parse(&b, buf, split);
	if (rb == HTTP_NEED_MORE)
		rb = http_parse(&b, buf, len);
	check(ra == rb && a.status == b.status && a.head_len == b.head_len);
	check(http_parse(&a, buf, len) == ra);

	if (ra == HTTP_ERROR) {
		int s = a.status;
		check(s == 400 || s == 413 || s == 414 || s == 431 || s == 505);
		check(a.why != NULL);
	} else if (ra == HTTP_NEED_MORE) {
		check(len < HTTP_HEAD_MAX);
	} else {
		const struct http_request *r = &a.req;
		check(a.head_len <= len && a.head_len <= HTTP_HEAD_MAX);
		check(r->version == 10 || r->version == 11);
		check(r->target.len >= 1 && r->target.len <= HTTP_TARGET_MAX);
		check((size_t)r->target.off + r->target.len <= a.head_len);
		check(r->method_tok.len >= 1 && r->method_tok.len <= HTTP_METHOD_MAX);
		check(r->nheaders <= HTTP_HEADERS_MAX);
		check(!r->has_transfer_encoding && (!r->has_content_length || r->content_length == 0));
		check(r->version == 10 || r->has_host);
		int st = http_target_to_path(buf + r->target.off, r->target.len, &path);
		check(st == 0 || st == 400 || st == 403 || st == 414);
		if (st == 0) {
			check_path(&path, r->target.len);
			check_ks(&path);
			check(http_mime_type(path.path, path.len) != NULL);
		}
		if (r->has_range) {
			check((size_t)r->range.off + r->range.len <= a.head_len);
			check_range(buf + r->range.off, r->range.len, fsize);
		}
		if (r->has_ims)
			check_date(buf + r->if_modified_since.off, r->if_modified_since.len);
		build(r, buf, cap, fsize, data[2]);
	}

	/* the raw bytes straight into the value parsers */
	size_t vn = len < 4 * HTTP_TARGET_MAX ? len : 4 * HTTP_TARGET_MAX;
	int st = http_target_to_path(buf, vn, &path);
	check(st == 0 || st == 400 || st == 403 || st == 414);
	if (st == 0)
		check_path(&path, vn);
		check_ks(&path);
	check_range(buf, vn, fsize);
	check_date(buf, vn);
	(void)http_inm_matches(buf, vn, "\"2a-10\"");
	(void)http_if_range_ok(buf, vn, "\"2a-10\"");
	check(http_mime_type((const char *)buf, vn) != NULL);
	return 0;
}
