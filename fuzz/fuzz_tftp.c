/* fuzz_tftp.c — harness for the TFTP codec and transfer state machines.
 *
 * Input layout (all integers big-endian):
 *   [0]     limits: bits 0-2 max blksize, bits 3-5 retries, bits 6-7 file pattern
 *   [1]     limits: bits 0-5 max windowsize - 1, bits 6-7 upload cap
 *   [2]     fallback request when the packet does not parse: bit 0 netascii,
 *           bit 1 blksize 8, bit 2 windowsize 4, bit 3 tsize; bits 4-7 timeout
 *   [3..4]  file size (the low 11 bits)
 *   [5..6]  request length n, then n bytes of request packet
 *   rest    events, see do_event()
 * The request is parsed and its file name normalised; then the same request
 * and events drive a read transfer and a write transfer, each finished by a
 * well-behaved peer.  Every packet the module sends is checked on the way out
 * and the transfer's state after every call; a violation aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tftpd/tftp.h"

#define FILE_MAX 2048
#define STORE_MAX 65536
#define MAX_EVENTS 4096
#define FINISH_STEPS 40000

struct input {
	const uint8_t *p;
	size_t len, pos;
};

struct harness {
	struct tftp_xfer x;
	struct tftp_limits lim;
	struct tftp_io io;
	enum tftp_opcode dir;
	uint64_t now;

	/* the file served (RRQ) and uploaded (WRQ), and its form on the wire */
	uint8_t file[FILE_MAX];
	size_t file_len;
	uint8_t wire[2 * FILE_MAX];
	size_t wire_len;

	/* what the write transfer stored */
	uint8_t stored[STORE_MAX];
	size_t stored_len;

	bool io_fail;
	unsigned send_fail;   /* the next this many sends are lost */
	unsigned nsent, ndata;
	bool tainted;         /* the upload carried data not from the model */

	/* the peer's view, updated only by packets that were delivered */
	uint16_t rd_last;     /* RRQ: latest DATA block received */
	uint16_t wr_next;     /* WRQ: block the peer sends next */
	uint16_t wr_acked;    /* WRQ: highest block the module acknowledged */
};

static struct harness h;

static unsigned take8(struct input *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static unsigned take16(struct input *in)
{
	unsigned hi = take8(in);

	return hi << 8 | take8(in);
}

static const uint8_t *take_bytes(struct input *in, size_t *n)
{
	const uint8_t *p = in->p + in->pos;

	if (*n > in->len - in->pos)
		*n = in->len - in->pos;
	in->pos += *n;
	return p;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* ---- request parsing and path normalisation ------------------------------ */

static bool path_char_ok(unsigned char c)
{
	return c >= 0x20 && c != 0x7f && c != '\\';
}

static void check_normalized(const char *out, size_t cap)
{
	size_t n = strlen(out);
	const char *comp = out;

	check(n > 0 && n < cap && out[0] != '/' && out[n - 1] != '/');
	for (size_t i = 0; i <= n; i++) {
		if (out[i] == '/' || out[i] == '\0') {
			size_t clen = (size_t)(out + i - comp);
			check(clen > 0);
			check(!(clen == 1 && comp[0] == '.'));
			check(!(clen == 2 && comp[0] == '.' && comp[1] == '.'));
			comp = out + i + 1;
		} else {
			check(path_char_ok((unsigned char)out[i]));
		}
	}
}

static void fuzz_path(const char *name, size_t cap)
{
	char out[TFTP_FILENAME_MAX + 1];

	if (cap > sizeof out)
		cap = sizeof out;
	if (tftp_path_normalize(name, out, cap) == 0)
		check_normalized(out, cap);
}

static int fuzz_parse(const uint8_t *pkt, size_t len, struct tftp_request *req, size_t cap)
{
	const char *why = NULL;
	int rc = tftp_parse_request(pkt, len, req, &why);
	char raw[TFTP_FILENAME_MAX + 1];
	size_t n = len > 2 ? len - 2 : 0;

	check(why != NULL);
	if (rc == 0) {
		size_t flen = strnlen(req->filename, sizeof req->filename);
		check(flen > 0 && flen <= TFTP_FILENAME_MAX);
		check(req->op == TFTP_RRQ || req->op == TFTP_WRQ);
		check(req->mode == TFTP_MODE_OCTET || req->mode == TFTP_MODE_NETASCII);
		fuzz_path(req->filename, cap);
		fuzz_path(req->filename, sizeof raw);
	} else {
		check(rc == TFTP_EBADOP || rc == TFTP_EOPTNEG);
	}
	/* the raw bytes after the opcode as a name, whatever they hold */
	if (n > sizeof raw - 1)
		n = sizeof raw - 1;
	if (n)
		memcpy(raw, pkt + 2, n);
	raw[n] = '\0';
	fuzz_path(raw, cap);
	return rc;
}

static void fuzz_builders(unsigned cap, uint16_t code)
{
	uint8_t buf[64];
	size_t len = tftp_build_error(buf, cap % sizeof buf, code, "some reason");

	check(len == 0 || (len == 16 && cap % sizeof buf >= 16 && buf[15] == 0));
	len = tftp_build_ack(buf, cap % 8, code);
	check(len == 0 || (len == 4 && get16(buf + 2) == code));
}

/* ---- the peer: io callbacks that check what the module does -------------- */

static ssize_t h_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct harness *hh = ctx;

	check(hh->dir == TFTP_RRQ);
	/* never beyond the size the transfer was started with */
	check(off <= hh->file_len && len <= hh->file_len - off && len > 0);
	if (hh->io_fail)
		return -1;
	memcpy(buf, hh->file + off, len);
	return (ssize_t)len;
}

static int h_write_at(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct harness *hh = ctx;

	check(hh->dir == TFTP_WRQ);
	check(off == hh->stored_len); /* in order, never twice */
	check(len > 0 && len <= hh->x.upload_max && off <= hh->x.upload_max - len);
	check(len <= STORE_MAX - off);
	if (hh->io_fail)
		return -1;
	memcpy(hh->stored + off, buf, len);
	hh->stored_len += len;
	return 0;
}

static void check_data(struct harness *hh, const uint8_t *p, size_t len)
{
	size_t bs = hh->x.blksize, plen = len - 4;
	uint16_t blk = get16(p + 2);
	size_t off, want;

	check(hh->dir == TFTP_RRQ);
	check(plen <= bs);
	/* the files here have fewer than 65536 blocks: no rollover */
	check(blk >= 1);
	off = (size_t)(blk - 1) * bs;
	check(off <= hh->wire_len);
	want = hh->wire_len - off < bs ? hh->wire_len - off : bs;
	check(plen == want);
	check(memcmp(p + 4, hh->wire + off, plen) == 0);
}

static bool digits(const uint8_t *s, size_t n)
{
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void check_oack(const uint8_t *p, size_t len)
{
	static const char *names[] = { "blksize", "tsize", "windowsize", "timeout" };
	size_t pos = 2;
	unsigned pairs = 0;

	check(len > 2);
	while (pos < len) {
		const uint8_t *name = p + pos, *nul = memchr(name, 0, len - pos), *val;
		size_t nlen, vlen;
		bool known = false;

		check(nul != NULL);
		nlen = (size_t)(nul - name);
		pos += nlen + 1;
		check(pos < len);
		val = p + pos;
		nul = memchr(val, 0, len - pos);
		check(nul != NULL);
		vlen = (size_t)(nul - val);
		pos += vlen + 1;
		for (size_t i = 0; i < 4; i++)
			known |= nlen == strlen(names[i]) && memcmp(name, names[i], nlen) == 0;
		check(known && digits(val, vlen));
		check(++pairs <= 4);
	}
}

static void check_error(const uint8_t *p, size_t len)
{
	check(len >= 5 && p[len - 1] == 0);
	check(memchr(p + 4, 0, len - 5) == NULL);
	check(get16(p + 2) <= TFTP_EOPTNEG);
}

static int h_send(void *ctx, const void *pkt, size_t len)
{
	struct harness *hh = ctx;
	const uint8_t *p = pkt;
	bool delivered = hh->send_fail == 0;
	uint16_t op;

	check(len >= 4 && len <= TFTP_PACKET_MAX);
	op = get16(p);
	hh->nsent++;
	switch (op) {
	case TFTP_DATA:
		check_data(hh, p, len);
		hh->ndata++;
		if (delivered)
			hh->rd_last = get16(p + 2);
		break;
	case TFTP_ACK:
		check(hh->dir == TFTP_WRQ && len == 4);
		/* always the last block received in order: never going back */
		check(get16(p + 2) == (uint16_t)(hh->x.base - 1));
		check(get16(p + 2) >= hh->wr_acked);
		hh->wr_acked = get16(p + 2);
		if (delivered)
			hh->wr_next = (uint16_t)(get16(p + 2) + 1);
		break;
	case TFTP_OACK:
		check_oack(p, len);
		if (delivered) {
			hh->rd_last = 0;
			hh->wr_next = 1;
		}
		break;
	case TFTP_ERROR:
		check_error(p, len);
		break;
	default:
		abort();
	}
	if (!delivered) {
		hh->send_fail--;
		return -1;
	}
	return 0;
}

/* ---- state invariants ---------------------------------------------------- */

struct snapshot {
	enum tftp_state state;
	uint64_t base;
	bool oack;
	unsigned nsent, ndata;
};

static struct snapshot snap(const struct harness *hh)
{
	return (struct snapshot){ hh->x.state, hh->x.base, hh->x.oack_outstanding,
				  hh->nsent, hh->ndata };
}

static void check_state(const struct harness *hh)
{
	const struct tftp_xfer *x = &hh->x;

	check(x->state == TFTP_RUNNING || x->state == TFTP_DONE || x->state == TFTP_FAILED);
	check(x->blksize >= TFTP_BLKSIZE_MIN && x->blksize <= TFTP_BLKSIZE_MAX);
	check(x->windowsize >= 1 && x->windowsize <= TFTP_WINDOWSIZE_MAX);
	check(x->base >= 1);
	check(x->deadline_ms <= hh->now + (uint64_t)x->timeout_ms * 4);
	check(x->outcome[sizeof x->outcome - 1] == '\0');
	check(x->options[sizeof x->options - 1] == '\0' && x->options[0] != '\0');
	if (hh->dir == TFTP_RRQ) {
		check(x->base <= x->next && x->next - x->base <= x->windowsize);
		check(x->bytes <= hh->file_len);
	} else {
		check(x->bytes <= x->upload_max && x->bytes == hh->stored_len);
	}
	if (x->state == TFTP_RUNNING) {
		check(x->tries <= x->retries_max);
	} else {
		check(x->outcome[0] != '\0');
	}
	if (x->state == TFTP_DONE && hh->dir == TFTP_RRQ)
		check(x->bytes == hh->file_len);
}

/* What one call may have sent, given the state before it. */
static void check_step(const struct harness *hh, const struct snapshot *b, bool timeout)
{
	const struct tftp_xfer *x = &hh->x;
	unsigned sent = hh->nsent - b->nsent, data = hh->ndata - b->ndata;

	check_state(hh);
	if (b->state != TFTP_RUNNING) {
		check(sent == 0 && x->state == b->state);
		return;
	}
	if (timeout) {
		check(data <= x->windowsize);
		check(hh->dir == TFTP_RRQ || sent <= 1);
		return;
	}
	if (hh->dir == TFTP_WRQ) {
		check(sent <= 1);
		return;
	}
	/* no Sorcerer's Apprentice: only progress makes a reader send data */
	if (x->state == TFTP_RUNNING && x->base == b->base && x->oack_outstanding == b->oack)
		check(data == 0);
	check(data <= x->windowsize);
}

/* ---- events -------------------------------------------------------------- */

static void input(struct harness *hh, const uint8_t *pkt, size_t len)
{
	struct snapshot b = snap(hh);

	hh->now += 1;
	tftp_xfer_input(&hh->x, pkt, len, hh->now);
	check_step(hh, &b, false);
}

static void timeout(struct harness *hh)
{
	struct snapshot b = snap(hh);

	if (hh->x.deadline_ms > hh->now)
		hh->now = hh->x.deadline_ms;
	tftp_xfer_timeout(&hh->x, hh->now);
	check_step(hh, &b, true);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void send_ack(struct harness *hh, unsigned block)
{
	uint8_t p[4];

	put16(p, TFTP_ACK);
	put16(p + 2, block);
	input(hh, p, sizeof p);
}

static void send_data(struct harness *hh, unsigned block, const uint8_t *payload, size_t len)
{
	static uint8_t p[TFTP_PACKET_MAX];

	if (len > TFTP_BLKSIZE_MAX)
		len = TFTP_BLKSIZE_MAX;
	put16(p, TFTP_DATA);
	put16(p + 2, block);
	if (len)
		memcpy(p + 4, payload, len);
	input(hh, p, 4 + len);
}

/* What a correct peer sends next. */
static void good_reply(struct harness *hh)
{
	size_t bs = hh->x.blksize, off;

	if (hh->dir == TFTP_RRQ) {
		send_ack(hh, hh->rd_last);
		return;
	}
	if (hh->wr_next == 0)
		return;
	off = (size_t)(hh->wr_next - 1) * bs;
	if (off > hh->wire_len)
		return; /* the whole upload is out */
	send_data(hh, hh->wr_next, hh->wire + off,
		  hh->wire_len - off < bs ? hh->wire_len - off : bs);
	hh->wr_next++;
}

/* A stale packet from a correct peer: an old ACK, or DATA sent again. */
static void stale_reply(struct harness *hh)
{
	size_t bs = hh->x.blksize, off;

	if (hh->dir == TFTP_RRQ) {
		send_ack(hh, (uint16_t)(hh->rd_last - 1));
		return;
	}
	if (hh->wr_next < 2)
		return;
	off = (size_t)(hh->wr_next - 2) * bs;
	if (off > hh->wire_len)
		return;
	send_data(hh, hh->wr_next - 1u, hh->wire + off,
		  hh->wire_len - off < bs ? hh->wire_len - off : bs);
}

/* One event, chosen by the low 3 bits of its first byte:
 *   0 timeout: the clock jumps to the deadline
 *   1 what a correct peer sends next (ACK of the latest DATA, or the next DATA)
 *   2 ACK with a 16-bit block number from the input
 *   3 DATA with block number and length from the input, payload from the file
 *   4 any packet: 16-bit length and bytes from the input
 *   5 ERROR: code, text length and text from the input; bit 7: no final NUL
 *   6 the module's next send is lost
 *   7 bit 7: file reads and writes start (or stop) failing; else a stale packet
 */
static void do_event(struct harness *hh, struct input *in)
{
	unsigned e = take8(in);
	size_t n;
	const uint8_t *p;

	switch (e & 7) {
	case 0:
		timeout(hh);
		break;
	case 1:
		good_reply(hh);
		break;
	case 2:
		send_ack(hh, take16(in));
		break;
	case 3: {
		unsigned block = take16(in);
		n = take16(in);
		if (n > hh->wire_len)
			n = hh->wire_len;
		send_data(hh, block, hh->wire, n);
		hh->tainted = true;
		break;
	}
	case 4:
		n = take16(in);
		p = take_bytes(in, &n);
		input(hh, p, n);
		hh->tainted = true;
		break;
	case 5: {
		uint8_t pkt[300];
		unsigned code = take8(in);
		n = take8(in);
		p = take_bytes(in, &n);
		put16(pkt, TFTP_ERROR);
		put16(pkt + 2, code);
		memcpy(pkt + 4, p, n);
		pkt[4 + n] = 0;
		input(hh, pkt, 5 + n - (e >> 7)); /* bit 7: no NUL */
		break;
	}
	case 6:
		hh->send_fail++;
		break;
	case 7:
		if (e & 0x80)
			hh->io_fail = !hh->io_fail;
		else
			stale_reply(hh);
		break;
	}
}

/* A well-behaved peer takes the transfer to its end. */
static void finish(struct harness *hh)
{
	hh->io_fail = false;
	hh->send_fail = 0;
	for (unsigned i = 0; i < FINISH_STEPS && hh->x.state == TFTP_RUNNING; i++) {
		unsigned before = hh->nsent;

		good_reply(hh);
		if (hh->x.state == TFTP_RUNNING && hh->nsent == before &&
		    (hh->dir == TFTP_RRQ || hh->wr_next == 0 ||
		     (size_t)(hh->wr_next - 1) * hh->x.blksize > hh->wire_len))
			timeout(hh);
	}
	if (hh->x.state == TFTP_DONE && hh->dir == TFTP_WRQ && !hh->tainted) {
		check(hh->stored_len == hh->file_len);
		check(memcmp(hh->stored, hh->file, hh->file_len) == 0);
	}
}

static void run(struct harness *hh, enum tftp_opcode dir, const struct tftp_request *req,
		struct input ev)
{
	struct tftp_request r = *req;
	unsigned nev = 0;
	int rc;

	r.op = dir;
	hh->dir = dir;
	hh->now = 1000;
	hh->stored_len = 0;
	hh->io_fail = false;
	hh->send_fail = 0;
	hh->nsent = hh->ndata = 0;
	hh->tainted = false;
	hh->rd_last = 0;
	hh->wr_next = 0;
	hh->wr_acked = 0;
	if (dir == TFTP_RRQ)
		rc = tftp_rrq_start(&hh->x, &r, &hh->lim, hh->file_len, &hh->io, hh->now);
	else
		rc = tftp_wrq_start(&hh->x, &r, &hh->lim, &hh->io, hh->now);
	check(rc == 0 || rc == -1);
	check((rc == -1) == (hh->x.state == TFTP_FAILED));
	check(hh->x.state != TFTP_DONE);
	check(hh->nsent >= 1);
	check_state(hh);
	while (ev.pos < ev.len && nev++ < MAX_EVENTS)
		do_event(hh, &ev);
	finish(hh);
}

/* ---- set-up --------------------------------------------------------------- */

static void make_file(struct harness *hh, unsigned pattern, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (pattern) {
		case 0: hh->file[i] = (uint8_t)(i * 31 + (i >> 7)); break;
		case 1: hh->file[i] = i % 9 == 8 ? '\n' : i % 13 == 12 ? '\r' : 'a' + i % 26; break;
		case 2: hh->file[i] = '\n'; break;
		default: hh->file[i] = i & 1 ? '\n' : '\r'; break;
		}
	}
	hh->file_len = len;
}

static void make_wire(struct harness *hh, enum tftp_mode mode)
{
	size_t o = 0;

	if (mode != TFTP_MODE_NETASCII) {
		memcpy(hh->wire, hh->file, hh->file_len);
		hh->wire_len = hh->file_len;
		return;
	}
	for (size_t i = 0; i < hh->file_len; i++) {
		uint8_t c = hh->file[i];
		if (c == '\n' || c == '\r') {
			hh->wire[o++] = '\r';
			hh->wire[o++] = c == '\n' ? '\n' : '\0';
		} else {
			hh->wire[o++] = c;
		}
	}
	hh->wire_len = o;
}

static void fallback_request(struct tftp_request *req, unsigned cfg)
{
	memset(req, 0, sizeof *req);
	req->op = TFTP_RRQ;
	memcpy(req->filename, "f", 2);
	req->mode = cfg & 1 ? TFTP_MODE_NETASCII : TFTP_MODE_OCTET;
	req->has_blksize = cfg & 2;
	req->blksize = 8;
	req->has_windowsize = cfg & 4;
	req->windowsize = 4;
	req->has_tsize = cfg & 8;
	req->has_timeout = (cfg >> 4) != 0;
	req->timeout = cfg >> 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t blksizes[8] = { 512, 1468, 8, 1024, 65464, 16, 1432, 9 };
	static const uint64_t uploads[4] = { 0, 100, 5000, STORE_MAX };
	struct input in = { data, size, 0 };
	struct tftp_request req;
	unsigned a = take8(&in), b = take8(&in), c = take8(&in);
	size_t flen = take16(&in) & (FILE_MAX - 1), rlen = take16(&in);
	const uint8_t *rpkt = take_bytes(&in, &rlen);
	struct harness *hh = &h;

	hh->lim = (struct tftp_limits){
		.max_blksize = blksizes[a & 7],
		.max_windowsize = 1 + (b & 63),
		.timeout_ms = 1 + (c >> 4) * 300,
		.retries = (a >> 3) & 7,
		.upload_max = uploads[b >> 6],
	};
	hh->io = (struct tftp_io){
		.ctx = hh, .read_at = h_read_at, .write_at = h_write_at, .send = h_send,
	};
	fuzz_builders(a ^ c, (uint16_t)(b << 8 | c));
	if (fuzz_parse(rpkt, rlen, &req, 1 + (c * 7) % (TFTP_FILENAME_MAX + 1)) != 0)
		fallback_request(&req, c);
	make_file(hh, a >> 6, flen);
	make_wire(hh, req.mode);
	run(hh, TFTP_RRQ, &req, in);
	run(hh, TFTP_WRQ, &req, in);
	return 0;
}
