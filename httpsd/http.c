/* http.c — HTTP/1.1 request parser and request-side decisions (see http.h). */
#include "httpsd/http.h"
#include "common/ipc.h"

#include <string.h>

/* ---- character classes and small helpers --------------------------------- */

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 §5.6.2 tchar. */
static bool is_tchar(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison with a lowercase literal. */
static bool ieq(const uint8_t *s, size_t n, const char *lit)
{
	size_t ln = strlen(lit);

	if (n != ln)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

static bool eq(const uint8_t *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Trim OWS from both ends of [*s, *s + *n). */
static void trim(const uint8_t **s, size_t *n)
{
	while (*n > 0 && is_ows((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ows((*s)[*n - 1]))
		(*n)--;
}

static struct http_span span(size_t off, size_t len)
{
	/* offsets are bounded by HTTP_HEAD_MAX */
	return (struct http_span){ (uint32_t)off, (uint32_t)len };
}

/* ---- request head parser -------------------------------------------------- */

void http_parser_init(struct http_parser *p)
{
	memset(p, 0, sizeof *p);
	p->result = HTTP_NEED_MORE;
	p->in_request_line = true;
}

static enum http_parse_result fail(struct http_parser *p, int status, const char *why)
{
	p->result = HTTP_ERROR;
	p->status = status;
	p->why = why;
	return HTTP_ERROR;
}

enum rl_result { RL_MORE, RL_DONE, RL_ERROR };

/* Scan the request line starting at start, looking only at buf[start, avail).
 * Every check is made at the byte that settles it, so a prefix of a line
 * fails exactly when the whole line would fail at the same byte. */
static enum rl_result scan_request_line(struct http_parser *p, const uint8_t *buf,
					size_t start, size_t avail, size_t *line_end)
{
	struct http_request *r = &p->req;
	size_t i = start, mlen = 0, tlen = 0, vlen = 0;
	static const char proto[] = "HTTP/";

	/* method */
	for (; i < avail && buf[i] != ' '; i++) {
		if (!is_tchar(buf[i]))
			return fail(p, 400, "invalid character in method"), RL_ERROR;
		if (++mlen > HTTP_METHOD_MAX)
			return fail(p, 400, "method too long"), RL_ERROR;
	}
	if (i == avail)
		return RL_MORE;
	if (mlen == 0)
		return fail(p, 400, "empty method"), RL_ERROR;
	r->method_tok = span(start, mlen);
	i++;

	/* target */
	size_t tstart = i;
	for (; i < avail && buf[i] != ' '; i++) {
		if (buf[i] < 0x21 || buf[i] > 0x7e)
			return fail(p, 400, "invalid character in request target"), RL_ERROR;
		if (++tlen > HTTP_TARGET_MAX)
			return fail(p, 414, "request target too long"), RL_ERROR;
	}
	if (i == avail)
		return RL_MORE;
	if (tlen == 0)
		return fail(p, 400, "empty request target"), RL_ERROR;
	r->target = span(tstart, tlen);
	i++;

	/* version: exactly HTTP/d.d then CRLF or LF */
	size_t vstart = i;
	for (; i < avail && vlen < 8; i++, vlen++) {
		uint8_t c = buf[i];
		bool ok = vlen < 5 ? c == (uint8_t)proto[vlen]
			: vlen == 6 ? c == '.' : is_digit(c);
		if (!ok)
			return fail(p, 400, "malformed HTTP version"), RL_ERROR;
	}
	if (i == avail)
		return RL_MORE;
	if (buf[i] == '\r') {
		if (++i == avail)
			return RL_MORE;
	}
	if (buf[i] != '\n')
		return fail(p, 400, "malformed request line"), RL_ERROR;
	*line_end = i + 1;

	uint8_t major = buf[vstart + 5], minor = buf[vstart + 7];
	if (major != '1' || (minor != '0' && minor != '1'))
		return fail(p, 505, "HTTP version not supported"), RL_ERROR;
	r->version = minor == '1' ? 11 : 10;
	if (eq(buf + start, mlen, "GET"))
		r->method = HTTP_METHOD_GET;
	else if (eq(buf + start, mlen, "HEAD"))
		r->method = HTTP_METHOD_HEAD;
	else
		r->method = HTTP_METHOD_OTHER;
	return RL_DONE;
}

/* Content-Length: one decimal number (no lists, RFC 9110 §8.6 lets a
 * recipient reject them). */
static bool parse_content_length(const uint8_t *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return false;
		unsigned d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

static bool host_char_ok(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("-._~:[]!$&'()*+,;=%", c) != NULL);
}

static void parse_connection(struct http_request *r, const uint8_t *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		const uint8_t *tok = v + s;
		size_t tl = i - s;
		trim(&tok, &tl);
		if (ieq(tok, tl, "close"))
			r->conn_close = true;
		else if (ieq(tok, tl, "keep-alive"))
			r->conn_keep_alive = true;
		if (i < n)
			i++;
	}
}

/* One field line [s, e) without its line ending. */
static enum http_parse_result header_line(struct http_parser *p, const uint8_t *buf,
					  size_t s, size_t e)
{
	struct http_request *r = &p->req;
	size_t i = s;

	if (++r->nheaders > HTTP_HEADERS_MAX)
		return fail(p, 431, "too many header fields");
	if (is_ows(buf[s]))
		return fail(p, 400, "obsolete line folding");
	while (i < e && buf[i] != ':') {
		if (is_ows(buf[i]))
			return fail(p, 400, "whitespace in or after field name");
		if (!is_tchar(buf[i]))
			return fail(p, 400, "invalid character in field name");
		i++;
	}
	if (i == e)
		return fail(p, 400, "field line without colon");
	if (i == s)
		return fail(p, 400, "empty field name");
	const uint8_t *name = buf + s;
	size_t nlen = i - s;
	const uint8_t *v = buf + i + 1;
	size_t vn = e - (i + 1);
	for (size_t k = 0; k < vn; k++) {
		uint8_t c = v[k];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, 400, "control character in field value");
	}
	trim(&v, &vn);
	struct http_span vs = span((size_t)(v - buf), vn);

	if (ieq(name, nlen, "host")) {
		if (r->has_host)
			return fail(p, 400, "repeated Host");
		for (size_t k = 0; k < vn; k++)
			if (!host_char_ok(v[k]))
				return fail(p, 400, "invalid Host");
		r->has_host = true;
		r->host = vs;
	} else if (ieq(name, nlen, "content-length")) {
		uint64_t cl;
		if (!parse_content_length(v, vn, &cl))
			return fail(p, 400, "invalid Content-Length");
		if (r->has_content_length && cl != r->content_length)
			return fail(p, 400, "conflicting Content-Length");
		r->has_content_length = true;
		r->content_length = cl;
	} else if (ieq(name, nlen, "transfer-encoding")) {
		r->has_transfer_encoding = true;
	} else if (ieq(name, nlen, "connection")) {
		parse_connection(r, v, vn);
	} else if (ieq(name, nlen, "range")) {
		if (r->has_range)
			r->range_dup = true;
		else {
			r->has_range = true;
			r->range = vs;
		}
	} else if (ieq(name, nlen, "if-range")) {
		if (r->has_if_range)
			r->if_range_dup = true;
		else {
			r->has_if_range = true;
			r->if_range = vs;
		}
	} else if (ieq(name, nlen, "if-modified-since")) {
		if (r->has_ims)
			r->ims_dup = true;
		else {
			r->has_ims = true;
			r->if_modified_since = vs;
		}
	} else if (ieq(name, nlen, "if-none-match")) {
		if (!r->has_inm) {
			r->has_inm = true;
			r->if_none_match = vs;
		}
	} else if (ieq(name, nlen, "user-agent")) {
		if (!r->has_user_agent) {
			r->has_user_agent = true;
			r->user_agent = vs;
		}
	}
	return HTTP_NEED_MORE;
}

static enum http_parse_result end_of_head(struct http_parser *p, size_t head_len)
{
	struct http_request *r = &p->req;

	if (r->version == 11 && !r->has_host)
		return fail(p, 400, "HTTP/1.1 request without Host");
	if (r->has_transfer_encoding && r->has_content_length)
		return fail(p, 400, "Content-Length with Transfer-Encoding");
	if (r->has_transfer_encoding)
		return fail(p, 413, "request body (Transfer-Encoding)");
	if (r->has_content_length && r->content_length > 0)
		return fail(p, 413, "request body (Content-Length)");
	p->head_len = head_len;
	p->result = HTTP_DONE;
	return HTTP_DONE;
}

enum http_parse_result http_parse(struct http_parser *p, const uint8_t *buf, size_t len)
{
	if (p->result != HTTP_NEED_MORE)
		return p->result;
	if (len < p->pos)
		return fail(p, 400, "buffer shrank");
	size_t avail = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;

	while (p->in_request_line) {
		/* empty lines before the request line */
		if (p->pos < avail && buf[p->pos] == '\n') {
			p->pos++;
			continue;
		}
		if (p->pos < avail && buf[p->pos] == '\r') {
			if (p->pos + 1 < avail) {
				if (buf[p->pos + 1] != '\n')
					return fail(p, 400, "bare CR");
				p->pos += 2;
				continue;
			}
		} else if (p->pos < avail) {
			size_t line_end = 0;
			enum rl_result rr = scan_request_line(p, buf, p->pos, avail, &line_end);
			if (rr == RL_ERROR)
				return HTTP_ERROR;
			if (rr == RL_DONE) {
				p->pos = line_end;
				p->in_request_line = false;
				break;
			}
		}
		if (len >= HTTP_HEAD_MAX)
			return fail(p, 431, "request line too long");
		return HTTP_NEED_MORE;
	}

	for (;;) {
		const uint8_t *lf = p->pos < avail ? memchr(buf + p->pos, '\n', avail - p->pos) : NULL;
		if (!lf) {
			if (len >= HTTP_HEAD_MAX)
				return fail(p, 431, "header section too large");
			return HTTP_NEED_MORE;
		}
		size_t e = (size_t)(lf - buf);
		size_t next = e + 1;
		if (e > p->pos && buf[e - 1] == '\r')
			e--;
		if (e == p->pos)
			return end_of_head(p, next);
		if (header_line(p, buf, p->pos, e) == HTTP_ERROR)
			return HTTP_ERROR;
		p->pos = next;
	}
}

bool http_keep_alive(const struct http_request *req)
{
	if (req->conn_close)
		return false;
	return req->version == 11 || req->conn_keep_alive;
}

/* ---- request target to path ---------------------------------------------- */

/* RFC 3986 pchar without pct-encoded. */
static bool is_pchar(uint8_t c)
{
	return is_alpha(c) || is_digit(c) || (c != 0 && strchr("-._~!$&'()*+,;=:@", c) != NULL);
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t need;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			uint8_t cc = s[i + k];
			if ((cc & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (cc & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

int http_target_to_path(const uint8_t *t, size_t n, struct http_path *out)
{
	size_t i = 0, path_end, o = 0;

	out->path[0] = '\0';
	out->len = 0;
	out->trailing_slash = false;
	out->has_query = false;
	out->query = span(0, 0);
	if (n == 0)
		return 400;
	if (n > HTTP_TARGET_MAX)
		return 414;
	if (memchr(t, '#', n))
		return 400;

	if (t[0] != '/') {
		/* absolute-form: http[s]://authority[/path][?query] */
		if (n >= 7 && ieq(t, 7, "http://"))
			i = 7;
		else if (n >= 8 && ieq(t, 8, "https://"))
			i = 8;
		else
			return 400;
		size_t a = i;
		while (i < n && t[i] != '/' && t[i] != '?') {
			if (!is_pchar(t[i]) && t[i] != '%' && t[i] != '[' && t[i] != ']')
				return 400;
			i++;
		}
		if (i == a)
			return 400;
	}

	path_end = i;
	while (path_end < n && t[path_end] != '?')
		path_end++;
	if (path_end < n) {
		out->has_query = true;
		out->query = span(path_end + 1, n - path_end - 1);
		for (size_t k = path_end + 1; k < n; k++)
			if (t[k] < 0x21 || t[k] > 0x7e)
				return 400;
	}
	out->trailing_slash = path_end > 0 && t[path_end - 1] == '/';

	while (i < path_end) {
		if (t[i] == '/') {
			i++;
			continue;
		}
		/* one segment, decoded after a separator unless first */
		size_t seg_start = o;
		if (o > 0) {
			if (o >= HTTP_PATH_MAX)
				return 414;
			out->path[o++] = '/';
			seg_start = o;
		}
		for (; i < path_end && t[i] != '/'; i++) {
			uint8_t c = t[i];
			if (c == '%') {
				if (path_end - i < 3)
					return 400;
				int hi = hexval(t[i + 1]), lo = hexval(t[i + 2]);
				if (hi < 0 || lo < 0)
					return 400;
				c = (uint8_t)(hi << 4 | lo);
				i += 2;
				if (c == '/' || c == '\\')
					return 403;
				if (c < 0x20 || c == 0x7f)
					return 400;
			} else if (!is_pchar(c)) {
				return 400;
			}
			if (o >= HTTP_PATH_MAX)
				return 414;
			out->path[o++] = (char)c;
		}
		size_t sl = o - seg_start;
		if ((sl == 1 && out->path[seg_start] == '.') ||
		    (sl == 2 && out->path[seg_start] == '.' && out->path[seg_start + 1] == '.')) {
			out->path[0] = '\0';
			return 403;
		}
	}
	out->path[o] = '\0';
	if (!utf8_valid((const uint8_t *)out->path, o)) {
		out->path[0] = '\0';
		return 400;
	}
	out->len = o;
	return 0;
}

/* ---- Range ---------------------------------------------------------------- */

/* Decimal digits from *i, saturating at UINT64_MAX; false if none. */
static bool take_number(const uint8_t *v, size_t n, size_t *i, uint64_t *out)
{
	uint64_t x = 0;
	size_t s = *i;

	while (*i < n && is_digit(v[*i])) {
		unsigned d = (unsigned)(v[*i] - '0');
		x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
		(*i)++;
	}
	*out = x;
	return *i > s;
}

enum http_range_result http_range_eval(const uint8_t *v, size_t n, uint64_t size,
				       uint64_t *start, uint64_t *end)
{
	size_t i = 6;
	uint64_t a, b;

	if (n < 7 || !ieq(v, 5, "bytes") || v[5] != '=')
		return HTTP_RANGE_IGNORE;
	if (v[i] == '-') {
		i++;
		if (!take_number(v, n, &i, &b) || i != n)
			return HTTP_RANGE_IGNORE;
		if (size == 0)
			/* the whole (empty) representation is the suffix: send it as 200 */
			return b == 0 ? HTTP_RANGE_UNSATISFIABLE : HTTP_RANGE_IGNORE;
		if (b == 0)
			return HTTP_RANGE_UNSATISFIABLE;
		*start = size - (b < size ? b : size);
		*end = size - 1;
		return HTTP_RANGE_OK;
	}
	if (!take_number(v, n, &i, &a) || i == n || v[i] != '-')
		return HTTP_RANGE_IGNORE;
	i++;
	if (i == n) {
		b = UINT64_MAX;
	} else if (!take_number(v, n, &i, &b) || i != n || b < a) {
		return HTTP_RANGE_IGNORE;
	}
	if (a >= size)
		return HTTP_RANGE_UNSATISFIABLE;
	*start = a;
	*end = b < size - 1 ? b : size - 1;
	return HTTP_RANGE_OK;
}

/* ---- validators and conditionals ----------------------------------------- */

struct writer {
	char *b;
	size_t cap, len;
	bool ok;
};

static void put_bytes(struct writer *w, const char *s, size_t n)
{
	if (!w->ok || n > w->cap - w->len) {
		w->ok = false;
		return;
	}
	memcpy(w->b + w->len, s, n);
	w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
	put_bytes(w, s, strlen(s));
}

static void put_u64_base(struct writer *w, uint64_t v, unsigned base)
{
	char tmp[24];
	size_t k = sizeof tmp;

	do {
		tmp[--k] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	put_bytes(w, tmp + k, sizeof tmp - k);
}

static void put_u64(struct writer *w, uint64_t v)
{
	put_u64_base(w, v, 10);
}

/* Two-digit or four-digit zero-padded decimal. */
static void put_pad(struct writer *w, unsigned v, unsigned width)
{
	char tmp[4];

	for (unsigned k = width; k > 0; k--) {
		tmp[k - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	put_bytes(w, tmp, width);
}

size_t http_etag(char *out, size_t cap, uint64_t size, int64_t mtime_sec,
		 long mtime_nsec, uint64_t ino)
{
	struct writer w = { out, cap, 0, true };

	put_str(&w, "\"");
	put_u64_base(&w, ino, 16);
	put_str(&w, "-");
	put_u64_base(&w, size, 16);
	put_str(&w, "-");
	put_u64_base(&w, (uint64_t)mtime_sec, 16);
	put_str(&w, ".");
	put_u64_base(&w, (uint64_t)(int64_t)mtime_nsec, 16);
	put_str(&w, "\"");
	put_bytes(&w, "", 1);
	if (!w.ok) {
		if (cap > 0)
			out[0] = '\0';
		return 0;
	}
	return w.len - 1;
}

/* RFC 9110 §8.8.3 etagc: 0x21, 0x23-0x7e, obs-text. */
static bool is_etagc(uint8_t c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* Opaque part of a quoted entity-tag: [s, s + n) including its quotes. */
static bool opaque_of(const char *etag, const uint8_t **s, size_t *n)
{
	size_t l = strlen(etag);

	if (l >= 2 && etag[0] == 'W' && etag[1] == '/') {
		etag += 2;
		l -= 2;
	}
	if (l < 2 || etag[0] != '"' || etag[l - 1] != '"')
		return false;
	*s = (const uint8_t *)etag;
	*n = l;
	return true;
}

bool http_inm_matches(const uint8_t *v, size_t n, const char *etag)
{
	const uint8_t *cur;
	size_t curn, i = 0;
	bool matched = false;

	trim(&v, &n);
	if (n == 1 && v[0] == '*')
		return true;
	if (!opaque_of(etag, &cur, &curn))
		return false;
	for (;;) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		if (n - i >= 2 && v[i] == 'W' && v[i + 1] == '/')
			i += 2;
		if (i == n || v[i] != '"')
			return false;
		size_t s = i++;
		while (i < n && is_etagc(v[i]))
			i++;
		if (i == n || v[i] != '"')
			return false;
		i++;
		if (i - s == curn && memcmp(v + s, cur, curn) == 0)
			matched = true;
		while (i < n && is_ows(v[i]))
			i++;
		if (i < n && v[i] != ',')
			return false;
	}
	return matched;
}

bool http_if_range_ok(const uint8_t *v, size_t n, const char *etag)
{
	size_t l = strlen(etag);

	trim(&v, &n);
	if (l < 2 || etag[0] != '"')
		return false;
	return n == l && memcmp(v, etag, l) == 0;
}

static const char wday_short[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const wday_long[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
static const char month_name[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const uint8_t dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool digits(const uint8_t *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static bool month_of(const uint8_t *s, unsigned *m)
{
	for (unsigned k = 0; k < 12; k++)
		if (memcmp(s, month_name[k], 3) == 0) {
			*m = k + 1;
			return true;
		}
	return false;
}

static bool wday_short_ok(const uint8_t *s)
{
	for (unsigned k = 0; k < 7; k++)
		if (memcmp(s, wday_short[k], 3) == 0)
			return true;
	return false;
}

/* "HH:MM:SS" */
static bool parse_hms(const uint8_t *s, unsigned *h, unsigned *mi, unsigned *sec)
{
	return digits(s, 2, h) && s[2] == ':' && digits(s + 3, 2, mi) && s[5] == ':' &&
	       digits(s + 6, 2, sec) && *h <= 23 && *mi <= 59 && *sec <= 60;
}

int http_parse_date(const uint8_t *s, size_t n, time_t *t)
{
	unsigned d, m, y, h, mi, sec;
	int64_t year;

	if (n == 29 && s[3] == ',') {
		/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
		if (!wday_short_ok(s) || s[4] != ' ' || !digits(s + 5, 2, &d) || s[7] != ' ' ||
		    !month_of(s + 8, &m) || s[11] != ' ' || !digits(s + 12, 4, &y) ||
		    s[16] != ' ' || !parse_hms(s + 17, &h, &mi, &sec) ||
		    memcmp(s + 25, " GMT", 4) != 0)
			return -1;
		year = y;
	} else if (n == 24 && s[3] == ' ') {
		/* asctime: Sun Nov  6 08:49:37 1994 */
		if (!wday_short_ok(s) || !month_of(s + 4, &m) || s[7] != ' ' || s[10] != ' ' ||
		    !parse_hms(s + 11, &h, &mi, &sec) || s[19] != ' ' || !digits(s + 20, 4, &y))
			return -1;
		if (s[8] == ' ') {
			if (!digits(s + 9, 1, &d))
				return -1;
		} else if (!digits(s + 8, 2, &d)) {
			return -1;
		}
		year = y;
	} else {
		/* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
		size_t wl = 0;
		for (unsigned k = 0; k < 7; k++) {
			size_t l = strlen(wday_long[k]);
			if (n > l && memcmp(s, wday_long[k], l) == 0 && s[l] == ',')
				wl = l;
		}
		if (wl == 0 || n != wl + 24)
			return -1;
		const uint8_t *q = s + wl + 1;
		if (q[0] != ' ' || !digits(q + 1, 2, &d) || q[3] != '-' || !month_of(q + 4, &m) ||
		    q[7] != '-' || !digits(q + 8, 2, &y) || q[10] != ' ' ||
		    !parse_hms(q + 11, &h, &mi, &sec) || memcmp(q + 19, " GMT", 4) != 0)
			return -1;
		year = y >= 70 ? 1900 + y : 2000 + y;
	}
	if (d < 1 || d > days_in_month(year, m))
		return -1;
	*t = (time_t)(days_from_civil(year, m, d) * 86400 + h * 3600 + mi * 60 + sec);
	return 0;
}

size_t http_format_date(char *out, size_t cap, time_t t)
{
	int64_t days = (int64_t)t / 86400, secs = (int64_t)t % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 1 || y > 9999 || cap < HTTP_DATE_LEN + 1)
		return 0;
	struct writer w = { out, cap, 0, true };
	int64_t wd = (days + 4) % 7;
	if (wd < 0)
		wd += 7;
	put_bytes(&w, wday_short[wd], 3);
	put_str(&w, ", ");
	put_pad(&w, d, 2);
	put_str(&w, " ");
	put_bytes(&w, month_name[m - 1], 3);
	put_str(&w, " ");
	put_pad(&w, (unsigned)y, 4);
	put_str(&w, " ");
	put_pad(&w, (unsigned)(secs / 3600), 2);
	put_str(&w, ":");
	put_pad(&w, (unsigned)(secs / 60 % 60), 2);
	put_str(&w, ":");
	put_pad(&w, (unsigned)(secs % 60), 2);
	put_str(&w, " GMT");
	put_bytes(&w, "", 1);
	return w.ok ? HTTP_DATE_LEN : 0;
}

int http_conditional_status(const struct http_request *req, const uint8_t *buf,
			    const char *etag, time_t mtime)
{
	if (req->has_inm)
		return http_inm_matches(buf + req->if_none_match.off, req->if_none_match.len,
					etag) ? 304 : 200;
	if (req->has_ims && !req->ims_dup) {
		time_t since;
		if (http_parse_date(buf + req->if_modified_since.off,
				    req->if_modified_since.len, &since) == 0 && mtime <= since)
			return 304;
	}
	return 200;
}

int http_file_status(const struct http_request *req, const uint8_t *buf, const char *etag, time_t mtime,
		     uint64_t size, uint64_t *start, uint64_t *end)
{
	int status = http_conditional_status(req, buf, etag, mtime);
	uint64_t s, e;

	*start = 0;
	*end = size ? size - 1 : 0;
	if (status != 200 || req->method != HTTP_METHOD_GET || !req->has_range || req->range_dup)
		return status;
	if (req->has_if_range &&
	    (req->if_range_dup || !http_if_range_ok(buf + req->if_range.off, req->if_range.len, etag)))
		return status;
	switch (http_range_eval(buf + req->range.off, req->range.len, size, &s, &e)) {
	case HTTP_RANGE_OK:
		*start = s;
		*end = e;
		return 206;
	case HTTP_RANGE_UNSATISFIABLE:
		return 416;
	case HTTP_RANGE_IGNORE:
		break;
	}
	return 200;
}

/* ---- MIME types ------------------------------------------------------------ */

static const struct {
	const char *ext;
	const char *type;
} mime_table[] = {
	{ "ipxe", "text/plain; charset=utf-8" },
	{ "cfg", "text/plain; charset=utf-8" },
	{ "conf", "text/plain; charset=utf-8" },
	{ "ks", "text/plain; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "minisig", "text/plain; charset=utf-8" },
	{ "efi", "application/efi" },
	{ "kpxe", "application/octet-stream" },
	{ "pxe", "application/octet-stream" },
	{ "0", "application/octet-stream" },
	{ "img", "application/octet-stream" },
	{ "bin", "application/octet-stream" },
	{ "gz", "application/gzip" },
	{ "xz", "application/x-xz" },
	{ "cpio", "application/x-cpio" },
	{ "iso", "application/x-iso9660-image" },
	{ "sig", "application/pkcs7-signature" },
	{ "html", "text/html; charset=utf-8" },
	{ "htm", "text/html; charset=utf-8" },
};

static const char *const kernel_prefix[] = { "vmlinuz", "vmlinux", "bzimage", "kernel" };

const char *http_mime_type(const char *path, size_t n)
{
	const uint8_t *s = (const uint8_t *)path;
	size_t b = n, dot = n;

	while (b > 0 && s[b - 1] != '/')
		b--;
	for (size_t k = 0; k < sizeof kernel_prefix / sizeof kernel_prefix[0]; k++) {
		size_t l = strlen(kernel_prefix[k]);
		if (n - b >= l && ieq(s + b, l, kernel_prefix[k]))
			return "application/octet-stream";
	}
	for (size_t k = n; k > b; k--)
		if (s[k - 1] == '.') {
			dot = k - 1;
			break;
		}
	if (dot < n && dot > b) {
		for (size_t k = 0; k < sizeof mime_table / sizeof mime_table[0]; k++)
			if (ieq(s + dot + 1, n - dot - 1, mime_table[k].ext))
				return mime_table[k].type;
	}
	return "application/octet-stream";
}

/* ---- response heads -------------------------------------------------------- */

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
	for (size_t k = 0; k < sizeof reasons / sizeof reasons[0]; k++)
		if (reasons[k].status == status)
			return reasons[k].reason;
	return NULL;
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((uint8_t)*s < 0x20 || (uint8_t)*s > 0x7e)
			return false;
	return true;
}

static void put_header_date(struct writer *w, const char *name, time_t t)
{
	char d[HTTP_DATE_LEN + 1];

	if (http_format_date(d, sizeof d, t) == 0) {
		w->ok = false;
		return;
	}
	put_str(w, name);
	put_bytes(w, d, HTTP_DATE_LEN);
	put_str(w, "\r\n");
}

static void put_header(struct writer *w, const char *name, const char *value)
{
	if (!printable(value)) {
		w->ok = false;
		return;
	}
	put_str(w, name);
	put_str(w, value);
	put_str(w, "\r\n");
}

size_t http_build_head(char *buf, size_t cap, const struct http_response *r)
{
	const char *reason = http_reason(r->status);
	struct writer w = { buf, cap, 0, true };

	if (!reason)
		return 0;
	if (r->status == 206) {
		if (!r->has_content_range || r->range_start > r->range_end ||
		    r->range_end >= r->range_size ||
		    r->content_length != r->range_end - r->range_start + 1)
			return 0;
	}
	put_str(&w, "HTTP/1.1 ");
	put_u64(&w, (uint64_t)r->status);
	put_str(&w, " ");
	put_str(&w, reason);
	put_str(&w, "\r\n");
	put_header_date(&w, "Date: ", r->date);
	put_str(&w, "Server: bootward\r\n");
	if (r->location)
		put_header(&w, "Location: ", r->location);
	if (r->has_last_modified)
		put_header_date(&w, "Last-Modified: ", r->last_modified);
	if (r->etag)
		put_header(&w, "ETag: ", r->etag);
	if (r->status != 304) {
		if (r->content_type)
			put_header(&w, "Content-Type: ", r->content_type);
		put_str(&w, "Content-Length: ");
		put_u64(&w, r->content_length);
		put_str(&w, "\r\n");
	}
	if (r->accept_ranges)
		put_str(&w, "Accept-Ranges: bytes\r\n");
	if (r->no_store)
		put_str(&w, "Cache-Control: no-store\r\n");
	if (r->has_content_range) {
		put_str(&w, "Content-Range: bytes ");
		if (r->status == 206) {
			put_u64(&w, r->range_start);
			put_str(&w, "-");
			put_u64(&w, r->range_end);
		} else {
			put_str(&w, "*");
		}
		put_str(&w, "/");
		put_u64(&w, r->range_size);
		put_str(&w, "\r\n");
	}
	if (r->allow)
		put_str(&w, "Allow: GET, HEAD\r\n");
	put_str(&w, r->keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
	put_str(&w, "\r\n");
	return w.ok ? w.len : 0;
}

size_t http_build_error(char *buf, size_t cap, int status, time_t date, bool keep_alive,
			bool head_only, uint64_t size)
{
	const char *reason = http_reason(status);
	char body[64];
	struct writer bw = { body, sizeof body, 0, true };

	if (!reason || status < 400)
		return 0;
	put_u64(&bw, (uint64_t)status);
	put_str(&bw, " ");
	put_str(&bw, reason);
	put_str(&bw, "\n");
	if (!bw.ok)
		return 0;

	struct http_response r = {
		.status = status,
		.date = date,
		.content_type = "text/plain; charset=utf-8",
		.content_length = bw.len,
		.has_content_range = status == 416,
		.range_size = size,
		.allow = status == 405,
		.keep_alive = keep_alive,
	};
	size_t hl = http_build_head(buf, cap, &r);
	if (hl == 0)
		return 0;
	if (head_only)
		return hl;
	struct writer w = { buf, cap, hl, true };
	put_bytes(&w, body, bw.len);
	return w.ok ? w.len : 0;
}

/* ---- /ks/ ------------------------------------------------------------------ */

int http_ks_path(const struct http_path *path, char *token, size_t cap)
{
	static const struct {
		const char *name;
		int what;
	} files[] = {
		{ "ks.cfg", IPC_KS_CFG },   { "ks.cfg.sig", IPC_KS_CFG_SIG },   { "ks.cfg.minisig", IPC_KS_CFG_MINISIG },
		{ "ks.cpio", IPC_KS_CPIO }, { "ks.cpio.sig", IPC_KS_CPIO_SIG }, { "ks.cpio.minisig", IPC_KS_CPIO_MINISIG },
	};
	const char *p = path->path + 3, *slash;
	size_t n;

	if (path->len < 4 || memcmp(path->path, "ks/", 3) != 0 || path->trailing_slash)
		return 0;
	n = path->len - 3;
	if (n == strlen("boot.ipxe") && !memcmp(p, "boot.ipxe", n))
		return IPC_KS_SCRIPT;
	slash = memchr(p, '/', n);
	if (!slash || slash == p || (size_t)(slash - p) >= cap)
		return 0;
	for (const char *t = p; t < slash; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9') || *t == '-' ||
		      *t == '_'))
			return 0;
	size_t tl = (size_t)(slash - p), fl = n - tl - 1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (fl == strlen(files[i].name) && !memcmp(slash + 1, files[i].name, fl)) {
			memcpy(token, p, tl);
			token[tl] = '\0';
			return files[i].what;
		}
	return 0;
}
