/* tftp.c — TFTP wire codec and transfer state machines (see tftp.h).
 *
 * Blocks are counted from 1 with 64-bit numbers; only the low 16 bits go on
 * the wire, so transfers of more than 65535 blocks roll over 65535 -> 0.
 * Incoming block numbers are mapped back into the current window.
 */
#include "tftpd/tftp.h"
#include "common/bytes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define TFTP_TIMEOUT_DEFAULT_MS 1000  /* when the limits give none */
#define TFTP_BACKOFF_MAX 4            /* timeout grows to at most 4x the negotiated one */
#define TFTP_WINDOWSIZE_REQ_MAX 65535 /* RFC 7440 range of a requested window */
#define TFTP_TIMEOUT_REQ_MAX 255      /* RFC 2349 range of a requested timeout */
#define WINDOW_RING (TFTP_WINDOWSIZE_MAX + 1)
#define NETASCII_CHUNK 1024           /* source bytes read per read_at in netascii */

/* Bits of tftp_xfer.acked_opts. */
enum {
	ACK_BLKSIZE = 1, ACK_TSIZE = 2, ACK_WINDOWSIZE = 4, ACK_TIMEOUT = 8,
};

/* ---- small helpers ------------------------------------------------------ */



static uint8_t ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Case-insensitive (ASCII only, locale-free) comparison with a lowercase literal. */
static bool ascii_ieq(const uint8_t *s, size_t n, const char *lit)
{
	for (size_t i = 0; i < n; i++)
		if (lit[i] == '\0' || ascii_lower(s[i]) != (uint8_t)lit[i])
			return false;
	return lit[n] == '\0';
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- request parsing ---------------------------------------------------- */

/* One NUL-terminated string of a request packet. */
struct field {
	const uint8_t *s;
	size_t len; /* without the NUL */
};

/* Take the field starting at *pos; false when no NUL ends it inside the packet. */
static bool take_field(const uint8_t *pkt, size_t len, size_t *pos, struct field *f)
{
	const uint8_t *nul;

	if (*pos >= len)
		return false;
	nul = memchr(pkt + *pos, 0, len - *pos);
	if (!nul)
		return false;
	f->s = pkt + *pos;
	f->len = (size_t)(nul - f->s);
	*pos += f->len + 1;
	return true;
}

/* A non-empty run of decimal digits whose value is at most max. */
static bool parse_number(const struct field *f, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (f->len == 0)
		return false;
	for (size_t i = 0; i < f->len; i++) {
		uint8_t c = f->s[i];
		if (c < '0' || c > '9')
			return false;
		if (v > (max - (uint64_t)(c - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(c - '0');
	}
	*out = v;
	return true;
}

enum option_id { OPT_BLKSIZE, OPT_TSIZE, OPT_TIMEOUT, OPT_WINDOWSIZE, OPT_COUNT };

/* Recognised options and the largest value their request field can hold;
 * the RFC ranges are checked later, in negotiation. */
static const struct {
	const char *name;
	uint64_t max;
} known_options[OPT_COUNT] = {
	[OPT_BLKSIZE] = { "blksize", UINT32_MAX },
	[OPT_TSIZE] = { "tsize", UINT64_MAX },
	[OPT_TIMEOUT] = { "timeout", UINT32_MAX },
	[OPT_WINDOWSIZE] = { "windowsize", UINT32_MAX },
};

static int find_option(const struct field *name)
{
	for (int i = 0; i < OPT_COUNT; i++)
		if (ascii_ieq(name->s, name->len, known_options[i].name))
			return i;
	return -1;
}

static void store_option(struct tftp_request *req, int id, uint64_t v)
{
	switch (id) {
	case OPT_BLKSIZE:
		req->has_blksize = true;
		req->blksize = (uint32_t)v;
		break;
	case OPT_TSIZE:
		req->has_tsize = true;
		req->tsize = v;
		break;
	case OPT_TIMEOUT:
		req->has_timeout = true;
		req->timeout = (uint32_t)v;
		break;
	case OPT_WINDOWSIZE:
		req->has_windowsize = true;
		req->windowsize = (uint32_t)v;
		break;
	}
}

/* RFC 2347 name/value pairs after the mode.  A recognised option given twice
 * is refused rather than resolved, so no two readers can disagree on it. */
static int parse_options(const uint8_t *pkt, size_t len, size_t pos,
			 struct tftp_request *req, const char **why)
{
	unsigned seen = 0;

	while (pos < len) {
		struct field name, value;
		uint64_t v;
		int id;

		if (!take_field(pkt, len, &pos, &name)) {
			*why = "option name not terminated";
			return TFTP_EOPTNEG;
		}
		if (name.len == 0) {
			*why = "empty option name";
			return TFTP_EOPTNEG;
		}
		if (!take_field(pkt, len, &pos, &value)) {
			*why = "option without value";
			return TFTP_EOPTNEG;
		}
		id = find_option(&name);
		if (id < 0)
			continue;
		if (seen & (1u << id)) {
			*why = "duplicate option";
			return TFTP_EOPTNEG;
		}
		seen |= 1u << id;
		if (!parse_number(&value, known_options[id].max, &v)) {
			*why = "malformed option value";
			return TFTP_EOPTNEG;
		}
		store_option(req, id, v);
	}
	return 0;
}

static int parse_mode(const struct field *mode, struct tftp_request *req, const char **why)
{
	if (ascii_ieq(mode->s, mode->len, "octet")) {
		req->mode = TFTP_MODE_OCTET;
		return 0;
	}
	if (ascii_ieq(mode->s, mode->len, "netascii")) {
		req->mode = TFTP_MODE_NETASCII;
		return 0;
	}
	*why = ascii_ieq(mode->s, mode->len, "mail") ? "mail mode not supported"
						      : "unknown transfer mode";
	return TFTP_EBADOP;
}

int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req,
		       const char **why)
{
	struct field name, mode;
	const char *unused;
	size_t pos = 2;
	uint16_t op;
	int rc;

	if (!why)
		why = &unused;
	memset(req, 0, sizeof *req);
	*why = "malformed request";
	if (!pkt || len < 2)
		return TFTP_EBADOP;
	op = get16(pkt);
	if (op != TFTP_RRQ && op != TFTP_WRQ) {
		*why = "not a read or write request";
		return TFTP_EBADOP;
	}
	req->op = (enum tftp_opcode)op;
	if (!take_field(pkt, len, &pos, &name)) {
		*why = "file name not terminated";
		return TFTP_EBADOP;
	}
	if (name.len == 0) {
		*why = "empty file name";
		return TFTP_EBADOP;
	}
	if (name.len > TFTP_FILENAME_MAX) {
		*why = "file name too long";
		return TFTP_EBADOP;
	}
	memcpy(req->filename, name.s, name.len);
	req->filename[name.len] = '\0';
	if (!take_field(pkt, len, &pos, &mode)) {
		*why = "mode not terminated";
		return TFTP_EBADOP;
	}
	rc = parse_mode(&mode, req, why);
	if (rc)
		return rc;
	rc = parse_options(pkt, len, pos, req, why);
	if (rc)
		return rc;
	*why = "ok";
	return 0;
}

/* ---- path normalisation ------------------------------------------------- */

static bool path_char_ok(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '\\';
}

int tftp_path_normalize(const char *name, char *out, size_t cap)
{
	const char *p = name;
	size_t used = 0;

	if (!out || cap == 0)
		return -1;
	out[0] = '\0';
	if (!name)
		return -1;
	for (;;) {
		const char *comp;
		size_t n;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		comp = p;
		while (*p != '\0' && *p != '/') {
			if (!path_char_ok((unsigned char)*p))
				goto refuse;
			p++;
		}
		n = (size_t)(p - comp);
		if ((n == 1 && comp[0] == '.') || (n == 2 && comp[0] == '.' && comp[1] == '.'))
			goto refuse;
		/* room for the separator, the component and the final NUL */
		if (n + (used ? 1 : 0) >= cap - used)
			goto refuse;
		if (used)
			out[used++] = '/';
		memcpy(out + used, comp, n);
		used += n;
	}
	if (used == 0)
		goto refuse;
	out[used] = '\0';
	return 0;
refuse:
	out[0] = '\0';
	return -1;
}

/* ---- packet builders ---------------------------------------------------- */

size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg)
{
	size_t mlen = msg ? strlen(msg) : 0;

	if (!buf || cap < 5 || mlen > cap - 5)
		return 0;
	put16(buf, TFTP_ERROR);
	put16(buf + 2, code);
	if (mlen)
		memcpy(buf + 4, msg, mlen);
	buf[4 + mlen] = 0;
	return 5 + mlen;
}

size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block)
{
	if (!buf || cap < 4)
		return 0;
	put16(buf, TFTP_ACK);
	put16(buf + 2, block);
	return 4;
}

/* ---- transfer plumbing -------------------------------------------------- */

struct option_value {
	const char *name;
	uint64_t value;
};

/* The acknowledged options, in the order they are reported. */
static size_t acked_options(const struct tftp_xfer *x, struct option_value v[4])
{
	size_t n = 0;

	if (x->acked_opts & ACK_BLKSIZE)
		v[n++] = (struct option_value){ "blksize", x->blksize };
	if (x->acked_opts & ACK_TSIZE)
		v[n++] = (struct option_value){ "tsize", x->file_size };
	if (x->acked_opts & ACK_WINDOWSIZE)
		v[n++] = (struct option_value){ "windowsize", x->windowsize };
	if (x->acked_opts & ACK_TIMEOUT)
		v[n++] = (struct option_value){ "timeout", x->timeout_ms / 1000 };
	return n;
}

static void format_options(struct tftp_xfer *x)
{
	struct option_value v[4];
	size_t n = acked_options(x, v), used = 0;

	snprintf(x->options, sizeof x->options, "-");
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(x->options + used, sizeof x->options - used, "%s%s=%" PRIu64,
				 i ? " " : "", v[i].name, v[i].value);
		if (w < 0 || (size_t)w >= sizeof x->options - used)
			break;
		used += (size_t)w;
	}
}

/* Append s with its NUL at *len; false when it does not fit. */
static bool put_string(uint8_t *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s) + 1;

	if (*len > cap || n > cap - *len)
		return false;
	memcpy(buf + *len, s, n);
	*len += n;
	return true;
}

static size_t build_oack(struct tftp_xfer *x)
{
	struct option_value v[4];
	size_t n = acked_options(x, v), len = 2;

	put16(x->pkt, TFTP_OACK);
	for (size_t i = 0; i < n; i++) {
		char num[24];

		snprintf(num, sizeof num, "%" PRIu64, v[i].value);
		if (!put_string(x->pkt, sizeof x->pkt, &len, v[i].name) ||
		    !put_string(x->pkt, sizeof x->pkt, &len, num))
			return 0;
	}
	return len;
}

/* A send failure is a lost packet: the timeout recovers it. */
static void send_pkt(struct tftp_xfer *x, size_t len)
{
	if (len)
		(void)x->io.send(x->io.ctx, x->pkt, len);
}

static void arm_timer(struct tftp_xfer *x, uint64_t now_ms)
{
	x->deadline_ms = now_ms > UINT64_MAX - x->rto_ms ? UINT64_MAX : now_ms + x->rto_ms;
}

static void xfer_done(struct tftp_xfer *x)
{
	x->state = TFTP_DONE;
	snprintf(x->outcome, sizeof x->outcome, "ok");
}

/* Tell the peer why, and stop. */
static void xfer_fail(struct tftp_xfer *x, uint16_t code, const char *msg)
{
	send_pkt(x, tftp_build_error(x->pkt, sizeof x->pkt, code, msg));
	x->state = TFTP_FAILED;
	x->err_code = code;
	snprintf(x->outcome, sizeof x->outcome, "%s", msg);
}

/* Progress was made: the next silence is timed from now with a fresh budget. */
static void reset_backoff(struct tftp_xfer *x)
{
	x->tries = 0;
	x->rto_ms = x->timeout_ms;
}

static void negotiate(struct tftp_xfer *x, const struct tftp_request *req,
		      const struct tftp_limits *lim)
{
	if (req->has_blksize && req->blksize >= TFTP_BLKSIZE_MIN &&
	    req->blksize <= TFTP_BLKSIZE_MAX) {
		uint32_t max = clamp_u32(lim->max_blksize, TFTP_BLKSIZE_MIN, TFTP_BLKSIZE_MAX);
		x->blksize = req->blksize < max ? req->blksize : max;
		x->acked_opts |= ACK_BLKSIZE;
	}
	if (req->has_windowsize && req->windowsize >= 1 &&
	    req->windowsize <= TFTP_WINDOWSIZE_REQ_MAX) {
		uint32_t max = clamp_u32(lim->max_windowsize, 1, TFTP_WINDOWSIZE_MAX);
		x->windowsize = req->windowsize < max ? req->windowsize : max;
		x->acked_opts |= ACK_WINDOWSIZE;
	}
	if (req->has_timeout && req->timeout >= 1 && req->timeout <= TFTP_TIMEOUT_REQ_MAX) {
		x->timeout_ms = req->timeout * 1000;
		x->acked_opts |= ACK_TIMEOUT;
	}
}

/* Common set-up of both directions; returns -1 (after failing) for a request
 * that cannot be served. */
static int xfer_init(struct tftp_xfer *x, enum tftp_opcode op, const struct tftp_request *req,
		     const struct tftp_limits *lim, const struct tftp_io *io)
{
	memset(x, 0, offsetof(struct tftp_xfer, pkt));
	x->state = TFTP_RUNNING;
	x->op = op;
	x->io = *io;
	x->mode = req->mode;
	x->blksize = TFTP_BLKSIZE_DEFAULT;
	x->windowsize = 1;
	x->timeout_ms = lim->timeout_ms ? lim->timeout_ms : TFTP_TIMEOUT_DEFAULT_MS;
	x->retries_max = lim->retries;
	x->upload_max = lim->upload_max;
	x->base = 1;
	x->next = 1;
	x->last = UINT64_MAX;
	x->wr_cur.pending = -1;
	snprintf(x->options, sizeof x->options, "-");
	if (req->op != op ||
	    (req->mode != TFTP_MODE_OCTET && req->mode != TFTP_MODE_NETASCII)) {
		xfer_fail(x, TFTP_EBADOP, "bad request");
		return -1;
	}
	negotiate(x, req, lim);
	reset_backoff(x);
	return 0;
}

static void peer_error(struct tftp_xfer *x, const uint8_t *pkt, size_t len)
{
	char text[64];
	size_t n = 0;

	for (size_t i = 4; i < len && pkt[i] != 0 && n < sizeof text - 1; i++)
		text[n++] = pkt[i] >= 0x20 && pkt[i] < 0x7f ? (char)pkt[i] : '?';
	text[n] = '\0';
	x->err_code = get16(pkt + 2);
	x->state = TFTP_FAILED;
	snprintf(x->outcome, sizeof x->outcome, "client error %u: %s",
		 (unsigned)x->err_code, text);
}

static void unexpected_opcode(struct tftp_xfer *x, uint16_t op)
{
	xfer_fail(x, TFTP_EBADOP, "illegal TFTP operation");
	snprintf(x->outcome, sizeof x->outcome, "unexpected opcode %u", (unsigned)op);
}

/* ---- RRQ: sending ------------------------------------------------------- */

static struct tftp_cursor *cursor_of(struct tftp_xfer *x, uint64_t block)
{
	return &x->window_cur[block % WINDOW_RING];
}

static void put_data_header(struct tftp_xfer *x, uint64_t block)
{
	put16(x->pkt, TFTP_DATA);
	put16(x->pkt + 2, (uint16_t)block);
}

/* Octet: the payload is read straight into the packet. */
static int send_block_octet(struct tftp_xfer *x, uint64_t block)
{
	uint64_t off = (block - 1) * x->blksize; /* <= file_size since block <= last */
	size_t want = block == x->last ? (size_t)(x->file_size - off) : x->blksize;

	if (want) {
		ssize_t got = x->io.read_at(x->io.ctx, off, x->pkt + 4, want);
		/* short before the size we announced: the file changed under us */
		if (got < 0 || (size_t)got != want)
			return -1;
	}
	put_data_header(x, block);
	send_pkt(x, 4 + want);
	return 0;
}

/* Netascii: translate from the block's cursor and leave the next block's
 * cursor behind, so any block of the window can be produced again. */
static int send_block_netascii(struct tftp_xfer *x, uint64_t block)
{
	struct tftp_cursor cur = *cursor_of(x, block);
	uint8_t raw[NETASCII_CHUNK];
	uint8_t *out = x->pkt + 4;
	size_t n = 0, cap = x->blksize;

	if (cur.pending >= 0 && n < cap) {
		out[n++] = (uint8_t)cur.pending;
		cur.pending = -1;
	}
	while (n < cap) {
		/* every source byte yields at least one output byte */
		size_t want = (size_t)min_u64(min_u64(cap - n, sizeof raw), x->file_size - cur.off);
		ssize_t got;

		if (want == 0)
			break;
		got = x->io.read_at(x->io.ctx, cur.off, raw, want);
		if (got < 0 || (size_t)got != want)
			return -1;
		for (size_t i = 0; i < want && n < cap; i++) {
			uint8_t c = raw[i];

			cur.off++;
			if (c != '\n' && c != '\r') {
				out[n++] = c;
				continue;
			}
			out[n++] = '\r';
			if (n < cap)
				out[n++] = c == '\n' ? '\n' : '\0';
			else
				cur.pending = c == '\n' ? '\n' : '\0';
		}
	}
	*cursor_of(x, block + 1) = cur;
	if (n < cap)
		x->last = block;
	put_data_header(x, block);
	send_pkt(x, 4 + n);
	return 0;
}

/* Send blocks from next until the window (base .. base+windowsize-1) is full. */
static int fill_window(struct tftp_xfer *x)
{
	while (x->next <= x->last && x->next - x->base < x->windowsize) {
		int rc = x->mode == TFTP_MODE_NETASCII ? send_block_netascii(x, x->next)
						       : send_block_octet(x, x->next);
		if (rc < 0) {
			xfer_fail(x, TFTP_ENOTDEFINED, "read error");
			return -1;
		}
		x->next++;
	}
	return 0;
}

/* File bytes covered by blocks 1..block. */
static uint64_t bytes_through(struct tftp_xfer *x, uint64_t block)
{
	if (x->mode == TFTP_MODE_NETASCII)
		return cursor_of(x, block + 1)->off;
	return block >= x->last ? x->file_size : block * x->blksize;
}

static void rrq_ack(struct tftp_xfer *x, uint16_t wire, uint64_t now_ms)
{
	uint16_t back;
	uint64_t acked;

	if (x->oack_outstanding) {
		if (wire != 0)
			return;
		x->oack_outstanding = false;
	} else {
		/* map into [base-1, next-1]; base-1 itself and anything older is
		 * a duplicate and must not trigger a retransmission */
		back = (uint16_t)(x->next - 1 - wire);
		if (back >= x->next - x->base)
			return;
		acked = x->next - 1 - back;
		x->base = acked + 1;
		x->bytes = bytes_through(x, acked);
		if (acked == x->last) {
			xfer_done(x);
			return;
		}
	}
	reset_backoff(x);
	if (fill_window(x) < 0)
		return;
	arm_timer(x, now_ms);
}

int tftp_rrq_start(struct tftp_xfer *x, const struct tftp_request *req,
		   const struct tftp_limits *lim, uint64_t file_size,
		   const struct tftp_io *io, uint64_t now_ms)
{
	if (xfer_init(x, TFTP_RRQ, req, lim, io) < 0)
		return -1;
	x->file_size = file_size;
	/* a netascii file's size on the wire is not known without reading it
	 * all; an empty file's tsize 0 is taken for an error by some clients */
	if (req->has_tsize && x->mode == TFTP_MODE_OCTET && file_size > 0)
		x->acked_opts |= ACK_TSIZE;
	if (x->mode == TFTP_MODE_OCTET) {
		x->last = file_size / x->blksize + 1;
	} else {
		x->last = UINT64_MAX;
		*cursor_of(x, 1) = (struct tftp_cursor){ .off = 0, .pending = -1 };
	}
	format_options(x);
	if (x->acked_opts) {
		x->oack_outstanding = true;
		send_pkt(x, build_oack(x));
	} else if (fill_window(x) < 0) {
		return -1;
	}
	arm_timer(x, now_ms);
	return 0;
}

/* ---- WRQ: receiving ----------------------------------------------------- */

/* Acknowledge everything received in order (or repeat the OACK while it is
 * unanswered). */
static void wrq_send_ack(struct tftp_xfer *x)
{
	x->unacked = 0;
	if (x->oack_outstanding)
		send_pkt(x, build_oack(x));
	else
		send_pkt(x, tftp_build_ack(x->pkt, sizeof x->pkt, (uint16_t)(x->base - 1)));
}

/* Decode netascii into x->pkt.  in may be x->pkt + 4: the output never
 * overtakes the input (at most one held CR more than consumed). */
static size_t netascii_decode(struct tftp_xfer *x, const uint8_t *in, size_t len, bool final)
{
	uint8_t *out = x->pkt;
	bool cr = x->wr_cur.pending >= 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];

		if (cr) {
			cr = false;
			if (c == '\n' || c == '\0') {
				out[n++] = c == '\n' ? '\n' : '\r';
				continue;
			}
			out[n++] = '\r'; /* a bare CR is kept as it is */
		}
		if (c == '\r')
			cr = true;
		else
			out[n++] = c;
	}
	if (cr && final) {
		out[n++] = '\r';
		cr = false;
	}
	x->wr_cur.pending = cr ? '\r' : -1;
	return n;
}

static int wrq_store(struct tftp_xfer *x, const uint8_t *data, size_t len, bool final)
{
	const uint8_t *out = data;
	size_t n = len;

	if (x->mode == TFTP_MODE_NETASCII) {
		n = netascii_decode(x, data, len, final);
		out = x->pkt;
	}
	if (n > x->upload_max - x->bytes) {
		xfer_fail(x, TFTP_ENOSPACE, "file too large");
		return -1;
	}
	if (n && x->io.write_at(x->io.ctx, x->bytes, out, n) < 0) {
		xfer_fail(x, TFTP_ENOSPACE, "write error");
		return -1;
	}
	x->bytes += n;
	x->wr_cur.off = x->bytes;
	return 0;
}

static void wrq_out_of_order(struct tftp_xfer *x, uint16_t wire)
{
	uint16_t ahead = (uint16_t)(wire - x->base);
	uint16_t behind = (uint16_t)(x->base - wire);

	if (ahead < 0x8000) {
		/* a later block: one was lost.  The peer evidently has our OACK;
		 * report the gap once, not once per stray block. */
		x->oack_outstanding = false;
		if (!x->gap_acked) {
			x->gap_acked = true;
			wrq_send_ack(x);
		}
		return;
	}
	/* an already stored block: our ACK was lost, say again how far we are */
	if (behind <= x->base - 1)
		wrq_send_ack(x);
}

static void wrq_data(struct tftp_xfer *x, uint16_t wire, const uint8_t *data, size_t len,
		     uint64_t now_ms)
{
	bool final = len < x->blksize;

	if (len > x->blksize) {
		xfer_fail(x, TFTP_EBADOP, "data block larger than blksize");
		return;
	}
	if (wire != (uint16_t)x->base) {
		wrq_out_of_order(x, wire);
		return;
	}
	if (wrq_store(x, data, len, final) < 0)
		return;
	x->base++;
	x->oack_outstanding = false;
	x->gap_acked = false;
	reset_backoff(x);
	if (final) {
		wrq_send_ack(x);
		xfer_done(x);
		return;
	}
	if (++x->unacked >= x->windowsize)
		wrq_send_ack(x);
	arm_timer(x, now_ms);
}

int tftp_wrq_start(struct tftp_xfer *x, const struct tftp_request *req,
		   const struct tftp_limits *lim, const struct tftp_io *io,
		   uint64_t now_ms)
{
	if (xfer_init(x, TFTP_WRQ, req, lim, io) < 0)
		return -1;
	if (req->has_tsize) {
		if (req->tsize > x->upload_max) {
			xfer_fail(x, TFTP_ENOSPACE, "file too large");
			return -1;
		}
		x->file_size = req->tsize;
		x->acked_opts |= ACK_TSIZE;
	}
	format_options(x);
	x->oack_outstanding = x->acked_opts != 0;
	wrq_send_ack(x);
	arm_timer(x, now_ms);
	return 0;
}

/* ---- events ------------------------------------------------------------- */

void tftp_xfer_input(struct tftp_xfer *x, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
	uint16_t op;

	if (x->state != TFTP_RUNNING || !pkt || len < 4)
		return;
	op = get16(pkt);
	if (op == TFTP_ERROR)
		peer_error(x, pkt, len);
	else if (x->op == TFTP_RRQ && op == TFTP_ACK)
		rrq_ack(x, get16(pkt + 2), now_ms);
	else if (x->op == TFTP_WRQ && op == TFTP_DATA)
		wrq_data(x, get16(pkt + 2), pkt + 4, len - 4, now_ms);
	else
		unexpected_opcode(x, op);
}

void tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now_ms)
{
	if (x->state != TFTP_RUNNING || now_ms < x->deadline_ms)
		return;
	if (x->tries >= x->retries_max) {
		xfer_fail(x, TFTP_ENOTDEFINED, "timeout");
		return;
	}
	x->tries++;
	x->rto_ms = min_u64(x->rto_ms * 2, (uint64_t)x->timeout_ms * TFTP_BACKOFF_MAX);
	if (x->op == TFTP_WRQ) {
		wrq_send_ack(x);
	} else if (x->oack_outstanding) {
		send_pkt(x, build_oack(x));
	} else {
		x->next = x->base;
		if (fill_window(x) < 0)
			return;
	}
	arm_timer(x, now_ms);
}
