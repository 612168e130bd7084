/* policy.c — lexer and parser of the bootward policy language.
 *
 * The text is split into tokens (words, quoted strings, braces, newlines) by a
 * lexer that never reads past `len` bytes and turns every byte it cannot use
 * into an error token.  The parser is driven by two kinds of table: one entry
 * per statement keyword, and per statement one entry per setting saying how
 * its value is read and where it is stored.  Adding a statement means adding a
 * settings table, a begin hook (name, target) and a finish hook (cross-field
 * checks); the grammar around them stays the same.
 *
 * Errors are collected with their line and column, and parsing resumes at the
 * next statement (inside a block: at the next setting line), so one run shows
 * the operator every problem rather than the first.
 */
#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Longest word or string kept, with its NUL; longer tokens are flagged. */
#define TOKEN_MAX POLICY_PATH_MAX
/* Most bytes of a user's token quoted back in a message. */
#define ECHO_MAX 40

#define IFNAME_MAX 15           /* IFNAMSIZ - 1 */
#define UID_BASE_DEFAULT 61100u
#define UID_BASE_MAX 4294967000u
#define UID_NOBODY 65534u
#define WORKER_INDEX_MAX 3u     /* dhcpd = base + 1, tftpd + 2, httpsd + 3 */

#define TFTP_ROOT_DEFAULT "/srv/bootward/tftp"
#define PORT_POOL_MIN 1024u
#define PORT_POOL_MAX 65535u
#define PORT_POOL_SIZE_MAX 4096u
#define PORT_LOW_DEFAULT 4096u
#define PORT_HIGH_DEFAULT 4351u
#define TFTP_WELL_KNOWN_PORT 69u
/* The pool may never take the port clients send requests to. */
_Static_assert(PORT_POOL_MIN > TFTP_WELL_KNOWN_PORT, "transfer-port pool could include port 69");

#define KIB 1024ull
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)

/* ---- tokens ----------------------------------------------------------- */

struct loc {
	unsigned line, column;
};

enum token_type {
	TOK_EOF,
	TOK_NEWLINE,
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_ERROR, /* text is the message; already reported when seen */
};

struct token {
	enum token_type type;
	struct loc at;
	size_t len;           /* bytes in text, excluding the NUL */
	bool too_long;        /* the word or string did not fit in text */
	char text[TOKEN_MAX]; /* value of a word or string (unescaped) */
};

struct lexer {
	const unsigned char *s;
	size_t len, pos;
	struct loc at; /* position of s[pos] */
};

static bool lx_more(const struct lexer *lx)
{
	return lx->pos < lx->len;
}

static unsigned char lx_peek(const struct lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? lx->s[lx->pos + ahead] : 0;
}

/* Columns count characters: UTF-8 continuation bytes do not move them. */
static void lx_advance(struct lexer *lx)
{
	unsigned char c = lx->s[lx->pos++];

	if (c == '\n') {
		lx->at.line++;
		lx->at.column = 1;
	} else if ((c & 0xc0) != 0x80) {
		lx->at.column++;
	}
}

static bool is_word_byte(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '_': case '.': case '/': case ':': case ',': case '+': case '-':
		return true;
	default:
		return false;
	}
}

/* The next byte can begin a token or separate tokens (or the text ended). */
static bool at_token_start(const struct lexer *lx)
{
	unsigned char c = lx_peek(lx, 0);

	if (!lx_more(lx))
		return true;
	if (c == '\r')
		return lx_peek(lx, 1) == '\n';
	return c == ' ' || c == '\t' || c == '\n' || c == '#' || c == '"' ||
	       c == '{' || c == '}' || is_word_byte(c);
}

static void token_append(struct token *t, unsigned char c)
{
	if (t->len + 1 < sizeof t->text) {
		t->text[t->len++] = (char)c;
		t->text[t->len] = '\0';
	} else {
		t->too_long = true;
	}
}

__attribute__((format(printf, 3, 4)))
static void token_error(struct token *t, struct loc at, const char *fmt, ...)
{
	va_list ap;

	t->type = TOK_ERROR;
	t->at = at;
	va_start(ap, fmt);
	vsnprintf(t->text, sizeof t->text, fmt, ap);
	va_end(ap);
	t->len = strlen(t->text);
}

static void describe_bad_byte(struct token *t, struct loc at, unsigned char c)
{
	if (c == '\0')
		token_error(t, at, "invalid character NUL (0x00)");
	else if (c < 0x20 || c == 0x7f)
		token_error(t, at, "invalid control character 0x%02x", c);
	else if (c >= 0x80)
		token_error(t, at, "invalid byte 0x%02x (non-ASCII text is allowed only in strings and comments)", c);
	else
		token_error(t, at, "invalid character '%c'", c);
}

/* A comment runs to the end of the line; only NUL is refused inside it.  The
 * whole comment is consumed even then, so its text is never read as tokens. */
static bool lex_comment(struct lexer *lx, struct token *t)
{
	struct loc nul_at = { 0, 0 };

	while (lx_more(lx) && lx_peek(lx, 0) != '\n') {
		if (lx_peek(lx, 0) == '\0' && nul_at.line == 0)
			nul_at = lx->at;
		lx_advance(lx);
	}
	if (nul_at.line == 0)
		return false;
	token_error(t, nul_at, "invalid character NUL (0x00) in comment");
	return true;
}

/* A string ends on the same line.  On a bad byte or escape the rest of the
 * string is still consumed, and the first problem is reported. */
static void lex_string(struct lexer *lx, struct token *t)
{
	struct loc open = lx->at;
	struct loc bad_at = { 0, 0 };
	char bad[96] = "";

	t->type = TOK_STRING;
	lx_advance(lx);
	for (;;) {
		if (!lx_more(lx) || lx_peek(lx, 0) == '\n') {
			token_error(t, open, "unterminated string (the closing '\"' must be on the same line)");
			return;
		}
		unsigned char c = lx_peek(lx, 0);
		struct loc here = lx->at;

		lx_advance(lx);
		if (c == '"')
			break;
		if (c == '\\') {
			unsigned char e = lx_peek(lx, 0);

			if (lx_more(lx) && (e == '"' || e == '\\')) {
				lx_advance(lx);
				token_append(t, e);
			} else if (bad_at.line == 0) {
				bad_at = here;
				if (e > 0x20 && e < 0x7f)
					snprintf(bad, sizeof bad, "invalid escape \\%c in string (only \\\" and \\\\ are allowed)", e);
				else
					snprintf(bad, sizeof bad, "invalid escape in string (only \\\" and \\\\ are allowed)");
			}
			continue;
		}
		if ((c < 0x20 || c == 0x7f) && bad_at.line == 0) {
			bad_at = here;
			if (c == '\0')
				snprintf(bad, sizeof bad, "invalid character NUL (0x00) in string");
			else
				snprintf(bad, sizeof bad, "invalid control character 0x%02x in string", c);
			continue;
		}
		token_append(t, c);
	}
	if (bad_at.line != 0)
		token_error(t, bad_at, "%s", bad);
}

static void lex_word(struct lexer *lx, struct token *t)
{
	t->type = TOK_WORD;
	while (lx_more(lx) && is_word_byte(lx_peek(lx, 0))) {
		token_append(t, lx_peek(lx, 0));
		lx_advance(lx);
	}
}

static void lex_token(struct lexer *lx, struct token *t)
{
	for (;;) {
		unsigned char c = lx_peek(lx, 0);

		while (lx_more(lx) && (c == ' ' || c == '\t' || (c == '\r' && lx_peek(lx, 1) == '\n'))) {
			lx_advance(lx);
			c = lx_peek(lx, 0);
		}
		t->at = lx->at;
		t->len = 0;
		t->too_long = false;
		t->text[0] = '\0';
		if (!lx_more(lx)) {
			t->type = TOK_EOF;
			return;
		}
		if (c == '#') {
			if (lex_comment(lx, t))
				return;
			continue;
		}
		break;
	}

	unsigned char c = lx_peek(lx, 0);

	switch (c) {
	case '\n':
		lx_advance(lx);
		t->type = TOK_NEWLINE;
		return;
	case '{':
	case '}':
		lx_advance(lx);
		t->type = c == '{' ? TOK_LBRACE : TOK_RBRACE;
		t->text[0] = (char)c;
		t->text[1] = '\0';
		t->len = 1;
		return;
	case '"':
		lex_string(lx, t);
		return;
	default:
		break;
	}
	if (is_word_byte(c)) {
		lex_word(lx, t);
		/* A bad byte glued to a word spoils the word: report the byte. */
		if (at_token_start(lx))
			return;
	}
	/* One error for a run of unusable bytes, not one per byte. */
	describe_bad_byte(t, lx->at, lx_peek(lx, 0));
	do
		lx_advance(lx);
	while (!at_token_start(lx));
}

/* Formatted text at buf + *used, cut at cap; buf stays NUL-terminated. */
__attribute__((format(printf, 4, 5)))
static void append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used + 1 >= cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, cap - *used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*used += (size_t)n < cap - *used ? (size_t)n : cap - *used - 1;
}

/* ---- errors ----------------------------------------------------------- */

static void errors_add(struct policy_errors *errs, struct loc at, const char *msg)
{
	errs->total++;
	if (errs->count >= POLICY_MAX_ERRORS)
		return;

	struct policy_error *e = &errs->e[errs->count++];
	size_t n = strnlen(msg, sizeof e->message - 1);

	e->line = at.line;
	e->column = at.column;
	memcpy(e->message, msg, n);
	e->message[n] = '\0';
}

/* Quote a user's text for a message: bytes outside printable ASCII escaped,
 * long text cut short. */
static const char *quote(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = 0;

	if (cap < 8)
		return "";
	buf[o++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == ECHO_MAX || o + 8 >= cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			static const char hex[] = "0123456789abcdef";

			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

#define QUOTE_CAP (4 * ECHO_MAX + 8)

/* A value as the operator wrote it: words bare, strings quoted. */
static const char *echo_value(char *buf, size_t cap, const struct token *t)
{
	if (t->type == TOK_STRING)
		return quote(buf, cap, t->text, t->len);
	if (t->len > ECHO_MAX) {
		snprintf(buf, cap, "%.*s...", ECHO_MAX, t->text);
		return buf;
	}
	return t->text;
}

/* ---- parser state ----------------------------------------------------- */

struct parser;
struct stmt;

/* One setting of a statement: `key value`. */
struct setting {
	const char *key;
	const char *expect; /* what a value looks like, for messages */
	int (*store)(struct parser *ps, struct stmt *st, const struct setting *s,
		     const struct token *v);
	uint64_t min, max;  /* accepted range, in the value's unit */
	size_t offset;      /* of the field in the statement's target */
	size_t offset2;     /* second field (high end of a range) */
};

struct statement {
	const char *keyword;
	bool once;          /* may appear at most once in a policy */
	const struct setting *settings;
	size_t n_settings;
	/* Reads what follows the keyword before the settings (a name) and
	 * chooses st->target.  Returns -1 if the statement cannot be read. */
	int (*begin)(struct parser *ps, struct stmt *st);
	/* Checks across settings and commits; runs only if no error so far. */
	void (*finish)(struct parser *ps, struct stmt *st);
};

#define SETTINGS_MAX 32

/* One statement being read. */
struct stmt {
	const struct statement *def;
	struct loc keyword_at, name_at;
	void *target;                     /* where settings are stored */
	uint32_t seen;                    /* bit i: settings[i] was given */
	struct loc key_at[SETTINGS_MAX];
	struct loc value_at[SETTINGS_MAX];
	bool failed;                      /* an error was reported in it */
};

struct parser {
	struct lexer lx;
	struct token tok; /* the current token */
	struct policy *p;
	struct policy_errors *errs;
	struct loc first_at[8];           /* first use of each statement */
	struct policy_interface pending_iface;
	struct loc iface_addr_at[POLICY_MAX_INTERFACES];
	struct loc iface_name_at[POLICY_MAX_INTERFACES];
};

__attribute__((format(printf, 3, 4)))
static void error_at(struct parser *ps, struct loc at, const char *fmt, ...)
{
	char msg[sizeof ps->errs->e[0].message];
	va_list ap;

	if (ps->errs->count >= POLICY_MAX_ERRORS) {
		ps->errs->total++; /* counted, not kept: skip the formatting */
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errors_add(ps->errs, at, msg);
}

/* Advance to the next token; lexical errors are reported here, once. */
static void next_token(struct parser *ps)
{
	lex_token(&ps->lx, &ps->tok);
	if (ps->tok.type == TOK_ERROR)
		errors_add(ps->errs, ps->tok.at, ps->tok.text);
}

static bool is_value(const struct token *t)
{
	return t->type == TOK_WORD || t->type == TOK_STRING;
}

/* How a token is named in "unexpected ..." messages. */
static const char *describe(char *buf, size_t cap, const struct token *t)
{
	char q[QUOTE_CAP];

	switch (t->type) {
	case TOK_EOF:
		return "end of file";
	case TOK_NEWLINE:
		return "end of line";
	case TOK_LBRACE:
		return "'{'";
	case TOK_RBRACE:
		return "'}'";
	case TOK_STRING:
		snprintf(buf, cap, "string %s", quote(q, sizeof q, t->text, t->len));
		return buf;
	case TOK_WORD:
		return quote(buf, cap, t->text, t->len);
	case TOK_ERROR:
		break;
	}
	return "invalid text";
}

/* Skip from the current token to the end of the statement, or inside a block
 * to the end of the setting line.  Nested blocks are skipped whole.  Leaves
 * the current token at the newline, end of file or block-closing '}'. */
static void skip_rest(struct parser *ps, bool in_block)
{
	unsigned depth = 0;

	for (;; next_token(ps)) {
		switch (ps->tok.type) {
		case TOK_EOF:
			return;
		case TOK_NEWLINE:
			if (depth == 0)
				return;
			break;
		case TOK_LBRACE:
			depth++;
			break;
		case TOK_RBRACE:
			if (depth > 0)
				depth--;
			else if (in_block)
				return;
			break;
		default:
			break;
		}
	}
}

static void fail_and_skip(struct parser *ps, struct stmt *st, bool in_block)
{
	st->failed = true;
	skip_rest(ps, in_block);
}

static void *field(struct stmt *st, size_t offset)
{
	return (char *)st->target + offset;
}

/* ---- values ----------------------------------------------------------- */

enum number_result { NUM_OK, NUM_NONE, NUM_OVERFLOW };

/* Decimal digits at s[*i], as many as there are, into *out. */
static enum number_result read_decimal(const char *s, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;
	bool overflow = false;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		unsigned d = (unsigned)(s[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return NUM_NONE;
	*out = v;
	return overflow ? NUM_OVERFLOW : NUM_OK;
}

static bool mul_overflows(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b != 0 && a > UINT64_MAX / b)
		return true;
	*out = a * b;
	return false;
}

/* Whole hours or seconds where they are exact: "100ms", "60s", "1h". */
static void format_duration(char *buf, size_t cap, uint64_t ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, cap, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, cap, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, cap, "%llums", (unsigned long long)ms);
}

static void format_size(char *buf, size_t cap, uint64_t n)
{
	if (n != 0 && n % GIB == 0)
		snprintf(buf, cap, "%lluG", (unsigned long long)(n / GIB));
	else if (n != 0 && n % MIB == 0)
		snprintf(buf, cap, "%lluM", (unsigned long long)(n / MIB));
	else if (n != 0 && n % KIB == 0)
		snprintf(buf, cap, "%lluK", (unsigned long long)(n / KIB));
	else
		snprintf(buf, cap, "%llu", (unsigned long long)n);
}

static int out_of_range(struct parser *ps, const struct setting *s,
			const struct token *v, const char *lo, const char *hi)
{
	char e[QUOTE_CAP];

	error_at(ps, v->at, "%s %s is out of range (%s..%s)", s->key, echo_value(e, sizeof e, v), lo, hi);
	return -1;
}

static int not_a(struct parser *ps, const struct setting *s, const struct token *v)
{
	char e[QUOTE_CAP];

	error_at(ps, v->at, "%s %s is not valid (expected %s)", s->key, echo_value(e, sizeof e, v), s->expect);
	return -1;
}

/* A whole number into a uint32_t field. */
static int store_count(struct parser *ps, struct stmt *st, const struct setting *s,
		       const struct token *v)
{
	uint64_t n = 0;
	size_t i = 0;
	enum number_result r = read_decimal(v->text, v->len, &i, &n);

	if (r == NUM_NONE || i != v->len)
		return not_a(ps, s, v);
	if (r == NUM_OVERFLOW || n < s->min || n > s->max) {
		char lo[24], hi[24];

		snprintf(lo, sizeof lo, "%llu", (unsigned long long)s->min);
		snprintf(hi, sizeof hi, "%llu", (unsigned long long)s->max);
		return out_of_range(ps, s, v, lo, hi);
	}

	uint32_t u = (uint32_t)n;

	memcpy(field(st, s->offset), &u, sizeof u);
	return 0;
}

/* 500ms, 5s, 2m, 1h, or a bare number of seconds, into milliseconds. */
static int store_duration(struct parser *ps, struct stmt *st, const struct setting *s,
			  const struct token *v)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = { { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 } };
	uint64_t n = 0, ms = 0;
	size_t i = 0;
	enum number_result r = read_decimal(v->text, v->len, &i, &n);
	const char *suffix = v->text + i;
	size_t u;

	if (r == NUM_NONE)
		return not_a(ps, s, v);
	for (u = 0; u < ARRAY_SIZE(units); u++)
		if (strcmp(suffix, units[u].suffix) == 0)
			break;
	if (u == ARRAY_SIZE(units))
		return not_a(ps, s, v);
	if (r == NUM_OVERFLOW || mul_overflows(n, units[u].ms, &ms) || ms < s->min || ms > s->max) {
		char lo[24], hi[24];

		format_duration(lo, sizeof lo, s->min);
		format_duration(hi, sizeof hi, s->max);
		return out_of_range(ps, s, v, lo, hi);
	}

	uint32_t m = (uint32_t)ms;

	memcpy(field(st, s->offset), &m, sizeof m);
	return 0;
}

/* Bytes, or a number with K, M or G (powers of 1024), into a uint64_t. */
static int store_size(struct parser *ps, struct stmt *st, const struct setting *s,
		      const struct token *v)
{
	uint64_t n = 0, bytes = 0, unit = 1;
	size_t i = 0;
	enum number_result r = read_decimal(v->text, v->len, &i, &n);

	if (r == NUM_NONE)
		return not_a(ps, s, v);
	if (i + 1 == v->len) {
		switch (v->text[i]) {
		case 'K': unit = KIB; break;
		case 'M': unit = MIB; break;
		case 'G': unit = GIB; break;
		default: return not_a(ps, s, v);
		}
	} else if (i != v->len) {
		return not_a(ps, s, v);
	}
	if (r == NUM_OVERFLOW || mul_overflows(n, unit, &bytes) || bytes < s->min || bytes > s->max) {
		char lo[24], hi[24];

		format_size(lo, sizeof lo, s->min);
		format_size(hi, sizeof hi, s->max);
		return out_of_range(ps, s, v, lo, hi);
	}
	memcpy(field(st, s->offset), &bytes, sizeof bytes);
	return 0;
}

/* LOW-HIGH (inclusive) or a single port, into two uint16_t fields; min/max
 * bound the ports, PORT_POOL_SIZE_MAX the count. */
static int store_port_range(struct parser *ps, struct stmt *st, const struct setting *s,
			    const struct token *v)
{
	uint64_t low = 0, high = 0;
	size_t i = 0;
	enum number_result r1 = read_decimal(v->text, v->len, &i, &low), r2 = NUM_OK;
	char e[QUOTE_CAP];

	if (r1 == NUM_NONE)
		return not_a(ps, s, v);
	if (i == v->len) {
		high = low;
	} else if (v->text[i] == '-') {
		i++;
		r2 = read_decimal(v->text, v->len, &i, &high);
		if (r2 == NUM_NONE || i != v->len)
			return not_a(ps, s, v);
	} else {
		return not_a(ps, s, v);
	}
	if (r1 == NUM_OVERFLOW || r2 == NUM_OVERFLOW || low < s->min || high < s->min ||
	    low > s->max || high > s->max) {
		error_at(ps, v->at, "%s %s: ports must be within %llu..%llu", s->key,
			 echo_value(e, sizeof e, v), (unsigned long long)s->min, (unsigned long long)s->max);
		return -1;
	}
	if (low > high) {
		error_at(ps, v->at, "%s %s: the first port is above the last (write LOW-HIGH)", s->key,
			 echo_value(e, sizeof e, v));
		return -1;
	}
	if (high - low + 1 > PORT_POOL_SIZE_MAX) {
		error_at(ps, v->at, "%s %s: %llu ports is too many (at most %u)", s->key,
			 echo_value(e, sizeof e, v), (unsigned long long)(high - low + 1), PORT_POOL_SIZE_MAX);
		return -1;
	}

	uint16_t lo16 = (uint16_t)low, hi16 = (uint16_t)high;

	memcpy(field(st, s->offset), &lo16, sizeof lo16);
	memcpy(field(st, s->offset2), &hi16, sizeof hi16);
	return 0;
}

/* Strict dotted quad: four decimal parts 0..255, no leading zeros. */
static bool parse_ipv4(const char *s, size_t len, uint32_t *host_order)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		uint64_t n = 0;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return false;
			start = ++i;
		}
		if (read_decimal(s, len, &i, &n) != NUM_OK || i - start > 3 || n > 255)
			return false;
		if (i - start > 1 && s[start] == '0')
			return false;
		a = a << 8 | (uint32_t)n;
	}
	if (i != len)
		return false;
	*host_order = a;
	return true;
}

/* An address services can listen on: unicast, not 0.0.0.0/8. */
static int store_ipv4(struct parser *ps, struct stmt *st, const struct setting *s,
		      const struct token *v)
{
	uint32_t a = 0;
	char e[QUOTE_CAP];
	const char *why = NULL;

	if (!parse_ipv4(v->text, v->len, &a))
		return not_a(ps, s, v);
	if (a >> 24 == 0)
		why = "is not a usable address (0.0.0.0/8)";
	else if (a == 0xffffffffu)
		why = "is the broadcast address";
	else if (a >> 28 == 0xe)
		why = "is a multicast address";
	if (why) {
		error_at(ps, v->at, "%s %s %s; give the unicast address to listen on", s->key,
			 echo_value(e, sizeof e, v), why);
		return -1;
	}

	struct in_addr in = { .s_addr = htonl(a) };

	memcpy(field(st, s->offset), &in, sizeof in);
	return 0;
}

/* Collapse repeated '/', drop a trailing one, and refuse "." and ".."
 * components.  Returns NULL or a reason. */
static const char *normalise_path(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0, i = 0;

	while (i < len) {
		if (in[i] == '/') {
			if (o == 0 || out[o - 1] != '/')
				out[o++] = '/';
			i++;
			continue;
		}

		size_t start = i;

		while (i < len && in[i] != '/')
			i++;

		size_t n = i - start;

		if ((n == 1 && in[start] == '.') || (n == 2 && in[start] == '.' && in[start + 1] == '.'))
			return "must not contain \".\" or \"..\" components";
		if (o + n >= cap)
			return "is too long";
		memcpy(out + o, in + start, n);
		o += n;
	}
	if (o > 1 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return NULL;
}

static int path_error(struct parser *ps, const struct setting *s, const struct token *v, const char *why)
{
	char e[QUOTE_CAP];

	error_at(ps, v->at, "%s %s %s", s->key, echo_value(e, sizeof e, v), why);
	return -1;
}

/* An absolute directory; never "/" itself. */
static int store_abs_path(struct parser *ps, struct stmt *st, const struct setting *s,
			  const struct token *v)
{
	char path[POLICY_PATH_MAX];
	const char *why;

	if (v->len == 0 || v->text[0] != '/')
		return path_error(ps, s, v, "must be an absolute path (starting with '/')");
	why = normalise_path(v->text, v->len, path, sizeof path);
	if (why)
		return path_error(ps, s, v, why);
	if (strcmp(path, "/") == 0)
		return path_error(ps, s, v, "would serve the whole file system; name a directory");
	memcpy(field(st, s->offset), path, strlen(path) + 1);
	return 0;
}

/* A directory below the statement's root. */
static int store_rel_path(struct parser *ps, struct stmt *st, const struct setting *s,
			  const struct token *v)
{
	char path[POLICY_PATH_MAX];
	const char *why;

	if (v->len == 0)
		return path_error(ps, s, v, "must not be empty");
	if (v->text[0] == '/')
		return path_error(ps, s, v, "must be relative to root (no leading '/')");
	why = normalise_path(v->text, v->len, path, sizeof path);
	if (why)
		return path_error(ps, s, v, why);
	memcpy(field(st, s->offset), path, strlen(path) + 1);
	return 0;
}

/* ---- statements ------------------------------------------------------- */

/* offsetof(T, f), refusing to compile unless f has the given type. */
#define FIELD(T, f, type) (offsetof(T, f) + 0 * sizeof(_Generic(((T *)0)->f, type: 1)))

static size_t setting_index(const struct stmt *st, const struct setting *s)
{
	return (size_t)(s - st->def->settings);
}

static bool given(const struct stmt *st, size_t index)
{
	return (st->seen >> index) & 1u;
}

/* interface NAME address A.B.C.D */

enum { IFACE_ADDRESS };

static const struct setting interface_settings[] = {
	[IFACE_ADDRESS] = { "address", "an IPv4 address, e.g. 10.33.1.1", store_ipv4, 0, 0,
			    FIELD(struct policy_interface, address, struct in_addr), 0 },
};

static bool valid_ifname_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

static const char *ifname_problem(const struct token *t, char *buf, size_t cap)
{
	if (t->len == 0)
		return "is empty";
	if (t->too_long || t->len > IFNAME_MAX) {
		snprintf(buf, cap, "is too long (at most %d characters)", IFNAME_MAX);
		return buf;
	}
	if (strcmp(t->text, ".") == 0 || strcmp(t->text, "..") == 0)
		return "is not a valid name";
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (valid_ifname_byte(c))
			continue;
		if (c > 0x20 && c < 0x7f)
			snprintf(buf, cap, "contains '%c' (allowed: letters, digits, _ . : -)", c);
		else
			snprintf(buf, cap, "contains byte 0x%02x (allowed: letters, digits, _ . : -)", c);
		return buf;
	}
	return NULL;
}

static int interface_begin(struct parser *ps, struct stmt *st)
{
	struct policy *p = ps->p;
	struct token *t = &ps->tok;
	char why[80], q[QUOTE_CAP];
	const char *problem;

	memset(&ps->pending_iface, 0, sizeof ps->pending_iface);
	st->target = &ps->pending_iface;
	next_token(ps);
	if (!is_value(t)) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing interface name (e.g. interface eth1 address 10.33.1.1)");
		return -1;
	}
	st->name_at = t->at;
	problem = ifname_problem(t, why, sizeof why);
	if (problem) {
		error_at(ps, t->at, "interface name %s %s", quote(q, sizeof q, t->text, t->len), problem);
		st->failed = true;
		return 0;
	}
	memcpy(ps->pending_iface.name, t->text, t->len + 1);
	for (size_t i = 0; i < p->n_interfaces; i++) {
		if (strcmp(p->interfaces[i].name, t->text) == 0) {
			error_at(ps, t->at, "interface %s is already defined at line %u", t->text,
				 ps->iface_name_at[i].line);
			st->failed = true;
			return 0;
		}
	}
	if (p->n_interfaces == POLICY_MAX_INTERFACES) {
		error_at(ps, st->keyword_at, "too many interfaces (at most %d)", POLICY_MAX_INTERFACES);
		st->failed = true;
	}
	return 0;
}

static void interface_finish(struct parser *ps, struct stmt *st)
{
	struct policy *p = ps->p;
	const struct policy_interface *iface = &ps->pending_iface;

	if (!given(st, IFACE_ADDRESS)) {
		error_at(ps, st->name_at, "interface %s needs an address (e.g. interface %s address 10.33.1.1)",
			 iface->name, iface->name);
		return;
	}
	for (size_t i = 0; i < p->n_interfaces; i++) {
		if (p->interfaces[i].address.s_addr == iface->address.s_addr) {
			uint32_t a = ntohl(iface->address.s_addr);

			error_at(ps, st->value_at[IFACE_ADDRESS],
				 "address %u.%u.%u.%u is already used by interface %s at line %u",
				 a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
				 p->interfaces[i].name, ps->iface_addr_at[i].line);
			return;
		}
	}
	ps->iface_name_at[p->n_interfaces] = st->name_at;
	ps->iface_addr_at[p->n_interfaces] = st->value_at[IFACE_ADDRESS];
	p->interfaces[p->n_interfaces++] = *iface;
}

/* sandbox uid-base N */

enum { SANDBOX_UID_BASE };

static const struct setting sandbox_settings[] = {
	[SANDBOX_UID_BASE] = { "uid-base", "a number, e.g. 61100", store_count, 1, UID_BASE_MAX,
			       FIELD(struct policy, uid_base, uint32_t), 0 },
};

static int sandbox_begin(struct parser *ps, struct stmt *st)
{
	st->target = ps->p;
	return 0;
}

/* A worker sharing the uid of "nobody" would share it with every daemon that
 * drops to it. */
static void sandbox_finish(struct parser *ps, struct stmt *st)
{
	uint32_t base = ps->p->uid_base;

	if (given(st, SANDBOX_UID_BASE) && base < UID_NOBODY && base + WORKER_INDEX_MAX >= UID_NOBODY)
		error_at(ps, st->value_at[SANDBOX_UID_BASE],
			 "uid-base %u would give a worker uid %u, which is \"nobody\"", base, UID_NOBODY);
}

/* tftp [settings] | tftp { settings } */

enum {
	TFTP_ROOT,
	TFTP_PORTS,
	TFTP_MAX_TRANSFERS,
	TFTP_MAX_PER_CLIENT,
	TFTP_TIMEOUT,
	TFTP_RETRIES,
	TFTP_MAX_BLKSIZE,
	TFTP_MAX_WINDOWSIZE,
	TFTP_UPLOAD,
	TFTP_UPLOAD_MAX,
};

#define TFTP_FIELD(f, type) FIELD(struct policy_tftp, f, type)

static const struct setting tftp_settings[] = {
	[TFTP_ROOT] = { "root", "an absolute path, e.g. \"/srv/bootward/tftp\"", store_abs_path, 0, 0,
			TFTP_FIELD(root, char *), 0 },
	[TFTP_PORTS] = { "ports", "a port range, e.g. 4096-4351", store_port_range,
			 PORT_POOL_MIN, PORT_POOL_MAX,
			 TFTP_FIELD(port_low, uint16_t), TFTP_FIELD(port_high, uint16_t) },
	[TFTP_MAX_TRANSFERS] = { "max-transfers", "a number, e.g. 256", store_count, 1, PORT_POOL_SIZE_MAX,
				 TFTP_FIELD(max_transfers, uint32_t), 0 },
	[TFTP_MAX_PER_CLIENT] = { "max-per-client", "a number, e.g. 16", store_count, 1, PORT_POOL_SIZE_MAX,
				  TFTP_FIELD(max_per_client, uint32_t), 0 },
	[TFTP_TIMEOUT] = { "timeout", "a duration, e.g. 1s or 500ms", store_duration, 100, 60000,
			   TFTP_FIELD(timeout_ms, uint32_t), 0 },
	[TFTP_RETRIES] = { "retries", "a number, e.g. 5", store_count, 1, 50,
			   TFTP_FIELD(retries, uint32_t), 0 },
	[TFTP_MAX_BLKSIZE] = { "max-blksize", "a number of bytes, e.g. 1468", store_count, 8, 65464,
			       TFTP_FIELD(max_blksize, uint32_t), 0 },
	[TFTP_MAX_WINDOWSIZE] = { "max-windowsize", "a number of blocks, e.g. 64", store_count, 1, 64,
				  TFTP_FIELD(max_windowsize, uint32_t), 0 },
	[TFTP_UPLOAD] = { "upload", "a directory under root, e.g. \"incoming\"", store_rel_path, 0, 0,
			  TFTP_FIELD(upload_dir, char *), 0 },
	[TFTP_UPLOAD_MAX] = { "upload-max", "a size, e.g. 64M", store_size, 1, 4 * GIB,
			      TFTP_FIELD(upload_max_bytes, uint64_t), 0 },
};

static int tftp_begin(struct parser *ps, struct stmt *st)
{
	st->target = &ps->p->tftp;
	ps->p->tftp.enabled = true;
	return 0;
}

/* Limits that depend on each other; defaults follow the pool's size. */
static void tftp_finish(struct parser *ps, struct stmt *st)
{
	struct policy_tftp *t = &ps->p->tftp;
	uint32_t pool = (uint32_t)t->port_high - t->port_low + 1;

	if (!given(st, TFTP_MAX_TRANSFERS))
		t->max_transfers = pool;
	else if (t->max_transfers > pool) {
		error_at(ps, st->value_at[TFTP_MAX_TRANSFERS],
			 "max-transfers %u is more than the %u ports in the pool %u-%u",
			 t->max_transfers, pool, (unsigned)t->port_low, (unsigned)t->port_high);
		return;
	}
	if (!given(st, TFTP_MAX_PER_CLIENT)) {
		if (t->max_per_client > t->max_transfers)
			t->max_per_client = t->max_transfers;
	} else if (t->max_per_client > t->max_transfers) {
		error_at(ps, st->value_at[TFTP_MAX_PER_CLIENT], "max-per-client %u is more than %s %u",
			 t->max_per_client,
			 given(st, TFTP_MAX_TRANSFERS) ? "max-transfers" : "the number of transfer ports,",
			 t->max_transfers);
	}
}

enum { STMT_INTERFACE, STMT_SANDBOX, STMT_TFTP };

static const struct statement statements[] = {
	[STMT_INTERFACE] = { "interface", false, interface_settings, ARRAY_SIZE(interface_settings),
			     interface_begin, interface_finish },
	[STMT_SANDBOX] = { "sandbox", true, sandbox_settings, ARRAY_SIZE(sandbox_settings),
			   sandbox_begin, sandbox_finish },
	[STMT_TFTP] = { "tftp", true, tftp_settings, ARRAY_SIZE(tftp_settings),
			tftp_begin, tftp_finish },
};

_Static_assert(ARRAY_SIZE(statements) <= ARRAY_SIZE(((struct parser *)0)->first_at),
	       "parser.first_at too small");
/* struct stmt keeps one bit and two positions per setting. */
_Static_assert(ARRAY_SIZE(interface_settings) <= SETTINGS_MAX, "too many interface settings");
_Static_assert(ARRAY_SIZE(sandbox_settings) <= SETTINGS_MAX, "too many sandbox settings");
_Static_assert(ARRAY_SIZE(tftp_settings) <= SETTINGS_MAX, "too many tftp settings");

/* ---- grammar ---------------------------------------------------------- */

/* "a, b, c" into buf: the words a statement or setting may be. */
static void list_statements(char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(statements); i++)
		append(buf, cap, &used, "%s%s", i ? ", " : "", statements[i].keyword);
}

static void list_settings(char *buf, size_t cap, const struct statement *def)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < def->n_settings; i++)
		append(buf, cap, &used, "%s%s", i ? ", " : "", def->settings[i].key);
}

static const struct statement *find_statement(const struct token *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(statements); i++)
		if (strcmp(statements[i].keyword, t->text) == 0)
			return &statements[i];
	return NULL;
}

static const struct setting *find_setting(const struct statement *def, const struct token *t)
{
	for (size_t i = 0; i < def->n_settings; i++)
		if (strcmp(def->settings[i].key, t->text) == 0)
			return &def->settings[i];
	return NULL;
}

static void unknown_setting(struct parser *ps, const struct stmt *st, bool in_block)
{
	const struct statement *def = st->def;
	char q[QUOTE_CAP], list[200];

	quote(q, sizeof q, ps->tok.text, ps->tok.len);
	if (in_block && find_statement(&ps->tok)) {
		error_at(ps, ps->tok.at, "unknown setting %s in %s (is the block's '}' missing?)",
			 q, def->keyword);
		return;
	}
	list_settings(list, sizeof list, def);
	error_at(ps, ps->tok.at, "unknown setting %s in %s (expected one of: %s)", q, def->keyword, list);
}

/* `key value` with the key current; leaves the token after the value current. */
static void parse_setting(struct parser *ps, struct stmt *st, bool in_block)
{
	const struct setting *s = find_setting(st->def, &ps->tok);
	struct token *t = &ps->tok;
	struct loc key_at = t->at;
	char d[QUOTE_CAP + 8];

	if (!s) {
		unknown_setting(ps, st, in_block);
		fail_and_skip(ps, st, in_block);
		return;
	}

	size_t idx = setting_index(st, s);

	next_token(ps);
	if (!is_value(t)) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing value for %s in %s before %s (expected %s)", s->key,
				 st->def->keyword, describe(d, sizeof d, t), s->expect);
		fail_and_skip(ps, st, in_block);
		return;
	}
	if (given(st, idx)) {
		error_at(ps, key_at, "%s is given twice in this %s statement (first at line %u, column %u)",
			 s->key, st->def->keyword, st->key_at[idx].line, st->key_at[idx].column);
		st->failed = true;
	} else {
		st->seen |= 1u << idx;
		st->key_at[idx] = key_at;
		st->value_at[idx] = t->at;
		if (t->too_long) {
			error_at(ps, t->at, "value of %s is too long (at most %d bytes)", s->key, TOKEN_MAX - 1);
			st->failed = true;
		} else if (s->store(ps, st, s, t) < 0) {
			st->failed = true;
		}
	}
	next_token(ps);
}

/* Settings up to the end of the line, or in a block up to its '}'. */
static void parse_setting_list(struct parser *ps, struct stmt *st, bool in_block)
{
	struct token *t = &ps->tok;
	char q[QUOTE_CAP];

	for (;;) {
		switch (t->type) {
		case TOK_EOF:
			return;
		case TOK_NEWLINE:
			if (!in_block)
				return;
			next_token(ps);
			break;
		case TOK_RBRACE:
			if (in_block)
				return;
			error_at(ps, t->at, "unexpected '}' (no block is open)");
			fail_and_skip(ps, st, in_block);
			break;
		case TOK_LBRACE:
			error_at(ps, t->at, "unexpected '{' (a block must open right after %s%s)",
				 st->def->keyword, st->name_at.line ? " and its name" : "");
			fail_and_skip(ps, st, in_block);
			break;
		case TOK_STRING:
			error_at(ps, t->at, "expected a setting of %s, found string %s", st->def->keyword,
				 quote(q, sizeof q, t->text, t->len));
			fail_and_skip(ps, st, in_block);
			break;
		case TOK_ERROR:
			fail_and_skip(ps, st, in_block);
			break;
		case TOK_WORD:
			parse_setting(ps, st, in_block);
			break;
		}
	}
}

/* `{ settings }` with the '{' current; a block ends its statement. */
static void parse_block(struct parser *ps, struct stmt *st)
{
	struct loc open = ps->tok.at;
	char d[QUOTE_CAP + 8];

	next_token(ps);
	parse_setting_list(ps, st, true);
	if (ps->tok.type == TOK_EOF) {
		error_at(ps, open, "the block of %s is never closed (missing '}')", st->def->keyword);
		st->failed = true;
		return;
	}
	next_token(ps);
	if (ps->tok.type == TOK_NEWLINE || ps->tok.type == TOK_EOF)
		return;
	if (ps->tok.type != TOK_ERROR)
		error_at(ps, ps->tok.at, "unexpected %s after '}' (end the line after a block)",
			 describe(d, sizeof d, &ps->tok));
	fail_and_skip(ps, st, false);
}

/* A statement with its keyword current; leaves its newline or EOF current. */
static void parse_statement(struct parser *ps)
{
	const struct statement *def = find_statement(&ps->tok);
	struct stmt st = { .def = def, .keyword_at = ps->tok.at };
	char q[QUOTE_CAP], list[200];

	if (!def) {
		list_statements(list, sizeof list);
		error_at(ps, ps->tok.at, "unknown statement %s (expected one of: %s)",
			 quote(q, sizeof q, ps->tok.text, ps->tok.len), list);
		skip_rest(ps, false);
		return;
	}

	struct loc *first = &ps->first_at[def - statements];

	if (def->once && first->line) {
		error_at(ps, ps->tok.at, "%s may be given only once (first at line %u)", def->keyword,
			 first->line);
		skip_rest(ps, false);
		return;
	}
	if (!first->line)
		*first = ps->tok.at;
	if (def->begin(ps, &st) < 0) {
		skip_rest(ps, false);
		return;
	}
	next_token(ps);
	if (ps->tok.type == TOK_LBRACE)
		parse_block(ps, &st);
	else
		parse_setting_list(ps, &st, false);
	if (!st.failed)
		def->finish(ps, &st);
}

static void parse_file(struct parser *ps)
{
	char d[QUOTE_CAP + 8];

	for (next_token(ps); ps->tok.type != TOK_EOF; next_token(ps)) {
		switch (ps->tok.type) {
		case TOK_NEWLINE:
		case TOK_EOF:
			break;
		case TOK_WORD:
			parse_statement(ps);
			break;
		case TOK_ERROR:
			skip_rest(ps, false);
			break;
		case TOK_STRING:
		case TOK_LBRACE:
		case TOK_RBRACE:
			error_at(ps, ps->tok.at, "expected a statement, found %s", describe(d, sizeof d, &ps->tok));
			skip_rest(ps, false);
			break;
		}
		if (ps->tok.type == TOK_EOF)
			break;
	}
}

/* ---- entry points ----------------------------------------------------- */

static void copy_string(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof *p);
	p->uid_base = UID_BASE_DEFAULT;
	copy_string(p->tftp.root, sizeof p->tftp.root, TFTP_ROOT_DEFAULT);
	p->tftp.port_low = PORT_LOW_DEFAULT;
	p->tftp.port_high = PORT_HIGH_DEFAULT;
	p->tftp.max_transfers = PORT_HIGH_DEFAULT - PORT_LOW_DEFAULT + 1;
	p->tftp.max_per_client = 16;
	p->tftp.timeout_ms = 1000;
	p->tftp.retries = 5;
	p->tftp.max_blksize = 65464;
	p->tftp.max_windowsize = 64;
	p->tftp.upload_max_bytes = 64 * MIB;
}

int policy_parse(const char *text, size_t len, const char *name,
		 struct policy *p, struct policy_errors *errs)
{
	static const struct loc start = { 1, 1 };
	struct policy_errors scratch;
	struct parser ps;

	if (!errs)
		errs = &scratch;
	memset(errs, 0, sizeof *errs);
	copy_string(errs->file, sizeof errs->file, name ? name : "policy");
	policy_init(p);
	if (len > POLICY_MAX_SIZE) {
		char msg[96];

		snprintf(msg, sizeof msg, "policy is too large (%zu bytes; at most %d)", len, POLICY_MAX_SIZE);
		errors_add(errs, start, msg);
		return -1;
	}
	if (!text && len > 0) {
		errors_add(errs, start, "no policy text");
		return -1;
	}

	memset(&ps, 0, sizeof ps);
	ps.lx.s = (const unsigned char *)text;
	ps.lx.len = len;
	ps.lx.at = start;
	ps.p = p;
	ps.errs = errs;
	parse_file(&ps);
	return errs->total ? -1 : 0;
}

char *policy_errors_format(const struct policy_errors *errs, char *buf, size_t cap)
{
	size_t used = 0;

	if (!buf || cap == 0)
		return buf;
	buf[0] = '\0';
	if (!errs)
		return buf;

	int file_len = (int)strnlen(errs->file, sizeof errs->file);
	size_t shown = errs->count < POLICY_MAX_ERRORS ? errs->count : POLICY_MAX_ERRORS;

	for (size_t i = 0; i < shown; i++) {
		const struct policy_error *e = &errs->e[i];

		append(buf, cap, &used, "%.*s:%u:%u: %.*s\n", file_len, errs->file, e->line, e->column,
		       (int)strnlen(e->message, sizeof e->message), e->message);
	}
	if (errs->total > shown)
		append(buf, cap, &used, "%.*s: %zu more error%s not shown\n", file_len, errs->file,
		       errs->total - shown, errs->total - shown == 1 ? "" : "s");
	return buf;
}
