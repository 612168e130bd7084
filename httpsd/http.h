/* http.h — HTTP/1.1 request parser and request-side decisions for httpsd.
 *
 * Pure code: no syscalls, no allocation, no globals except constant tables,
 * no time zone state.  The worker (httpsd) supplies bytes, file metadata and
 * the clock; this module says what to answer.
 *
 * Standards: RFC 9110 (HTTP semantics), RFC 9112 (HTTP/1.1), RFC 3986 (URI),
 * RFC 3629 (UTF-8).
 *
 * Status codes, and why:
 *   400  the request is malformed: bad request line or header syntax, bare CR,
 *        obs-fold, whitespace before a colon, control characters, a missing or
 *        repeated Host on HTTP/1.1, Content-Length that is not one decimal
 *        number or appears twice with different values, Content-Length together
 *        with Transfer-Encoding (request smuggling), an invalid %xx escape, a
 *        decoded NUL or control character, invalid or overlong UTF-8, a
 *        request target that is not origin-form or absolute-form.
 *   403  the target is well formed but names something never served: a "." or
 *        ".." segment (raw or percent-encoded), an encoded slash (%2f), an
 *        encoded backslash (%5c).
 *   404  never decided here: the worker answers 404 when the file is absent.
 *   405  method other than GET/HEAD: the parser accepts any token method and
 *        exposes it; the worker decides (and sends Allow: GET, HEAD).
 *   413  a request body is announced (Content-Length > 0 or any
 *        Transfer-Encoding without Content-Length): GET/HEAD carry no body.
 *   414  request target longer than HTTP_TARGET_MAX.
 *   431  header section longer than HTTP_HEAD_MAX bytes or more than
 *        HTTP_HEADERS_MAX field lines.
 *   505  HTTP version other than 1.0 or 1.1 (HTTP/x.y with single digits).
 */
#ifndef BOOTWARD_HTTP_H
#define BOOTWARD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTP_TARGET_MAX 2048    /* longest request target (bytes, raw) */
#define HTTP_HEAD_MAX 8192      /* longest request head, request line included */
#define HTTP_HEADERS_MAX 64     /* most field lines in one request */
#define HTTP_METHOD_MAX 32      /* longest method token */
#define HTTP_PATH_MAX HTTP_TARGET_MAX /* decoded path never exceeds the raw target */
#define HTTP_ETAG_MAX 80        /* buffer for http_etag(), quotes and NUL included */
#define HTTP_DATE_LEN 29        /* "Sun, 06 Nov 1994 08:49:37 GMT" */

enum http_method { HTTP_METHOD_OTHER = 0, HTTP_METHOD_GET = 1, HTTP_METHOD_HEAD = 2 };

/* Bytes [off, off + len) of the caller's buffer. */
struct http_span {
	uint32_t off, len;
};

/* What the parser found.  Spans point into the buffer given to http_parse()
 * and stay valid while the caller keeps its first head_len bytes.  Header
 * values are trimmed of surrounding whitespace.  For Range, If-Range,
 * If-Modified-Since and User-Agent a repeated field keeps only the first
 * value and sets the *_dup flag (the worker then ignores Range, If-Range and
 * If-Modified-Since: answering 200 in full is always safe).  If-None-Match
 * likewise keeps the first line only; a match in a later line is then missed,
 * which costs a full 200, never a wrong 304. */
struct http_request {
	enum http_method method;
	struct http_span method_tok;   /* the method as sent (case-sensitive) */
	struct http_span target;       /* raw request target */
	int version;                   /* 10 or 11 */
	struct http_span host, range, if_range, if_modified_since, if_none_match,
		user_agent;
	bool has_host, has_range, has_if_range, has_ims, has_inm, has_user_agent;
	bool range_dup, if_range_dup, ims_dup;
	bool conn_close;               /* Connection: close */
	bool conn_keep_alive;          /* Connection: keep-alive */
	bool has_content_length, has_transfer_encoding;
	uint64_t content_length;
	unsigned nheaders;             /* field lines seen */
};

enum http_parse_result { HTTP_NEED_MORE = 0, HTTP_DONE = 1, HTTP_ERROR = 2 };

/* Parser state; fields are private to http.c except the results. */
struct http_parser {
	/* results */
	size_t head_len;               /* DONE: bytes of the head, final LF included */
	int status;                    /* ERROR: status code to answer */
	const char *why;               /* ERROR: short static reason, for the log */
	struct http_request req;
	/* private */
	enum http_parse_result result;
	size_t pos;                    /* start of the first line not yet parsed */
	bool in_request_line;
};

void http_parser_init(struct http_parser *p);

/* Parse the request head in buf[0..len).  Call again with the same bytes and
 * any that arrived since (len never shrinks) until it returns DONE or ERROR;
 * after that the same result is returned.  Feeding the bytes in any split
 * gives the same result as feeding them at once: every check is decided at
 * the first byte that settles it.
 *
 * Line endings: CRLF, or a bare LF (RFC 9112 §2.2 allows a recipient to
 * accept it; no proxy sits in front of this server, so the two cannot be
 * interpreted differently by another hop).  A CR not followed by LF is 400.
 * Empty lines before the request line are skipped (RFC 9112 §2.2); they
 * count towards HTTP_HEAD_MAX.  Bytes after the head (a pipelined request)
 * are left alone.  Methods longer than HTTP_METHOD_MAX are 400. */
enum http_parse_result http_parse(struct http_parser *p, const uint8_t *buf, size_t len);

/* True when the connection may stay open after the response: HTTP/1.1
 * unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive". */
bool http_keep_alive(const struct http_request *req);

/* ---- request target to path ------------------------------------------- */

struct http_path {
	char path[HTTP_PATH_MAX + 1];  /* relative to the served root, NUL-terminated */
	size_t len;
	bool trailing_slash;           /* the target named a directory ("/a/b/") */
	struct http_span query;        /* offsets into the raw target; len 0 if none */
	bool has_query;
};

/* Turn a raw request target into a path relative to the served root.
 * Origin-form ("/a/b?q") is the normal case.  Absolute-form
 * ("http://host/a", "https://host/a", scheme case-insensitive) is accepted
 * as RFC 9112 §3.2.2 requires; its authority is ignored (one site per
 * server).  Asterisk-form, authority-form and anything else are 400.
 * The query (after the first '?') is exposed raw and not decoded; a '#' is
 * 400.  Raw characters must be RFC 3986 pchars or '/'.  Segments are
 * percent-decoded strictly (two hex digits, either case); empty segments
 * ("//") are collapsed, so "/a//b" is "a/b"; a trailing '/' is dropped from
 * the path and reported in trailing_slash.  The root is "".  After decoding:
 * NUL and control characters (< 0x20, 0x7f) are 400, a "." or ".." segment
 * or %2f or %5c is 403, invalid UTF-8 (overlong forms, surrogates, beyond
 * U+10FFFF, truncated sequences) is 400.  Returns 0 or the status code. */
int http_target_to_path(const uint8_t *target, size_t n, struct http_path *out);

/* ---- /ks/: boot scripts and kickstarts the broker answers --------------- */

/* What a normalised path under ks/ asks for: "ks/boot.ipxe" gives
 * IPC_KS_SCRIPT; "ks/TOKEN/NAME", with TOKEN of 1 to cap - 1 URL-safe
 * base64 characters and NAME one of ks.cfg, ks.cfg.sig, ks.cfg.minisig,
 * ks.cpio, ks.cpio.sig, ks.cpio.minisig, gives the matching enum
 * ipc_ks_what (common/ipc.h) and copies TOKEN, NUL-terminated, to token.
 * Anything else gives 0 and leaves token alone. */
int http_ks_path(const struct http_path *path, char *token, size_t cap);

/* ---- Range (RFC 9110 §14) --------------------------------------------- */

enum http_range_result {
	HTTP_RANGE_IGNORE = 0,         /* absent, malformed or several ranges: send 200 */
	HTTP_RANGE_OK = 1,             /* send 206 with bytes start..end (inclusive) */
	HTTP_RANGE_UNSATISFIABLE = 2,  /* send 416 with Content-Range: bytes *\/size */
};

/* Evaluate a Range value against a file of size bytes.  Only one range is
 * served: "bytes=a-b", "bytes=a-", "bytes=-n" (unit case-insensitive, no
 * whitespace).  Several ranges, other units, b < a and other syntax errors
 * are ignored (RFC 9110 §14.2 lets a server ignore Range), so the full file
 * is sent.  a >= size, a suffix of 0 and any range of an empty file are
 * unsatisfiable.  b and n are clamped to the file; numbers too large for 64
 * bits saturate.  RFC 9110 defines Range for GET only: the worker ignores it
 * on HEAD. */
enum http_range_result http_range_eval(const uint8_t *v, size_t n, uint64_t size,
				       uint64_t *start, uint64_t *end);

/* ---- validators and conditionals (RFC 9110 §8.8, §13) ------------------ */

/* Strong ETag "\"<inode>-<size>-<mtime sec>.<mtime nsec>\"" in lowercase hex.
 * Writes a NUL-terminated string; returns its length, or 0 if cap is too
 * small (HTTP_ETAG_MAX always suffices). */
size_t http_etag(char *out, size_t cap, uint64_t size, int64_t mtime_sec,
		 long mtime_nsec, uint64_t ino);

/* If-None-Match against the current ETag (a quoted entity-tag): "*" matches,
 * else any list member equal to etag under weak comparison (W/ prefixes
 * ignored, RFC 9110 §8.8.3.2).  A malformed value matches nothing. */
bool http_inm_matches(const uint8_t *v, size_t n, const char *etag);

/* If-Range: the range is honoured only when the value is exactly the current
 * strong ETag.  Dates are never strong enough for this server's one-second
 * Last-Modified and are treated as a mismatch (send 200 in full). */
bool http_if_range_ok(const uint8_t *v, size_t n, const char *etag);

/* Parse an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, obsolete RFC 850
 * ("Sunday, 06-Nov-94 08:49:37 GMT", two-digit years 70-99 are 19xx and
 * 00-69 are 20xx) and asctime ("Sun Nov  6 08:49:37 1994").  Weekday names
 * must be valid but are not checked against the date.  Day-of-month is
 * checked against the month (leap years included), hour 0-23, minute 0-59,
 * second 0-60.  Returns 0 and sets *t (seconds since the epoch, UTC), or -1. */
int http_parse_date(const uint8_t *s, size_t n, time_t *t);

/* Write the IMF-fixdate of t and a NUL; returns HTTP_DATE_LEN, or 0 if cap
 * is below HTTP_DATE_LEN + 1 or the year is outside 1..9999. */
size_t http_format_date(char *out, size_t cap, time_t t);

/* 304 or 200 for a GET/HEAD of a file with this etag and mtime (seconds).
 * If-None-Match takes precedence: when present, 304 on a match and 200
 * otherwise, If-Modified-Since then unused (RFC 9110 §13.2.2).  Else a
 * valid, single If-Modified-Since gives 304 when mtime <= that date.  An
 * invalid date is ignored. */
int http_conditional_status(const struct http_request *req, const uint8_t *buf,
			    const char *etag, time_t mtime);

/* The status of a GET or HEAD of a regular file of size bytes with this
 * etag and mtime: 304 as http_conditional_status says; else 206 with the
 * one range in *start..*end (GET only, one Range field, and an If-Range, if
 * any, that is a single field naming this etag); 416 when that range cannot
 * be satisfied; else 200 with *start = 0. */
int http_file_status(const struct http_request *req, const uint8_t *buf, const char *etag, time_t mtime,
		     uint64_t size, uint64_t *start, uint64_t *end);

/* ---- MIME types --------------------------------------------------------- */

/* Content-Type by file name (the last path segment), case-insensitive:
 *   .ipxe .cfg .ks .txt .minisig, .conf   text/plain; charset=utf-8
 *       (iPXE recognises a script by its "#!ipxe" line, not by type; text
 *       lets an operator read it in a browser)
 *   .efi                         application/efi (IANA-registered)
 *   .kpxe .pxe .0 .img .bin      application/octet-stream
 *   vmlinuz*, vmlinux*, bzImage*, kernel*   application/octet-stream
 *   .gz application/gzip  .xz application/x-xz  .cpio application/x-cpio
 *   .iso application/x-iso9660-image
 *   .sig application/pkcs7-signature
 *   .html .htm text/html; charset=utf-8
 *   anything else application/octet-stream */
const char *http_mime_type(const char *path, size_t n);

/* ---- response heads ------------------------------------------------------ */

/* Reason phrase of a status this server sends, or NULL. */
const char *http_reason(int status);

struct http_response {
	int status;
	time_t date;                   /* Date: */
	bool has_last_modified;
	time_t last_modified;
	const char *content_type;      /* NULL: no Content-Type */
	const char *etag;              /* NULL: no ETag */
	const char *location;          /* NULL: no Location (redirects) */
	uint64_t content_length;       /* not sent with 304 */
	bool accept_ranges;            /* Accept-Ranges: bytes */
	bool no_store;                 /* Cache-Control: no-store (per-host, secret bodies) */
	bool has_content_range;        /* 206: bytes start-end/size; 416: bytes *\/size */
	uint64_t range_start, range_end, range_size;
	bool allow;                    /* 405: Allow: GET, HEAD */
	bool keep_alive;               /* Connection: keep-alive, else close */
};

/* Build the response head (status line to the blank line) into buf; never
 * writes beyond cap.  Returns its length, or 0 when it does not fit, the
 * status is unknown, a string field contains a byte outside 0x20-0x7e, or a
 * 206 range is inconsistent (start > end or end >= size).  buf is not
 * NUL-terminated. */
size_t http_build_head(char *buf, size_t cap, const struct http_response *r);

/* A complete short error response: head with Content-Type text/plain, and
 * unless head_only the body "<code> <reason>\n".  416 carries Content-Range
 * bytes *\/size, 405 Allow.  Returns its length or 0 as http_build_head(). */
size_t http_build_error(char *buf, size_t cap, int status, time_t date, bool keep_alive,
			bool head_only, uint64_t size);

#endif
