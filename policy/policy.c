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
 * A setting entry may also say that its value is a list (the values that
 * follow on the same line while they look like elements: `dns A B`,
 * `match arch 7 9`), or that it is chosen by the word after its key (entries
 * sharing the key `boot` are `boot tftp`, `boot http`, `boot https`).
 *
 * Errors are collected with their line and column, and parsing resumes at the
 * next statement (inside a block: at the next setting line), so one run shows
 * the operator every problem rather than the first.  Rules that join
 * statements anywhere in the file (a host's address inside a subnet, a denied
 * MAC that is also a host) are checked once the whole file is read, at the
 * positions the parser kept for each stored item.
 */
#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* The common forms of a table entry. */
#define SETTING(k, exp, fn, lo, hi, off, off2)                                               \
	{ .key = (k), .expect = (exp), .store = (fn), .min = (lo), .max = (hi), .offset = (off), \
	  .offset2 = (off2) }
#define LIST_SETTING(k, exp, fn, lo, hi, off, off2, spec)                                    \
	{ .key = (k), .expect = (exp), .store = (fn), .min = (lo), .max = (hi), .offset = (off), \
	  .offset2 = (off2), .list = (spec) }

/* A setting whose value is a list: the values that follow its key on the
 * same line, as long as each looks like an element (continues() says so; a
 * setting name never does), are read one by one into an array. */
struct list_spec {
	size_t min, max;      /* values required / allowed */
	size_t elem_size;     /* bytes from one element to the next */
	bool has_count;       /* the number read is stored ... */
	size_t count_offset;  /* ... in this size_t field */
	bool unique;          /* an element may not repeat */
	bool (*continues)(const struct token *t);
};

/* One setting of a statement: `key value`, `key value value ...` (a list), or
 * `key word value` where the word chooses among entries sharing the key
 * (`boot tftp "file"`, `match arch 7 9`). */
struct setting {
	const char *key;
	const char *expect; /* what a value looks like, for messages */
	/* Reads one value (for a list: one element) into its field; NULL for
	 * an entry that takes no value (`match any`). */
	int (*store)(struct parser *ps, struct stmt *st, const struct setting *s,
		     const struct token *v);
	uint64_t min, max;  /* accepted range, in the value's unit */
	size_t offset;      /* of the field in the statement's target */
	size_t offset2;     /* second field (high end of a range) */
	const struct list_spec *list; /* NULL: a single value */
	const char *sub;      /* the word after key that selects this entry, or NULL */
	const char *sub_what; /* what those words are, for messages: "protocol" */
	bool exclusive;       /* at most one of the key's entries per statement */
};

struct statement {
	const char *keyword;
	const char *name_word; /* what follows the keyword ("name"), or NULL */
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
	struct loc value_at[SETTINGS_MAX];  /* the (first) value, or the word of `match any` */
	struct loc last_at[SETTINGS_MAX];   /* the last value of a list */
	size_t elem;                      /* the list element being read */
	bool failed;                      /* an error was reported in it */
};

/* Where a host's words are, for the checks made once the file is read. */
struct host_at {
	struct loc name, mac, address;
	struct loc kickstart;             /* its value; line 0: none */
	struct loc boot;                  /* the word `boot`; line 0: none */
};

struct parser {
	struct lexer lx;
	struct token tok; /* the current token */
	struct policy *p;
	struct policy_errors *errs;
	struct loc first_at[16];          /* first use of each statement */
	struct policy_interface pending_iface;
	struct loc iface_addr_at[POLICY_MAX_INTERFACES];
	struct loc iface_name_at[POLICY_MAX_INTERFACES];
	struct loc dhcp_mode_at;
	bool https_read;                  /* the https statement was read without error */
	size_t any_class;                 /* 1 + index of the first class that matches
					     every client; 0: none */
	/* Settings of a subnet, host, class or deny beyond the limit are read
	 * here, so their errors are still reported. */
	union {
		struct policy_subnet subnet;
		struct policy_host host;
		struct policy_class cls;
		struct policy_kickstart ks;
		uint8_t mac[6];
	} spare;
	struct loc ks_at[POLICY_MAX_KICKSTARTS]; /* the name */

	/* Positions of the DHCP items stored so far.  Each entry is written
	 * when its item is stored and never read past the item counts, so
	 * these arrays are not cleared before a parse (they are large). */
	struct loc subnet_at[POLICY_MAX_SUBNETS]; /* the network */
	struct loc range_at[POLICY_MAX_SUBNETS];  /* the word `range`; line 0: none */
	struct loc class_at[POLICY_MAX_CLASSES];  /* the name */
	struct loc class_boot_at[POLICY_MAX_CLASSES]; /* the word `boot` */
	struct loc deny_at[POLICY_MAX_DENY];      /* the MAC */
	struct host_at host_at[POLICY_MAX_HOSTS];
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

/* Where the value being read goes: the setting's field, or for a list the
 * element being read. */
static void *value_dst(struct stmt *st, const struct setting *s)
{
	size_t at = s->offset;

	if (s->list)
		at += st->elem * s->list->elem_size;
	return field(st, at);
}

/* A setting as messages name it: "retries", "boot tftp", "match arch". */
#define SETTING_NAME_MAX 40

static const char *setting_name(const struct setting *s, char *buf, size_t cap)
{
	if (!s->sub)
		return s->key;
	snprintf(buf, cap, "%s %s", s->key, s->sub);
	return buf;
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
	char e[QUOTE_CAP], n[SETTING_NAME_MAX];

	error_at(ps, v->at, "%s %s is out of range (%s..%s)", setting_name(s, n, sizeof n),
		 echo_value(e, sizeof e, v), lo, hi);
	return -1;
}

static int not_a(struct parser *ps, const struct setting *s, const struct token *v)
{
	char e[QUOTE_CAP], n[SETTING_NAME_MAX];

	error_at(ps, v->at, "%s %s is not valid (expected %s)", setting_name(s, n, sizeof n),
		 echo_value(e, sizeof e, v), s->expect);
	return -1;
}

/* "KEY VALUE why", at the value. */
__attribute__((format(printf, 4, 5)))
static int value_error(struct parser *ps, const struct setting *s, const struct token *v,
		       const char *fmt, ...)
{
	char e[QUOTE_CAP], n[SETTING_NAME_MAX], why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	error_at(ps, v->at, "%s %s %s", setting_name(s, n, sizeof n), echo_value(e, sizeof e, v), why);
	return -1;
}

/* A whole number within the setting's range. */
static int read_number(struct parser *ps, const struct setting *s, const struct token *v, uint64_t *out)
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
	*out = n;
	return 0;
}

/* A whole number into a uint32_t field. */
static int store_count(struct parser *ps, struct stmt *st, const struct setting *s,
		       const struct token *v)
{
	uint64_t n = 0;

	if (read_number(ps, s, v, &n) < 0)
		return -1;

	uint32_t u = (uint32_t)n;

	memcpy(value_dst(st, s), &u, sizeof u);
	return 0;
}

/* A whole number into a uint16_t field (max at most 65535). */
static int store_u16(struct parser *ps, struct stmt *st, const struct setting *s,
		     const struct token *v)
{
	uint64_t n = 0;

	if (read_number(ps, s, v, &n) < 0)
		return -1;

	uint16_t u = (uint16_t)n;

	memcpy(value_dst(st, s), &u, sizeof u);
	return 0;
}

/* on | off into a bool field. */
static int store_switch(struct parser *ps, struct stmt *st, const struct setting *s,
			const struct token *v)
{
	bool on = strcmp(v->text, "on") == 0;

	if (!on && strcmp(v->text, "off") != 0)
		return not_a(ps, s, v);
	memcpy(value_dst(st, s), &on, sizeof on);
	return 0;
}

/* A port number, or off (0), into a uint16_t field. */
static int store_port_or_off(struct parser *ps, struct stmt *st, const struct setting *s,
			     const struct token *v)
{
	uint16_t port = 0;

	if (strcmp(v->text, "off") == 0) {
		memcpy(value_dst(st, s), &port, sizeof port);
		return 0;
	}
	return store_u16(ps, st, s, v);
}

/* compatible | forward-secret */
static int store_ciphers(struct parser *ps, struct stmt *st, const struct setting *s,
			 const struct token *v)
{
	enum policy_ciphers c;

	if (strcmp(v->text, "compatible") == 0)
		c = POLICY_CIPHERS_COMPATIBLE;
	else if (strcmp(v->text, "forward-secret") == 0)
		c = POLICY_CIPHERS_FORWARD_SECRET;
	else
		return not_a(ps, s, v);
	memcpy(value_dst(st, s), &c, sizeof c);
	return 0;
}

struct time_unit {
	const char *suffix;
	uint64_t scale;
};

/* A number with one of `units` as suffix, scaled, into a uint32_t: the
 * shared body of durations (in milliseconds) and of whole seconds. */
static int store_scaled(struct parser *ps, struct stmt *st, const struct setting *s,
			const struct token *v, const struct time_unit *units, size_t n_units,
			void (*format)(char *, size_t, uint64_t))
{
	uint64_t n = 0, scaled = 0;
	size_t i = 0;
	enum number_result r = read_decimal(v->text, v->len, &i, &n);
	const char *suffix = v->text + i;
	size_t u;

	if (r == NUM_NONE)
		return not_a(ps, s, v);
	for (u = 0; u < n_units; u++)
		if (strcmp(suffix, units[u].suffix) == 0)
			break;
	if (u == n_units)
		return not_a(ps, s, v);
	if (r == NUM_OVERFLOW || mul_overflows(n, units[u].scale, &scaled) || scaled < s->min ||
	    scaled > s->max) {
		char lo[24], hi[24];

		format(lo, sizeof lo, s->min);
		format(hi, sizeof hi, s->max);
		return out_of_range(ps, s, v, lo, hi);
	}

	uint32_t v32 = (uint32_t)scaled;

	memcpy(value_dst(st, s), &v32, sizeof v32);
	return 0;
}

/* 500ms, 5s, 2m, 1h, or a bare number of seconds, into milliseconds. */
static int store_duration(struct parser *ps, struct stmt *st, const struct setting *s,
			  const struct token *v)
{
	static const struct time_unit units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	return store_scaled(ps, st, s, v, units, ARRAY_SIZE(units), format_duration);
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
	memcpy(value_dst(st, s), &bytes, sizeof bytes);
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

	memcpy(value_dst(st, s), &in, sizeof in);
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
	return value_error(ps, s, v, "%s", why);
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
	memcpy(value_dst(st, s), path, strlen(path) + 1);
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
	memcpy(value_dst(st, s), path, strlen(path) + 1);
	return 0;
}

/* ---- values of the DHCP statements ------------------------------------ */

#define MINUTE_S 60u
#define HOUR_S 3600u
#define DAY_S 86400u

/* Whole days or hours where they are exact: "90s", "1h", "365d". */
static void format_seconds(char *buf, size_t cap, uint64_t s)
{
	if (s != 0 && s % DAY_S == 0)
		snprintf(buf, cap, "%llud", (unsigned long long)(s / DAY_S));
	else if (s != 0 && s % HOUR_S == 0)
		snprintf(buf, cap, "%lluh", (unsigned long long)(s / HOUR_S));
	else
		snprintf(buf, cap, "%llus", (unsigned long long)s);
}

/* Whole seconds: 90s, 5m, 1h, 7d, or a bare number of seconds, into a
 * uint32_t number of seconds. */
static int store_seconds(struct parser *ps, struct stmt *st, const struct setting *s,
			 const struct token *v)
{
	static const struct time_unit units[] = {
		{ "", 1 }, { "s", 1 }, { "m", MINUTE_S }, { "h", HOUR_S }, { "d", DAY_S },
	};
	return store_scaled(ps, st, s, v, units, ARRAY_SIZE(units), format_seconds);
}

static void format_addr(char *buf, size_t cap, struct in_addr in)
{
	uint32_t a = ntohl(in.s_addr);

	snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

#define ADDR_MAX 16 /* "255.255.255.255" and its NUL */

/* Why a host-order address cannot be a client's, a router's or a server's. */
static const char *unicast_problem(uint32_t a)
{
	if (a >> 24 == 0)
		return "is not a usable address (0.0.0.0/8)";
	if (a >> 24 == 127)
		return "is a loopback address (127.0.0.0/8)";
	if (a >> 28 == 0xe)
		return "is a multicast address";
	if (a == 0xffffffffu)
		return "is the broadcast address";
	if (a >> 28 == 0xf)
		return "is a reserved address (240.0.0.0/4)";
	return NULL;
}

/* An address given to clients (router, DNS server, next server, a host's
 * fixed address). */
static int store_address(struct parser *ps, struct stmt *st, const struct setting *s,
			 const struct token *v)
{
	uint32_t a = 0;
	const char *why;

	if (!parse_ipv4(v->text, v->len, &a))
		return not_a(ps, s, v);
	why = unicast_problem(a);
	if (why)
		return value_error(ps, s, v, "%s", why);

	struct in_addr in = { .s_addr = htonl(a) };

	memcpy(value_dst(st, s), &in, sizeof in);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Six pairs of hex digits separated by ':' (or all by '-'). */
static bool parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17 || (s[2] != ':' && s[2] != '-'))
		return false;
	for (size_t i = 0; i < 6; i++) {
		int hi = hex_digit(s[3 * i]), lo = hex_digit(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != s[2]))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

#define MAC_TEXT_MAX 18

static void format_mac(char *buf, size_t cap, const uint8_t mac[6])
{
	snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* A client's hardware address: unicast and not all zero. */
static int store_mac(struct parser *ps, struct stmt *st, const struct setting *s,
		     const struct token *v)
{
	static const uint8_t zero[6];
	uint8_t mac[6];

	if (!parse_mac(v->text, v->len, mac))
		return not_a(ps, s, v);
	if (memcmp(mac, zero, sizeof mac) == 0)
		return value_error(ps, s, v, "is all zero; no client has it");
	if (mac[0] & 1)
		return value_error(ps, s, v, "is a group (multicast) address; no client has it");
	memcpy(value_dst(st, s), mac, sizeof mac);
	return 0;
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* "contains 'c'" or "contains byte 0xNN", then what is allowed. */
static const char *bad_char(char *buf, size_t cap, unsigned char c, const char *allowed)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, cap, "contains '%c' (allowed: %s)", c, allowed);
	else
		snprintf(buf, cap, "contains byte 0x%02x (allowed: %s)", c, allowed);
	return buf;
}

/* A name of a class or kickstart template: 1..POLICY_NAME_MAX-1 letters,
 * digits, '_', '.' and '-', beginning with a letter or digit (so that it is
 * one safe path component where ${class} is expanded). */
static const char *name_problem(const char *s, size_t len, bool too_long, char *buf, size_t cap)
{
	if (len == 0)
		return "is empty";
	if (too_long || len > POLICY_NAME_MAX - 1) {
		snprintf(buf, cap, "is too long (at most %d characters)", POLICY_NAME_MAX - 1);
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
			return bad_char(buf, cap, c, "letters, digits, _ . -");
	}
	if (!is_alnum((unsigned char)s[0]))
		return "must begin with a letter or digit";
	return NULL;
}

/* One DNS label: 1..63 letters, digits and '-', not beginning or ending
 * with '-'. */
#define LABEL_MAX 63

static const char *label_problem(const char *s, size_t len, char *buf, size_t cap)
{
	if (len == 0)
		return "has an empty label";
	if (len > LABEL_MAX) {
		snprintf(buf, cap, "has a label longer than %d characters", LABEL_MAX);
		return buf;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '-')
			return bad_char(buf, cap, c, "letters, digits and '-'");
	}
	if (s[0] == '-' || s[len - 1] == '-')
		return "has a label that begins or ends with '-'";
	return NULL;
}

/* A host name: one label. */
static const char *hostname_problem(const struct token *t, char *buf, size_t cap)
{
	if (t->len == 0)
		return "is empty";
	if (t->too_long || t->len > LABEL_MAX) {
		snprintf(buf, cap, "is too long (at most %d characters)", LABEL_MAX);
		return buf;
	}
	for (size_t i = 0; i < t->len; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (!is_alnum(c) && c != '-')
			return bad_char(buf, cap, c, "letters, digits and '-'");
	}
	if (t->text[0] == '-' || t->text[t->len - 1] == '-')
		return "must not begin or end with '-'";
	return NULL;
}

/* A DNS name: labels separated by '.', shorter than POLICY_HOSTNAME_MAX. */
static int store_domain(struct parser *ps, struct stmt *st, const struct setting *s,
			const struct token *v)
{
	char why[96];
	const char *problem = NULL;

	if (v->len == 0) {
		problem = "is empty";
	} else if (v->len > POLICY_HOSTNAME_MAX - 1) {
		snprintf(why, sizeof why, "is too long (at most %d characters)", POLICY_HOSTNAME_MAX - 1);
		problem = why;
	}
	for (size_t start = 0; !problem && start <= v->len;) {
		const char *dot = memchr(v->text + start, '.', v->len - start);
		size_t end = dot ? (size_t)(dot - v->text) : v->len;

		problem = label_problem(v->text + start, end - start, why, sizeof why);
		start = end + 1;
	}
	if (problem)
		return value_error(ps, s, v, "is not a valid DNS name: it %s", problem);
	memcpy(value_dst(st, s), v->text, v->len + 1);
	return 0;
}

/* A kickstart template name. */
static int store_name(struct parser *ps, struct stmt *st, const struct setting *s,
		      const struct token *v)
{
	char why[96];
	const char *problem = name_problem(v->text, v->len, false, why, sizeof why);

	if (problem)
		return value_error(ps, s, v, "%s", problem);
	memcpy(value_dst(st, s), v->text, v->len + 1);
	return 0;
}

/* Text a client sends (user class, vendor class), compared as bytes. */
static int store_text(struct parser *ps, struct stmt *st, const struct setting *s,
		      const struct token *v)
{
	if (v->len == 0)
		return value_error(ps, s, v, "must not be empty");
	if (v->len > POLICY_NAME_MAX - 1)
		return value_error(ps, s, v, "is too long (at most %d bytes)", POLICY_NAME_MAX - 1);
	memcpy(value_dst(st, s), v->text, v->len + 1);
	return 0;
}

/* The position of byte k of a word's or string's value in the text: a
 * string's value starts after its '"', each escape took two characters, and
 * UTF-8 continuation bytes take none. */
static struct loc loc_in_token(const struct token *t, size_t k)
{
	struct loc at = t->at;
	bool string = t->type == TOK_STRING;

	at.column += string;
	for (size_t i = 0; i < k && i < t->len; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (string && (c == '"' || c == '\\'))
			at.column += 2;
		else if ((c & 0xc0) != 0x80)
			at.column++;
	}
	return at;
}

/* The variables a boot path may contain, expanded when a reply is built. */
static const char *const boot_variables[] = { "class", "mac", "hostname", "ip", "arch" };

/* Every "${" must open a known variable; reported at its '$'. */
static int check_variables(struct parser *ps, const struct setting *s, const struct token *v)
{
	char n[SETTING_NAME_MAX], q[QUOTE_CAP];

	for (size_t i = 0; i + 1 < v->len; i++) {
		if (v->text[i] != '$' || v->text[i + 1] != '{')
			continue;

		const char *close = memchr(v->text + i + 2, '}', v->len - i - 2);

		if (!close) {
			error_at(ps, loc_in_token(v, i), "unterminated ${ in the path of %s (missing '}')",
				 setting_name(s, n, sizeof n));
			return -1;
		}

		size_t name_len = (size_t)(close - (v->text + i + 2)), k;

		for (k = 0; k < ARRAY_SIZE(boot_variables); k++)
			if (strlen(boot_variables[k]) == name_len &&
			    memcmp(boot_variables[k], v->text + i + 2, name_len) == 0)
				break;
		if (k == ARRAY_SIZE(boot_variables)) {
			error_at(ps, loc_in_token(v, i),
				 "unknown variable %s in the path of %s (known: ${class} ${mac} ${hostname} ${ip} ${arch})",
				 quote(q, sizeof q, v->text + i, name_len + 3), setting_name(s, n, sizeof n));
			return -1;
		}
		i += name_len + 2;
	}
	return 0;
}

/* "." or ".." among the '/'-separated components of s[0..len). */
static bool has_dot_component(const char *s, size_t len)
{
	for (size_t start = 0; start <= len;) {
		const char *slash = memchr(s + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - s) : len;
		size_t n = end - start;

		if ((n == 1 && s[start] == '.') || (n == 2 && s[start] == '.' && s[start + 1] == '.'))
			return true;
		start = end + 1;
	}
	return false;
}

/* What is wrong with v as the path part of a URL on this server, or NULL. */
static const char *url_path_problem(const struct token *v)
{
	const char *query = memchr(v->text, '?', v->len);

	if (v->len == 0 || v->text[0] != '/')
		return "must be an absolute URL path (starting with '/')";
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->text[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
			return "must be printable ASCII without spaces, '\"' or '\\' "
			       "(write other characters %-encoded)";
	}
	if (has_dot_component(v->text, query ? (size_t)(query - v->text) : v->len))
		return "must not contain \".\" or \"..\" components";
	return NULL;
}

/* What a client boots: min is the protocol.  A TFTP file name is relative
 * to the TFTP root; an HTTP(S) path is the absolute path part of a URL. */
static int store_boot(struct parser *ps, struct stmt *st, const struct setting *s,
		      const struct token *v)
{
	struct policy_boot *b = value_dst(st, s);
	enum policy_boot_proto proto = (enum policy_boot_proto)s->min;
	char path[POLICY_PATH_MAX];
	const char *why;

	if (proto == POLICY_BOOT_TFTP) {
		if (v->len == 0)
			return path_error(ps, s, v, "must not be empty");
		if (v->text[0] == '/')
			return path_error(ps, s, v, "must be relative to the TFTP root (no leading '/')");
		if (memchr(v->text, '\\', v->len))
			return path_error(ps, s, v, "must not contain '\\' (TFTP names use '/')");
		if (v->text[v->len - 1] == '/')
			return path_error(ps, s, v, "must name a file (no trailing '/')");
		why = normalise_path(v->text, v->len, path, sizeof path);
		if (why)
			return path_error(ps, s, v, why);
	} else {
		why = url_path_problem(v);
		if (why)
			return path_error(ps, s, v, why);
		memcpy(path, v->text, v->len + 1);
	}
	if (check_variables(ps, s, v) < 0)
		return -1;
	b->proto = proto;
	memcpy(b->path, path, strlen(path) + 1);
	return 0;
}

/* A file a generated boot script fetches from this server (kernel,
 * initrd): an absolute URL path without a query or variables, outside the
 * /ks/ paths that serve kickstarts. */
static int store_url_path(struct parser *ps, struct stmt *st, const struct setting *s,
			  const struct token *v)
{
	const char *why = url_path_problem(v);

	if (why)
		return path_error(ps, s, v, why);
	if (memchr(v->text, '?', v->len) || memchr(v->text, '$', v->len) || memchr(v->text, '%', v->len))
		return path_error(ps, s, v, "must name a file plainly (no '?', '$' or '%')");
	if (v->text[v->len - 1] == '/')
		return path_error(ps, s, v, "must name a file (no trailing '/')");
	if (strncmp(v->text, "/ks/", 4) == 0)
		return path_error(ps, s, v, "must not be under /ks/, where bootward serves kickstarts");
	if (v->len > POLICY_PATH_MAX - 1 - 4)
		return path_error(ps, s, v, "is too long");
	memcpy(value_dst(st, s), v->text, v->len + 1);
	return 0;
}

/* A kernel command line: printable ASCII; its ${...} variables are
 * checked by the broker with the template's rules. */
static int store_cmdline(struct parser *ps, struct stmt *st, const struct setting *s,
			 const struct token *v)
{
	if (v->len > POLICY_APPEND_MAX - 1)
		return value_error(ps, s, v, "is too long (at most %d bytes)", POLICY_APPEND_MAX - 1);
	for (size_t i = 0; i < v->len; i++)
		if ((unsigned char)v->text[i] < ' ' || (unsigned char)v->text[i] > '~')
			return value_error(ps, s, v, "must be printable ASCII on one line");
	memcpy(value_dst(st, s), v->text, v->len + 1);
	return 0;
}

/* A following value continues an address or number list if it begins with
 * a digit; no setting name does. */
static bool starts_with_digit(const struct token *t)
{
	return is_value(t) && t->len > 0 && t->text[0] >= '0' && t->text[0] <= '9';
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
	[IFACE_ADDRESS] = SETTING("address", "an IPv4 address, e.g. 10.33.1.1", store_ipv4, 0, 0,
				  FIELD(struct policy_interface, address, struct in_addr), 0),
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
	[SANDBOX_UID_BASE] = SETTING("uid-base", "a number, e.g. 61100", store_count, 1, UID_BASE_MAX,
				     FIELD(struct policy, uid_base, uint32_t), 0),
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
	[TFTP_ROOT] = SETTING("root", "an absolute path, e.g. \"/srv/bootward/tftp\"", store_abs_path, 0, 0,
			      TFTP_FIELD(root, char *), 0),
	[TFTP_PORTS] = SETTING("ports", "a port range, e.g. 4096-4351", store_port_range,
			       PORT_POOL_MIN, PORT_POOL_MAX,
			       TFTP_FIELD(port_low, uint16_t), TFTP_FIELD(port_high, uint16_t)),
	[TFTP_MAX_TRANSFERS] = SETTING("max-transfers", "a number, e.g. 256", store_count, 1, PORT_POOL_SIZE_MAX,
				       TFTP_FIELD(max_transfers, uint32_t), 0),
	[TFTP_MAX_PER_CLIENT] = SETTING("max-per-client", "a number, e.g. 16", store_count, 1, PORT_POOL_SIZE_MAX,
					TFTP_FIELD(max_per_client, uint32_t), 0),
	[TFTP_TIMEOUT] = SETTING("timeout", "a duration, e.g. 1s or 500ms", store_duration, 100, 60000,
				 TFTP_FIELD(timeout_ms, uint32_t), 0),
	[TFTP_RETRIES] = SETTING("retries", "a number, e.g. 5", store_count, 1, 50,
				 TFTP_FIELD(retries, uint32_t), 0),
	[TFTP_MAX_BLKSIZE] = SETTING("max-blksize", "a number of bytes, e.g. 1468", store_count, 8, 65464,
				     TFTP_FIELD(max_blksize, uint32_t), 0),
	[TFTP_MAX_WINDOWSIZE] = SETTING("max-windowsize", "a number of blocks, e.g. 64", store_count, 1, 64,
					TFTP_FIELD(max_windowsize, uint32_t), 0),
	[TFTP_UPLOAD] = SETTING("upload", "a directory under root, e.g. \"incoming\"", store_rel_path, 0, 0,
				TFTP_FIELD(upload_dir, char *), 0),
	[TFTP_UPLOAD_MAX] = SETTING("upload-max", "a size, e.g. 64M", store_size, 1, 4 * GIB,
				    TFTP_FIELD(upload_max_bytes, uint64_t), 0),
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

/* https [settings] | https { settings } */

#define HTTPS_ROOT_DEFAULT "/srv/bootward/http"
#define HTTPS_CONN_MAX 8000u /* workers get 8192 file descriptors */

enum {
	HTTPS_ROOT,
	HTTPS_PORT,
	HTTPS_PLAIN_HTTP,
	HTTPS_CIPHERS,
	HTTPS_MAX_CONNECTIONS,
	HTTPS_MAX_PER_CLIENT,
	HTTPS_HEADER_TIMEOUT,
	HTTPS_IDLE_TIMEOUT,
	HTTPS_LISTING,
	HTTPS_ACCESS_LOG,
	HTTPS_KEY_OPS_RATE,
};

#define HTTPS_FIELD(f, type) FIELD(struct policy_https, f, type)

static const struct setting https_settings[] = {
	[HTTPS_ROOT] = SETTING("root", "an absolute path, e.g. \"/srv/bootward/http\"", store_abs_path, 0, 0,
			       HTTPS_FIELD(root, char *), 0),
	[HTTPS_PORT] = SETTING("port", "a TCP port, e.g. 443", store_u16, 1, 65535,
			       HTTPS_FIELD(port, uint16_t), 0),
	[HTTPS_PLAIN_HTTP] = SETTING("plain-http", "off or a TCP port, e.g. 80", store_port_or_off, 1, 65535,
				     HTTPS_FIELD(plain_port, uint16_t), 0),
	[HTTPS_CIPHERS] = SETTING("ciphers", "compatible or forward-secret", store_ciphers, 0, 0,
				  HTTPS_FIELD(ciphers, enum policy_ciphers), 0),
	[HTTPS_MAX_CONNECTIONS] = SETTING("max-connections", "a number, e.g. 4096", store_count, 1, HTTPS_CONN_MAX,
					  HTTPS_FIELD(max_connections, uint32_t), 0),
	[HTTPS_MAX_PER_CLIENT] = SETTING("max-per-client", "a number, e.g. 64", store_count, 1, HTTPS_CONN_MAX,
					 HTTPS_FIELD(max_per_client, uint32_t), 0),
	[HTTPS_HEADER_TIMEOUT] = SETTING("header-timeout", "a duration, e.g. 10s", store_duration, 1000, 300000,
					 HTTPS_FIELD(header_timeout_ms, uint32_t), 0),
	[HTTPS_IDLE_TIMEOUT] = SETTING("idle-timeout", "a duration, e.g. 60s", store_duration, 1000, 3600000,
				       HTTPS_FIELD(idle_timeout_ms, uint32_t), 0),
	[HTTPS_LISTING] = SETTING("listing", "on or off", store_switch, 0, 0, HTTPS_FIELD(listing, bool), 0),
	[HTTPS_ACCESS_LOG] = SETTING("access-log", "on or off", store_switch, 0, 0,
				     HTTPS_FIELD(access_log, bool), 0),
	[HTTPS_KEY_OPS_RATE] = SETTING("key-ops-rate", "a number per second, e.g. 1000", store_count, 1, 100000,
				       HTTPS_FIELD(key_ops_rate, uint32_t), 0),
};

static int https_begin(struct parser *ps, struct stmt *st)
{
	st->target = &ps->p->https;
	ps->p->https.enabled = true;
	return 0;
}

static void https_finish(struct parser *ps, struct stmt *st)
{
	struct policy_https *h = &ps->p->https;

	ps->https_read = true;
	if (h->plain_port == h->port)
		error_at(ps, st->value_at[given(st, HTTPS_PLAIN_HTTP) ? HTTPS_PLAIN_HTTP : HTTPS_PORT],
			 "plain-http and port are both %u: plain HTTP needs a port of its own",
			 (unsigned)h->port);
	if (!given(st, HTTPS_MAX_PER_CLIENT)) {
		if (h->max_per_client > h->max_connections)
			h->max_per_client = h->max_connections;
	} else if (h->max_per_client > h->max_connections) {
		error_at(ps, st->value_at[HTTPS_MAX_PER_CLIENT], "max-per-client %u is more than max-connections %u",
			 h->max_per_client, h->max_connections);
	}
}

/* ---- DHCP statements -------------------------------------------------- */

#define OFFER_HOLD_DEFAULT_S 60u
#define DISCOVER_PER_MAC_DEFAULT 2u
#define DISCOVER_DEFAULT 500u
#define LEASE_DEFAULT_S 3600u
#define LEASE_MIN_S 60u
#define LEASE_MAX_S (365u * DAY_S)
#define PREFIX_MIN 8u
#define PREFIX_MAX 30u

static bool given_any(const struct stmt *st, size_t first, size_t last)
{
	for (size_t i = first; i <= last; i++)
		if (given(st, i))
			return true;
	return false;
}

static uint32_t prefix_mask(unsigned len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* Host-order bounds of a subnet. */
static uint32_t subnet_first(const struct policy_subnet *sn)
{
	return ntohl(sn->network.s_addr);
}

static uint32_t subnet_last(const struct policy_subnet *sn)
{
	return subnet_first(sn) | ~prefix_mask(sn->prefix_len);
}

static void format_subnet(char *buf, size_t cap, const struct policy_subnet *sn)
{
	char a[ADDR_MAX];

	format_addr(a, sizeof a, sn->network);
	snprintf(buf, cap, "%s/%u", a, (unsigned)sn->prefix_len);
}

#define SUBNET_TEXT_MAX 20

/* NULL if the host-order address a is a usable host address of sn; else why
 * not, as "is outside subnet X" or "is the network address of subnet X". */
static const char *host_in_subnet_problem(const struct policy_subnet *sn, uint32_t a, char *buf,
					  size_t cap)
{
	char net[SUBNET_TEXT_MAX];

	format_subnet(net, sizeof net, sn);
	if (a < subnet_first(sn) || a > subnet_last(sn))
		snprintf(buf, cap, "is outside subnet %s", net);
	else if (a == subnet_first(sn))
		snprintf(buf, cap, "is the network address of subnet %s", net);
	else if (a == subnet_last(sn))
		snprintf(buf, cap, "is the broadcast address of subnet %s", net);
	else
		return NULL;
	return buf;
}

static bool has_range(const struct policy_subnet *sn)
{
	return sn->range_low.s_addr != 0;
}

static bool in_range(const struct policy_subnet *sn, uint32_t a)
{
	return has_range(sn) && a >= ntohl(sn->range_low.s_addr) && a <= ntohl(sn->range_high.s_addr);
}

static void format_range(char *buf, size_t cap, const struct policy_subnet *sn)
{
	char lo[ADDR_MAX], hi[ADDR_MAX];

	format_addr(lo, sizeof lo, sn->range_low);
	format_addr(hi, sizeof hi, sn->range_high);
	snprintf(buf, cap, "%s-%s", lo, hi);
}

#define RANGE_TEXT_MAX (2 * ADDR_MAX)

/* Clears and targets the item a statement fills: the next free slot of its
 * table, or the spare one once the table is full (reported at the keyword;
 * the settings are still read, for their errors). */
static void *next_slot(struct parser *ps, struct stmt *st, void *slot, void *spare, size_t size,
		       size_t n, size_t max, const char *what)
{
	void *target = n < max ? slot : spare;

	memset(target, 0, size);
	st->target = target;
	if (n >= max) {
		error_at(ps, st->keyword_at, "too many %s (at most %zu)", what, max);
		st->failed = true;
	}
	return target;
}

/* dhcp authoritative|proxy [settings] | dhcp MODE { settings } */

enum { DHCP_NEXT_SERVER, DHCP_OFFER_HOLD, DHCP_DISCOVER_RATE_PER_MAC, DHCP_DISCOVER_RATE };

#define DHCP_FIELD(f, type) FIELD(struct policy_dhcp, f, type)

static const struct setting dhcp_settings[] = {
	[DHCP_NEXT_SERVER] = SETTING("next-server", "an IPv4 address, e.g. 10.33.1.1", store_address, 0, 0,
				     DHCP_FIELD(next_server, struct in_addr), 0),
	[DHCP_OFFER_HOLD] = SETTING("offer-hold", "a duration, e.g. 60s or 1m", store_seconds, 5, HOUR_S,
				    DHCP_FIELD(offer_hold_s, uint32_t), 0),
	[DHCP_DISCOVER_RATE_PER_MAC] = SETTING("discover-rate-per-mac", "a number per second, e.g. 2",
					       store_count, 1, 100,
					       DHCP_FIELD(max_discover_per_mac_s, uint32_t), 0),
	[DHCP_DISCOVER_RATE] = SETTING("discover-rate", "a number per second, e.g. 500", store_count, 1, 100000,
				       DHCP_FIELD(max_discover_per_s, uint32_t), 0),
};

static int dhcp_begin(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct token *t = &ps->tok;
	char q[QUOTE_CAP + 8];

	st->target = d;
	next_token(ps);
	if (t->type != TOK_WORD) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing dhcp mode before %s (expected authoritative or proxy)",
				 describe(q, sizeof q, t));
		return -1;
	}
	if (strcmp(t->text, "authoritative") == 0) {
		d->mode = POLICY_DHCP_AUTHORITATIVE;
	} else if (strcmp(t->text, "proxy") == 0) {
		d->mode = POLICY_DHCP_PROXY;
	} else {
		error_at(ps, t->at, "unknown dhcp mode %s (expected authoritative or proxy)",
			 quote(q, sizeof q, t->text, t->len));
		return -1;
	}
	st->name_at = t->at;
	ps->dhcp_mode_at = t->at;
	return 0;
}

/* The per-MAC rate defaults to at most the overall rate, like max-per-client. */
static void dhcp_finish(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;

	if (d->max_discover_per_mac_s <= d->max_discover_per_s)
		return;
	if (!given(st, DHCP_DISCOVER_RATE_PER_MAC))
		d->max_discover_per_mac_s = d->max_discover_per_s;
	else
		error_at(ps, st->value_at[DHCP_DISCOVER_RATE_PER_MAC],
			 "discover-rate-per-mac %u is more than discover-rate %u",
			 d->max_discover_per_mac_s, d->max_discover_per_s);
}

/* subnet A.B.C.D/N [settings] | subnet A.B.C.D/N { settings } */

enum { SUBNET_RANGE, SUBNET_ROUTER, SUBNET_DNS, SUBNET_DOMAIN, SUBNET_LEASE, SUBNET_RENEW, SUBNET_REBIND };

#define SUBNET_FIELD(f, type) FIELD(struct policy_subnet, f, type)

/* range LOW HIGH is a list of two addresses stored in adjacent fields. */
_Static_assert(offsetof(struct policy_subnet, range_high) ==
	       offsetof(struct policy_subnet, range_low) + sizeof(struct in_addr),
	       "range_low and range_high must be adjacent");

static const struct list_spec range_list = { 2, 2, sizeof(struct in_addr), false, 0, false,
					     starts_with_digit };
static const struct list_spec dns_list = { 1, POLICY_MAX_DNS, sizeof(struct in_addr), true,
					   SUBNET_FIELD(n_dns, size_t), true, starts_with_digit };

static const struct setting subnet_settings[] = {
	[SUBNET_RANGE] = LIST_SETTING("range", "two IPv4 addresses, e.g. 10.33.1.100 10.33.1.200",
				      store_address, 0, 0,
				      SUBNET_FIELD(range_low, struct in_addr), 0, &range_list),
	[SUBNET_ROUTER] = SETTING("router", "an IPv4 address, e.g. 10.33.1.254", store_address, 0, 0,
				  SUBNET_FIELD(router, struct in_addr), 0),
	[SUBNET_DNS] = LIST_SETTING("dns", "IPv4 addresses, e.g. 10.33.1.1 10.33.1.2", store_address, 0, 0,
				    SUBNET_FIELD(dns, struct in_addr *), 0, &dns_list),
	[SUBNET_DOMAIN] = SETTING("domain", "a DNS name, e.g. \"lab.example\"", store_domain, 0, 0,
				  SUBNET_FIELD(domain, char *), 0),
	[SUBNET_LEASE] = SETTING("lease", "a duration, e.g. 1h or 3600s", store_seconds, LEASE_MIN_S, LEASE_MAX_S,
				 SUBNET_FIELD(lease_s, uint32_t), 0),
	[SUBNET_RENEW] = SETTING("renew", "a duration, e.g. 30m or 1800s", store_seconds, 1, LEASE_MAX_S,
				 SUBNET_FIELD(renew_s, uint32_t), 0),
	[SUBNET_REBIND] = SETTING("rebind", "a duration, e.g. 50m or 3000s", store_seconds, 1, LEASE_MAX_S,
				  SUBNET_FIELD(rebind_s, uint32_t), 0),
};

/* A.B.C.D/N with zero host bits, a network DHCP can serve.  NULL or why not. */
static const char *network_problem(const struct token *t, struct policy_subnet *sn, char *buf, size_t cap)
{
	const char *slash = memchr(t->text, '/', t->len);
	uint32_t a = 0;
	uint64_t len = 0;
	size_t i;

	if (!slash || !parse_ipv4(t->text, (size_t)(slash - t->text), &a))
		return "is not valid (expected a network, e.g. 10.33.0.0/16)";
	size_t digits = (size_t)(slash - t->text) + 1;

	i = digits;
	if (read_decimal(t->text, t->len, &i, &len) != NUM_OK || i != t->len ||
	    (i - digits > 1 && t->text[digits] == '0'))
		return "is not valid (expected a network, e.g. 10.33.0.0/16)";
	if (len < PREFIX_MIN || len > PREFIX_MAX) {
		snprintf(buf, cap, "has a prefix length out of range (/%u../%u)", PREFIX_MIN, PREFIX_MAX);
		return buf;
	}
	if (a & ~prefix_mask((unsigned)len)) {
		uint32_t net = a & prefix_mask((unsigned)len);

		snprintf(buf, cap, "has host bits set (the network is %u.%u.%u.%u/%u)", net >> 24,
			 (net >> 16) & 255, (net >> 8) & 255, net & 255, (unsigned)len);
		return buf;
	}
	if (a >> 24 == 0)
		return "is not a usable network (0.0.0.0/8)";
	if (a >> 24 == 127)
		return "is a loopback network (127.0.0.0/8)";
	if (a >> 28 >= 0xe)
		return "is a multicast or reserved network (224.0.0.0 and above)";
	sn->network.s_addr = htonl(a);
	sn->prefix_len = (uint8_t)len;
	return NULL;
}

static int subnet_begin(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct token *t = &ps->tok;
	struct policy_subnet *sn;
	char why[80], e[QUOTE_CAP];
	const char *problem;

	next_token(ps);
	if (!is_value(t)) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing subnet network (e.g. subnet 10.33.0.0/16)");
		return -1;
	}
	st->name_at = t->at;
	sn = next_slot(ps, st, &d->subnets[d->n_subnets < POLICY_MAX_SUBNETS ? d->n_subnets : 0],
		       &ps->spare.subnet, sizeof *sn, d->n_subnets, POLICY_MAX_SUBNETS, "subnets");
	sn->lease_s = LEASE_DEFAULT_S;
	problem = t->too_long ? "is not valid (expected a network, e.g. 10.33.0.0/16)"
			      : network_problem(t, sn, why, sizeof why);
	if (problem) {
		error_at(ps, t->at, "subnet %s %s", echo_value(e, sizeof e, t), problem);
		st->failed = true;
	}
	return 0;
}

/* An address of the subnet that is handed to clients: reported at loc. */
static bool check_in_subnet(struct parser *ps, const struct policy_subnet *sn, const char *what,
			    struct in_addr in, struct loc at)
{
	char why[80], a[ADDR_MAX];
	const char *problem = host_in_subnet_problem(sn, ntohl(in.s_addr), why, sizeof why);

	if (!problem)
		return true;
	format_addr(a, sizeof a, in);
	error_at(ps, at, "%s %s %s", what, a, problem);
	return false;
}

static void subnet_finish(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct policy_subnet *sn = st->target;
	char lo[ADDR_MAX], hi[ADDR_MAX], r[RANGE_TEXT_MAX], a[24], b[24];
	bool ok = true;

	if (given(st, SUBNET_RANGE)) {
		ok = check_in_subnet(ps, sn, "range", sn->range_low, st->value_at[SUBNET_RANGE]) &&
		     check_in_subnet(ps, sn, "range", sn->range_high, st->last_at[SUBNET_RANGE]);
		if (ok && ntohl(sn->range_low.s_addr) > ntohl(sn->range_high.s_addr)) {
			format_addr(lo, sizeof lo, sn->range_low);
			format_addr(hi, sizeof hi, sn->range_high);
			error_at(ps, st->value_at[SUBNET_RANGE],
				 "range %s %s: the first address is above the last (write LOW HIGH)", lo, hi);
			ok = false;
		}
	}
	if (ok && given(st, SUBNET_ROUTER)) {
		ok = check_in_subnet(ps, sn, "router", sn->router, st->value_at[SUBNET_ROUTER]);
		if (ok && in_range(sn, ntohl(sn->router.s_addr))) {
			format_addr(lo, sizeof lo, sn->router);
			format_range(r, sizeof r, sn);
			error_at(ps, st->value_at[SUBNET_ROUTER],
				 "router %s is inside range %s: it could be given to a client", lo, r);
			ok = false;
		}
	}

	/* T1 < T2 < lease, with the defaults (half and 7/8 of the lease) for
	 * the times not given. */
	uint32_t renew = given(st, SUBNET_RENEW) ? sn->renew_s : sn->lease_s / 2;
	uint32_t rebind = given(st, SUBNET_REBIND) ? sn->rebind_s : sn->lease_s * 7 / 8;

	format_seconds(a, sizeof a, sn->lease_s);
	if (ok && given(st, SUBNET_RENEW) && renew >= sn->lease_s) {
		format_seconds(b, sizeof b, renew);
		error_at(ps, st->value_at[SUBNET_RENEW], "renew %s is not less than lease %s", b, a);
		ok = false;
	}
	if (ok && given(st, SUBNET_REBIND) && rebind >= sn->lease_s) {
		format_seconds(b, sizeof b, rebind);
		error_at(ps, st->value_at[SUBNET_REBIND], "rebind %s is not less than lease %s", b, a);
		ok = false;
	}
	if (ok && renew >= rebind) {
		format_seconds(a, sizeof a, renew);
		format_seconds(b, sizeof b, rebind);
		if (given(st, SUBNET_RENEW) && given(st, SUBNET_REBIND))
			error_at(ps, st->value_at[SUBNET_REBIND], "rebind %s is not more than renew %s", b, a);
		else if (given(st, SUBNET_REBIND))
			error_at(ps, st->value_at[SUBNET_REBIND],
				 "rebind %s is not more than renew (by default half the lease, %s)", b, a);
		else
			error_at(ps, st->value_at[SUBNET_RENEW],
				 "renew %s is not less than rebind (by default 7/8 of the lease, %s)", a, b);
		ok = false;
	}
	if (!ok)
		return;
	ps->subnet_at[d->n_subnets] = st->name_at;
	ps->range_at[d->n_subnets] = given(st, SUBNET_RANGE) ? st->key_at[SUBNET_RANGE] : (struct loc){ 0, 0 };
	d->n_subnets++;
}

/* Boot targets, for hosts and classes: boot tftp|http|https PATH. */
#define BOOT_SETTING(T, word, proto, example)                                              \
	{ .key = "boot", .sub = word, .sub_what = "protocol", .exclusive = true,           \
	  .expect = example, .store = store_boot, .min = proto,                            \
	  .offset = FIELD(T, boot, struct policy_boot) }
#define BOOT_SETTINGS(T)                                                                   \
	BOOT_SETTING(T, "tftp", POLICY_BOOT_TFTP,                                          \
		     "a file name relative to the TFTP root, e.g. \"ipxe.efi\""),          \
	BOOT_SETTING(T, "http", POLICY_BOOT_HTTP, "a URL path, e.g. \"/boot/ipxe.efi\""),  \
	BOOT_SETTING(T, "https", POLICY_BOOT_HTTPS, "a URL path, e.g. \"/boot/ipxe.efi\"")

/* Where the boot target among settings first..last was given; line 0: none. */
static struct loc boot_at(const struct stmt *st, size_t first, size_t last)
{
	for (size_t i = first; i <= last; i++)
		if (given(st, i))
			return st->key_at[i];
	return (struct loc){ 0, 0 };
}

/* host NAME mac MAC [address A] [kickstart NAME] [boot PROTO PATH] */

enum { HOST_MAC, HOST_ADDRESS, HOST_KICKSTART, HOST_BOOT_TFTP, HOST_BOOT_HTTP, HOST_BOOT_HTTPS };

#define HOST_FIELD(f, type) FIELD(struct policy_host, f, type)

static const struct setting host_settings[] = {
	[HOST_MAC] = SETTING("mac", "a MAC address, e.g. 00:0c:29:f6:07:ca", store_mac, 0, 0,
			     HOST_FIELD(mac, uint8_t *), 0),
	[HOST_ADDRESS] = SETTING("address", "an IPv4 address, e.g. 10.33.1.165", store_address, 0, 0,
				 HOST_FIELD(address, struct in_addr), 0),
	[HOST_KICKSTART] = SETTING("kickstart", "a template name, e.g. centos7", store_name, 0, 0,
				   HOST_FIELD(kickstart, char *), 0),
	[HOST_BOOT_TFTP] = BOOT_SETTINGS(struct policy_host),
};

_Static_assert(HOST_BOOT_HTTPS + 1 == ARRAY_SIZE(host_settings), "host boot settings out of order");

static int host_begin(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct token *t = &ps->tok;
	struct policy_host *h;
	char why[80], q[QUOTE_CAP];
	const char *problem;

	next_token(ps);
	if (!is_value(t)) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing host name (e.g. host web01 mac 00:0c:29:f6:07:ca)");
		return -1;
	}
	st->name_at = t->at;
	problem = hostname_problem(t, why, sizeof why);
	if (problem) {
		error_at(ps, t->at, "host name %s %s", quote(q, sizeof q, t->text, t->len), problem);
		st->failed = true;
	} else {
		for (size_t i = 0; i < d->n_hosts; i++) {
			if (strcasecmp(d->hosts[i].name, t->text) == 0) {
				error_at(ps, t->at, "host %s is already defined at line %u", t->text,
					 ps->host_at[i].name.line);
				st->failed = true;
				break;
			}
		}
	}
	h = next_slot(ps, st, &d->hosts[d->n_hosts < POLICY_MAX_HOSTS ? d->n_hosts : 0], &ps->spare.host,
		      sizeof *h, d->n_hosts, POLICY_MAX_HOSTS, "hosts");
	if (!problem)
		memcpy(h->name, t->text, t->len + 1);
	return 0;
}

static void host_finish(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct policy_host *h = st->target;
	char m[MAC_TEXT_MAX], a[ADDR_MAX];

	if (!given(st, HOST_MAC)) {
		error_at(ps, st->name_at, "host %s needs a mac (e.g. host %s mac 00:0c:29:f6:07:ca)", h->name,
			 h->name);
		return;
	}
	for (size_t i = 0; i < d->n_hosts; i++) {
		if (memcmp(d->hosts[i].mac, h->mac, sizeof h->mac) == 0) {
			format_mac(m, sizeof m, h->mac);
			error_at(ps, st->value_at[HOST_MAC], "mac %s is already used by host %s at line %u", m,
				 d->hosts[i].name, ps->host_at[i].mac.line);
			return;
		}
		if (given(st, HOST_ADDRESS) && d->hosts[i].address.s_addr == h->address.s_addr) {
			format_addr(a, sizeof a, h->address);
			error_at(ps, st->value_at[HOST_ADDRESS], "address %s is already used by host %s at line %u",
				 a, d->hosts[i].name, ps->host_at[i].address.line);
			return;
		}
	}
	ps->host_at[d->n_hosts] = (struct host_at){ st->name_at, st->value_at[HOST_MAC],
						    given(st, HOST_ADDRESS) ? st->value_at[HOST_ADDRESS]
									    : (struct loc){ 0, 0 },
						    given(st, HOST_KICKSTART) ? st->value_at[HOST_KICKSTART]
									      : (struct loc){ 0, 0 },
						    boot_at(st, HOST_BOOT_TFTP, HOST_BOOT_HTTPS) };
	d->n_hosts++;
}

/* deny mac MAC */

enum { DENY_MAC };

static const struct setting deny_settings[] = {
	/* The target is the deny entry itself, a uint8_t[6]. */
	[DENY_MAC] = SETTING("mac", "a MAC address, e.g. 00:0c:29:f6:07:ca", store_mac, 0, 0, 0, 0),
};

static int deny_begin(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;

	next_slot(ps, st, d->deny[d->n_deny < POLICY_MAX_DENY ? d->n_deny : 0], ps->spare.mac,
		  sizeof ps->spare.mac, d->n_deny, POLICY_MAX_DENY, "deny statements");
	return 0;
}

static void deny_finish(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	const uint8_t *mac = st->target;
	char m[MAC_TEXT_MAX];

	if (!given(st, DENY_MAC)) {
		error_at(ps, st->keyword_at, "deny needs a mac (e.g. deny mac 00:0c:29:5e:f2:3f)");
		return;
	}
	for (size_t i = 0; i < d->n_deny; i++) {
		if (memcmp(d->deny[i], mac, sizeof d->deny[i]) == 0) {
			format_mac(m, sizeof m, mac);
			error_at(ps, st->value_at[DENY_MAC], "mac %s is already denied at line %u", m,
				 ps->deny_at[i].line);
			return;
		}
	}
	ps->deny_at[d->n_deny++] = st->value_at[DENY_MAC];
}

/* class NAME match CRITERION ... [match CRITERION ...] boot PROTO PATH */

enum {
	CLASS_MATCH_ARCH,
	CLASS_MATCH_USER_CLASS,
	CLASS_MATCH_VENDOR_CLASS,
	CLASS_MATCH_ANY,
	CLASS_BOOT_TFTP,
	CLASS_BOOT_HTTP,
	CLASS_BOOT_HTTPS,
};

#define CLASS_FIELD(f, type) FIELD(struct policy_class, f, type)

static const struct list_spec arch_list = { 1, POLICY_MAX_ARCH, sizeof(uint16_t), true,
					    CLASS_FIELD(n_arch, size_t), true, starts_with_digit };

static const struct setting class_settings[] = {
	[CLASS_MATCH_ARCH] = { .key = "match", .sub = "arch", .sub_what = "criterion",
			       .expect = "client architecture numbers, e.g. 7 9", .store = store_u16,
			       .min = 0, .max = UINT16_MAX, .offset = CLASS_FIELD(arch, uint16_t *),
			       .list = &arch_list },
	[CLASS_MATCH_USER_CLASS] = { .key = "match", .sub = "user-class", .sub_what = "criterion",
				     .expect = "a user class, e.g. \"iPXE\"", .store = store_text,
				     .offset = CLASS_FIELD(user_class, char *) },
	[CLASS_MATCH_VENDOR_CLASS] = { .key = "match", .sub = "vendor-class", .sub_what = "criterion",
				       .expect = "a vendor class prefix, e.g. \"HTTPClient\"", .store = store_text,
				       .offset = CLASS_FIELD(vendor_class, char *) },
	[CLASS_MATCH_ANY] = { .key = "match", .sub = "any", .sub_what = "criterion", .expect = "nothing" },
	[CLASS_BOOT_TFTP] = BOOT_SETTINGS(struct policy_class),
};

_Static_assert(CLASS_BOOT_HTTPS + 1 == ARRAY_SIZE(class_settings), "class boot settings out of order");

/* The name after `class` or `kickstart`: read it, check it, and check that
 * none of the n items already stored (their names stride bytes apart from
 * first_name, their positions in at[]) has it.  Returns -1 when there is no
 * name (nothing more to read), 1 when it may be stored, 0 when it is not a
 * valid name.  Errors are reported and mark the statement failed. */
static int read_item_name(struct parser *ps, struct stmt *st, const char *what, const char *example,
			  const char *first_name, size_t stride, size_t n, const struct loc *at)
{
	struct token *t = &ps->tok;
	char why[80], q[QUOTE_CAP];
	const char *problem;

	next_token(ps);
	if (!is_value(t)) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing %s name (e.g. %s)", what, example);
		return -1;
	}
	st->name_at = t->at;
	problem = name_problem(t->text, t->len, t->too_long, why, sizeof why);
	if (problem) {
		error_at(ps, t->at, "%s name %s %s", what, quote(q, sizeof q, t->text, t->len), problem);
		st->failed = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(first_name + i * stride, t->text) == 0) {
			error_at(ps, t->at, "%s %s is already defined at line %u", what, t->text, at[i].line);
			st->failed = true;
			break;
		}
	}
	return 1;
}

static int class_begin(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct policy_class *c;
	int named = read_item_name(ps, st, "class", "class uefi match arch 7 9 boot tftp \"ipxe.efi\"",
				   d->classes[0].name, sizeof d->classes[0], d->n_classes, ps->class_at);

	if (named < 0)
		return -1;
	c = next_slot(ps, st, &d->classes[d->n_classes < POLICY_MAX_CLASSES ? d->n_classes : 0],
		      &ps->spare.cls, sizeof *c, d->n_classes, POLICY_MAX_CLASSES, "classes");
	if (named)
		memcpy(c->name, ps->tok.text, ps->tok.len + 1);
	return 0;
}

static void class_finish(struct parser *ps, struct stmt *st)
{
	struct policy_dhcp *d = &ps->p->dhcp;
	struct policy_class *c = st->target;

	if (!given_any(st, CLASS_MATCH_ARCH, CLASS_MATCH_ANY)) {
		error_at(ps, st->name_at,
			 "class %s needs a match (match arch, match user-class, match vendor-class or match any)",
			 c->name);
		return;
	}
	if (given(st, CLASS_MATCH_ANY) && given_any(st, CLASS_MATCH_ARCH, CLASS_MATCH_VENDOR_CLASS)) {
		error_at(ps, st->value_at[CLASS_MATCH_ANY], "match any cannot be combined with other match criteria");
		return;
	}
	if (!given_any(st, CLASS_BOOT_TFTP, CLASS_BOOT_HTTPS)) {
		error_at(ps, st->name_at, "class %s needs a boot target (e.g. boot tftp \"ipxe.efi\")", c->name);
		return;
	}
	if (ps->any_class) {
		size_t i = ps->any_class - 1;

		error_at(ps, st->name_at, "class %s can never match: class %s at line %u matches every client first",
			 c->name, d->classes[i].name, ps->class_at[i].line);
		return;
	}
	if (given(st, CLASS_MATCH_ANY))
		ps->any_class = d->n_classes + 1;
	ps->class_boot_at[d->n_classes] = boot_at(st, CLASS_BOOT_TFTP, CLASS_BOOT_HTTPS);
	ps->class_at[d->n_classes++] = st->name_at;
}

/* kickstart NAME template PATH [kernel URLPATH [initrd URLPATH] [append TEXT]]
 *           [lifetime D] [one-time on|off] [verify on|off] */

enum { KS_TEMPLATE, KS_KERNEL, KS_INITRD, KS_APPEND, KS_LIFETIME, KS_ONE_TIME, KS_VERIFY };

#define KS_FIELD(f, type) FIELD(struct policy_kickstart, f, type)

static const struct setting kickstart_settings[] = {
	[KS_TEMPLATE] = SETTING("template", "an absolute path, e.g. \"/etc/bootward/ks/centos7.ks\"",
				store_abs_path, 0, 0, KS_FIELD(template_path, char *), 0),
	[KS_KERNEL] = SETTING("kernel", "a URL path on this server, e.g. \"/centos7/vmlinuz\"", store_url_path, 0,
			      0, KS_FIELD(kernel, char *), 0),
	[KS_INITRD] = SETTING("initrd", "a URL path on this server, e.g. \"/centos7/initrd.img\"", store_url_path,
			      0, 0, KS_FIELD(initrd, char *), 0),
	[KS_APPEND] = SETTING("append", "a kernel command line, e.g. \"inst.ks=file:/ks.cfg\"", store_cmdline, 0,
			      0, KS_FIELD(append, char *), 0),
	[KS_LIFETIME] = SETTING("lifetime", "a duration, e.g. 2h", store_seconds, 60, 7 * DAY_S,
				KS_FIELD(lifetime_s, uint32_t), 0),
	[KS_ONE_TIME] = SETTING("one-time", "on or off", store_switch, 0, 0, KS_FIELD(one_time, bool), 0),
	[KS_VERIFY] = SETTING("verify", "on or off", store_switch, 0, 0, KS_FIELD(verify, bool), 0),
};

static int kickstart_begin(struct parser *ps, struct stmt *st)
{
	struct policy *p = ps->p;
	int named = read_item_name(ps, st, "kickstart",
				   "kickstart centos7 template \"/etc/bootward/ks/centos7.ks\"",
				   p->kickstarts[0].name, sizeof p->kickstarts[0], p->n_kickstarts, ps->ks_at);

	if (named < 0)
		return -1;
	struct policy_kickstart *k =
		next_slot(ps, st, &p->kickstarts[p->n_kickstarts < POLICY_MAX_KICKSTARTS ? p->n_kickstarts : 0],
			  &ps->spare.ks, sizeof *k, p->n_kickstarts, POLICY_MAX_KICKSTARTS, "kickstarts");
	if (named)
		memcpy(k->name, ps->tok.text, ps->tok.len + 1);
	k->lifetime_s = HOUR_S;
	k->verify = true;
	return 0;
}

static void kickstart_finish(struct parser *ps, struct stmt *st)
{
	struct policy *p = ps->p;
	struct policy_kickstart *k = st->target;

	if (!given(st, KS_TEMPLATE)) {
		error_at(ps, st->name_at, "kickstart %s needs a template (e.g. template \"/etc/bootward/ks/%s.ks\")",
			 k->name, k->name);
		return;
	}
	if (!given(st, KS_KERNEL) && (given_any(st, KS_INITRD, KS_APPEND) || given(st, KS_VERIFY))) {
		int at = given(st, KS_INITRD) ? KS_INITRD : given(st, KS_APPEND) ? KS_APPEND : KS_VERIFY;
		error_at(ps, st->value_at[at], "initrd, append and verify belong to a kernel (e.g. kernel \"/%s/vmlinuz\")",
			 k->name);
		return;
	}
	if (st->failed || k != &p->kickstarts[p->n_kickstarts])
		return;
	ps->ks_at[p->n_kickstarts++] = st->name_at;
}

enum { STMT_INTERFACE, STMT_SANDBOX, STMT_TFTP, STMT_HTTPS, STMT_DHCP, STMT_SUBNET, STMT_HOST, STMT_DENY, STMT_CLASS,
       STMT_KICKSTART };

#define STATEMENT(kw, name, once, table, prefix) \
	{ kw, name, once, table, ARRAY_SIZE(table), prefix##_begin, prefix##_finish }

static const struct statement statements[] = {
	[STMT_INTERFACE] = STATEMENT("interface", "name", false, interface_settings, interface),
	[STMT_SANDBOX] = STATEMENT("sandbox", NULL, true, sandbox_settings, sandbox),
	[STMT_TFTP] = STATEMENT("tftp", NULL, true, tftp_settings, tftp),
	[STMT_HTTPS] = STATEMENT("https", NULL, true, https_settings, https),
	[STMT_KICKSTART] = STATEMENT("kickstart", "name", false, kickstart_settings, kickstart),
	[STMT_DHCP] = STATEMENT("dhcp", "mode", true, dhcp_settings, dhcp),
	[STMT_SUBNET] = STATEMENT("subnet", "network", false, subnet_settings, subnet),
	[STMT_HOST] = STATEMENT("host", "name", false, host_settings, host),
	[STMT_DENY] = STATEMENT("deny", NULL, false, deny_settings, deny),
	[STMT_CLASS] = STATEMENT("class", "name", false, class_settings, class),
};

_Static_assert(ARRAY_SIZE(statements) <= ARRAY_SIZE(((struct parser *)0)->first_at),
	       "parser.first_at too small");
/* struct stmt keeps one bit and three positions per setting. */
_Static_assert(ARRAY_SIZE(interface_settings) <= SETTINGS_MAX, "too many interface settings");
_Static_assert(ARRAY_SIZE(sandbox_settings) <= SETTINGS_MAX, "too many sandbox settings");
_Static_assert(ARRAY_SIZE(tftp_settings) <= SETTINGS_MAX, "too many tftp settings");
_Static_assert(ARRAY_SIZE(https_settings) <= SETTINGS_MAX, "too many https settings");
_Static_assert(ARRAY_SIZE(kickstart_settings) <= SETTINGS_MAX, "too many kickstart settings");
_Static_assert(ARRAY_SIZE(dhcp_settings) <= SETTINGS_MAX, "too many dhcp settings");
_Static_assert(ARRAY_SIZE(subnet_settings) <= SETTINGS_MAX, "too many subnet settings");
_Static_assert(ARRAY_SIZE(host_settings) <= SETTINGS_MAX, "too many host settings");
_Static_assert(ARRAY_SIZE(deny_settings) <= SETTINGS_MAX, "too many deny settings");
_Static_assert(ARRAY_SIZE(class_settings) <= SETTINGS_MAX, "too many class settings");

/* ---- grammar ---------------------------------------------------------- */

/* "a, b, c" into buf: the words a statement or setting may be. */
static void list_statements(char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(statements); i++)
		append(buf, cap, &used, "%s%s", i ? ", " : "", statements[i].keyword);
}

/* The keys of a statement's settings, each once. */
static void list_settings(char *buf, size_t cap, const struct statement *def)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < def->n_settings; i++)
		if (i == 0 || strcmp(def->settings[i - 1].key, def->settings[i].key) != 0)
			append(buf, cap, &used, "%s%s", i ? ", " : "", def->settings[i].key);
}

/* The words that may follow key. */
static void list_subs(char *buf, size_t cap, const struct statement *def, const char *key)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < def->n_settings; i++)
		if (strcmp(def->settings[i].key, key) == 0)
			append(buf, cap, &used, "%s%s", used ? ", " : "", def->settings[i].sub);
}

static const struct statement *find_statement(const struct token *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(statements); i++)
		if (strcmp(statements[i].keyword, t->text) == 0)
			return &statements[i];
	return NULL;
}

/* The (first) entry with the token as key. */
static const struct setting *find_setting(const struct statement *def, const struct token *t)
{
	for (size_t i = 0; i < def->n_settings; i++)
		if (strcmp(def->settings[i].key, t->text) == 0)
			return &def->settings[i];
	return NULL;
}

static const struct setting *find_sub(const struct statement *def, const char *key, const struct token *t)
{
	for (size_t i = 0; i < def->n_settings; i++)
		if (strcmp(def->settings[i].key, key) == 0 && strcmp(def->settings[i].sub, t->text) == 0)
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

/* `key word` with the key current: the entry the word selects, with the
 * word current; NULL after reporting and skipping. */
static const struct setting *parse_sub_word(struct parser *ps, struct stmt *st, const struct setting *s,
					    bool in_block)
{
	struct token *t = &ps->tok;
	char d[QUOTE_CAP + 8], list[120];
	const struct setting *sub;

	next_token(ps);
	list_subs(list, sizeof list, st->def, s->key);
	if (t->type != TOK_WORD) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing %s after %s in %s before %s (expected one of: %s)", s->sub_what,
				 s->key, st->def->keyword, describe(d, sizeof d, t), list);
		fail_and_skip(ps, st, in_block);
		return NULL;
	}
	sub = find_sub(st->def, s->key, t);
	if (!sub) {
		error_at(ps, t->at, "unknown %s %s %s in %s (expected one of: %s)", s->key, s->sub_what,
			 quote(d, sizeof d, t->text, t->len), st->def->keyword, list);
		fail_and_skip(ps, st, in_block);
		return NULL;
	}
	return sub;
}

/* Where the setting was given before in this statement, or NULL.  Of an
 * exclusive key any one entry counts. */
static const struct loc *given_before(const struct stmt *st, const struct setting *s)
{
	const struct statement *def = st->def;

	if (!s->exclusive)
		return given(st, setting_index(st, s)) ? &st->key_at[setting_index(st, s)] : NULL;
	for (size_t i = 0; i < def->n_settings; i++)
		if (strcmp(def->settings[i].key, s->key) == 0 && given(st, i))
			return &st->key_at[i];
	return NULL;
}

/* One value (or list element) into place. */
static int read_value(struct parser *ps, struct stmt *st, const struct setting *s, const struct token *v)
{
	char n[SETTING_NAME_MAX];

	if (v->too_long) {
		error_at(ps, v->at, "value of %s is too long (at most %d bytes)", setting_name(s, n, sizeof n),
			 TOKEN_MAX - 1);
		return -1;
	}
	return s->store(ps, st, s, v);
}

/* The values of a list with its first value current; leaves the token after
 * the last value current (inside the statement, unless reported). */
static void parse_list(struct parser *ps, struct stmt *st, const struct setting *s, bool in_block)
{
	const struct list_spec *l = s->list;
	struct token *t = &ps->tok;
	size_t idx = setting_index(st, s), n = 0;
	bool all_read = true;
	char buf[SETTING_NAME_MAX], e[QUOTE_CAP], d[QUOTE_CAP + 8];
	const char *name = setting_name(s, buf, sizeof buf);

	for (;;) {
		if (n == l->max) {
			error_at(ps, t->at, "too many values for %s (at most %zu)", name, l->max);
			st->failed = true;
			while (is_value(t) && l->continues(t))
				next_token(ps);
			break;
		}
		st->elem = n;
		st->last_at[idx] = t->at;
		if (read_value(ps, st, s, t) < 0) {
			st->failed = true;
			all_read = false;
		} else if (l->unique && all_read) {
			const char *elem = value_dst(st, s);

			for (size_t i = 0; i < n; i++) {
				if (memcmp(elem - (n - i) * l->elem_size, elem, l->elem_size) == 0) {
					error_at(ps, t->at, "%s %s is listed twice", name, echo_value(e, sizeof e, t));
					st->failed = true;
					all_read = false;
					break;
				}
			}
		}
		n++;
		next_token(ps);
		if (!l->continues(t))
			break;
	}
	st->elem = 0;
	if (n < l->min) {
		if (t->type != TOK_ERROR)
			error_at(ps, t->at, "missing value for %s in %s before %s (expected %s)", name,
				 st->def->keyword, describe(d, sizeof d, t), s->expect);
		fail_and_skip(ps, st, in_block);
		return;
	}
	if (l->has_count)
		memcpy(field(st, l->count_offset), &n, sizeof n);
}

/* `key value`, `key value ...` or `key word [value ...]` with the key
 * current; leaves the token after the last value current. */
static void parse_setting(struct parser *ps, struct stmt *st, bool in_block)
{
	const struct setting *s = find_setting(st->def, &ps->tok);
	struct token *t = &ps->tok;
	struct loc key_at = t->at;
	const struct loc *before;
	char d[QUOTE_CAP + 8], name[SETTING_NAME_MAX];

	if (!s) {
		unknown_setting(ps, st, in_block);
		fail_and_skip(ps, st, in_block);
		return;
	}
	if (s->sub) {
		s = parse_sub_word(ps, st, s, in_block);
		if (!s)
			return;
	}

	size_t idx = setting_index(st, s);

	if (s->store) {
		next_token(ps);
		if (!is_value(t) || (s->list && !s->list->continues(t))) {
			if (t->type != TOK_ERROR)
				error_at(ps, t->at, "missing value for %s in %s before %s (expected %s)",
					 setting_name(s, name, sizeof name), st->def->keyword, describe(d, sizeof d, t),
					 s->expect);
			fail_and_skip(ps, st, in_block);
			return;
		}
	}
	before = given_before(st, s);
	if (before) {
		error_at(ps, key_at, "%s is given twice in this %s statement (first at line %u, column %u)",
			 s->exclusive ? s->key : setting_name(s, name, sizeof name), st->def->keyword,
			 before->line, before->column);
		st->failed = true;
		/* Skip the value, or all the values of a list. */
		next_token(ps);
		while (s->list && s->store && s->list->continues(t))
			next_token(ps);
		return;
	}
	st->seen |= 1u << idx;
	st->key_at[idx] = key_at;
	st->value_at[idx] = t->at;
	if (!s->store) {
		next_token(ps);
	} else if (s->list) {
		parse_list(ps, st, s, in_block);
	} else {
		if (read_value(ps, st, s, t) < 0)
			st->failed = true;
		next_token(ps);
	}
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
			error_at(ps, t->at, "unexpected '{' (a block must open right after %s%s%s)",
				 st->def->keyword, st->name_at.line ? " and its " : "",
				 st->name_at.line ? st->def->name_word : "");
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

/* ---- checks across statements ---------------------------------------- */

/* Checks of the DHCP part that need the whole file, made after it is read;
 * each is reported at the word that breaks the rule. */
static void check_dhcp(struct parser *ps)
{
	static const unsigned need_dhcp[] = { STMT_SUBNET, STMT_HOST, STMT_DENY, STMT_CLASS };
	const struct policy_dhcp *d = &ps->p->dhcp;
	char a[ADDR_MAX], m[MAC_TEXT_MAX], n1[SUBNET_TEXT_MAX], n2[SUBNET_TEXT_MAX], r[RANGE_TEXT_MAX], why[80];

	if (!ps->first_at[STMT_DHCP].line) {
		/* Once per kind of statement: one missing line, not one error per host. */
		for (size_t k = 0; k < ARRAY_SIZE(need_dhcp); k++) {
			const struct statement *def = &statements[need_dhcp[k]];

			if (ps->first_at[need_dhcp[k]].line)
				error_at(ps, ps->first_at[need_dhcp[k]],
					 "%s needs a dhcp statement (dhcp authoritative, or dhcp proxy beside "
					 "another DHCP server)", def->keyword);
		}
		return;
	}

	for (size_t i = 0; i < d->n_subnets; i++) {
		const struct policy_subnet *sn = &d->subnets[i];

		for (size_t j = 0; j < i; j++) {
			const struct policy_subnet *o = &d->subnets[j];
			unsigned shorter = sn->prefix_len < o->prefix_len ? sn->prefix_len : o->prefix_len;

			if (((subnet_first(sn) ^ subnet_first(o)) & prefix_mask(shorter)) == 0) {
				format_subnet(n1, sizeof n1, sn);
				format_subnet(n2, sizeof n2, o);
				error_at(ps, ps->subnet_at[i], "subnet %s overlaps subnet %s at line %u", n1, n2,
					 ps->subnet_at[j].line);
				break;
			}
		}
		if (d->mode == POLICY_DHCP_PROXY && has_range(sn))
			error_at(ps, ps->range_at[i],
				 "range in dhcp proxy mode: proxy mode hands out no addresses "
				 "(the other DHCP server does)");
	}

	for (size_t i = 0; i < d->n_deny; i++) {
		for (size_t j = 0; j < d->n_hosts; j++) {
			if (memcmp(d->deny[i], d->hosts[j].mac, sizeof d->deny[i]) == 0) {
				format_mac(m, sizeof m, d->deny[i]);
				error_at(ps, ps->deny_at[i], "mac %s is denied here but served as host %s at line %u",
					 m, d->hosts[j].name, ps->host_at[j].name.line);
				break;
			}
		}
	}

	if (d->mode != POLICY_DHCP_AUTHORITATIVE)
		return;
	if (!ps->first_at[STMT_SUBNET].line && ps->dhcp_mode_at.line)
		error_at(ps, ps->dhcp_mode_at,
			 "dhcp authoritative needs a subnet to serve (or use dhcp proxy beside another DHCP server)");
	for (size_t i = 0; i < d->n_hosts; i++) {
		const struct policy_host *h = &d->hosts[i];
		uint32_t addr = ntohl(h->address.s_addr);
		const struct policy_subnet *in = NULL;

		if (h->address.s_addr == 0)
			continue;
		for (size_t j = 0; j < d->n_subnets && !in; j++)
			if (addr >= subnet_first(&d->subnets[j]) && addr <= subnet_last(&d->subnets[j]))
				in = &d->subnets[j];
		format_addr(a, sizeof a, h->address);
		if (!in) {
			error_at(ps, ps->host_at[i].address, "host %s: fixed address %s is in none of the subnets",
				 h->name, a);
		} else if (host_in_subnet_problem(in, addr, why, sizeof why)) {
			error_at(ps, ps->host_at[i].address, "host %s: fixed address %s %s", h->name, a, why);
		} else if (in_range(in, addr)) {
			format_range(r, sizeof r, in);
			error_at(ps, ps->host_at[i].address,
				 "host %s: fixed address %s inside range %s: it could be given to another client",
				 h->name, a, r);
		}
	}
}

/* Boot URLs name this server's address.  Without an https statement, HTTP(S)
 * may be served by another program at that address, so boot http and boot
 * https are accepted as they are; with one, httpsd owns the address, and
 * boot http needs its plain-http port. */
static void check_boot(struct parser *ps)
{
	const struct policy_dhcp *d = &ps->p->dhcp;
	const struct policy_https *h = &ps->p->https;
	static const char fix[] = "add plain-http 80 to the https statement, or boot https";

	if (!ps->first_at[STMT_DHCP].line || !ps->https_read || h->plain_port)
		return;
	for (size_t i = 0; i < d->n_classes; i++)
		if (d->classes[i].boot.proto == POLICY_BOOT_HTTP)
			error_at(ps, ps->class_boot_at[i],
				 "class %s boots over http, but the https statement at line %u has plain-http off (%s)",
				 d->classes[i].name, ps->first_at[STMT_HTTPS].line, fix);
	for (size_t i = 0; i < d->n_hosts; i++)
		if (d->hosts[i].boot.proto == POLICY_BOOT_HTTP)
			error_at(ps, ps->host_at[i].boot,
				 "host %s boots over http, but the https statement at line %u has plain-http off (%s)",
				 d->hosts[i].name, ps->first_at[STMT_HTTPS].line, fix);
}

/* A host's kickstart names a kickstart statement. */
static void check_kickstarts(struct parser *ps)
{
	const struct policy *p = ps->p;
	const struct policy_dhcp *d = &p->dhcp;

	for (size_t i = 0; i < d->n_hosts; i++) {
		const char *name = d->hosts[i].kickstart;
		bool found = false;
		if (!name[0])
			continue;
		for (size_t k = 0; k < p->n_kickstarts && !found; k++)
			found = strcmp(p->kickstarts[k].name, name) == 0;
		if (!found && !ps->first_at[STMT_KICKSTART].line)
			error_at(ps, ps->host_at[i].kickstart,
				 "host %s names kickstart %s, but there is no kickstart statement "
				 "(e.g. kickstart %s template \"/etc/bootward/ks/%s.ks\")",
				 d->hosts[i].name, name, name, name);
		else if (!found)
			error_at(ps, ps->host_at[i].kickstart, "host %s names kickstart %s, which is not defined",
				 d->hosts[i].name, name);
	}
}

/* Errors e[from..count) into file order (they were found by kind). */
static void sort_errors(struct policy_errors *errs, size_t from)
{
	for (size_t i = from + 1; i < errs->count; i++) {
		struct policy_error e = errs->e[i];
		size_t j = i;

		for (; j > from && (errs->e[j - 1].line > e.line ||
				    (errs->e[j - 1].line == e.line && errs->e[j - 1].column > e.column)); j--)
			errs->e[j] = errs->e[j - 1];
		errs->e[j] = e;
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
	copy_string(p->https.root, sizeof p->https.root, HTTPS_ROOT_DEFAULT);
	p->https.port = 443;
	p->https.max_connections = 4096;
	p->https.max_per_client = 64;
	p->https.header_timeout_ms = 10000;
	p->https.idle_timeout_ms = 60000;
	p->https.access_log = true;
	p->https.key_ops_rate = 1000;
	p->dhcp.offer_hold_s = OFFER_HOLD_DEFAULT_S;
	p->dhcp.max_discover_per_mac_s = DISCOVER_PER_MAC_DEFAULT;
	p->dhcp.max_discover_per_s = DISCOVER_DEFAULT;
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

	/* The position tables at the end are written before they are read. */
	memset(&ps, 0, offsetof(struct parser, subnet_at));
	ps.lx.s = (const unsigned char *)text;
	ps.lx.len = len;
	ps.lx.at = start;
	ps.p = p;
	ps.errs = errs;
	parse_file(&ps);

	size_t checked_from = errs->count;

	check_dhcp(&ps);
	check_boot(&ps);
	check_kickstarts(&ps);
	sort_errors(errs, checked_from);
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
