/* test_tftp.c — unit tests of the TFTP codec and transfer state machines.
 *
 * The state machine is driven with an in-memory source file, an in-memory
 * destination and a send callback that records every packet, so each test
 * asserts the exact bytes that would go on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tftpd/tftp.h"

/* ---- test environment --------------------------------------------------- */

#define MAX_RECORDED 512

struct packet {
	uint8_t *data;
	size_t len;
};

struct env {
	/* source file for RRQ */
	uint8_t *src;
	size_t src_len;
	bool read_fail;
	unsigned reads;
	/* destination for WRQ */
	uint8_t *dst;
	size_t dst_cap;
	size_t dst_len;
	bool write_fail;
	unsigned writes;
	/* packets sent since the last clear_sent() */
	struct packet sent[MAX_RECORDED];
	size_t nsent;
	unsigned send_failures; /* the next this many sends fail */

	struct tftp_limits lim;
	struct tftp_io io;
	struct tftp_xfer x;
	uint64_t now;
};

static ssize_t mem_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct env *e = ctx;

	e->reads++;
	if (e->read_fail)
		return -1;
	if (off >= e->src_len)
		return 0;
	if (len > e->src_len - off)
		len = e->src_len - (size_t)off;
	memcpy(buf, e->src + off, len);
	return (ssize_t)len;
}

static int mem_write_at(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct env *e = ctx;

	e->writes++;
	if (e->write_fail)
		return -1;
	assert_true(off <= e->dst_cap && len <= e->dst_cap - off);
	memcpy(e->dst + off, buf, len);
	if (off + len > e->dst_len)
		e->dst_len = (size_t)(off + len);
	return 0;
}

static int record_send(void *ctx, const void *pkt, size_t len)
{
	struct env *e = ctx;

	assert_true(e->nsent < MAX_RECORDED);
	e->sent[e->nsent].data = malloc(len ? len : 1);
	assert_non_null(e->sent[e->nsent].data);
	memcpy(e->sent[e->nsent].data, pkt, len);
	e->sent[e->nsent].len = len;
	e->nsent++;
	if (e->send_failures) {
		e->send_failures--;
		return -1;
	}
	return 0;
}

static void clear_sent(struct env *e)
{
	for (size_t i = 0; i < e->nsent; i++)
		free(e->sent[i].data);
	e->nsent = 0;
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);

	assert_non_null(e);
	e->dst_cap = 1 << 20;
	e->dst = calloc(1, e->dst_cap);
	assert_non_null(e->dst);
	e->lim = (struct tftp_limits){
		.max_blksize = TFTP_BLKSIZE_MAX,
		.max_windowsize = TFTP_WINDOWSIZE_MAX,
		.timeout_ms = 1000,
		.retries = 3,
		.upload_max = 1 << 20,
	};
	e->io = (struct tftp_io){
		.ctx = e, .read_at = mem_read_at, .write_at = mem_write_at, .send = record_send,
	};
	e->now = 1000000;
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	clear_sent(e);
	free(e->src);
	free(e->dst);
	free(e);
	return 0;
}

/* Source file of n bytes with a pattern that makes misplaced blocks visible. */
static void set_source(struct env *e, size_t n)
{
	free(e->src);
	e->src = malloc(n ? n : 1);
	assert_non_null(e->src);
	for (size_t i = 0; i < n; i++)
		e->src[i] = (uint8_t)(i * 7 + i / 251);
	e->src_len = n;
}

static void set_source_bytes(struct env *e, const void *p, size_t n)
{
	free(e->src);
	e->src = malloc(n ? n : 1);
	assert_non_null(e->src);
	memcpy(e->src, p, n);
	e->src_len = n;
}

/* Request packet: opcode, name, mode, then NULL-terminated name/value strings. */
static size_t build_request(uint8_t *buf, size_t cap, uint16_t op, const char *name,
			    const char *mode, ...)
{
	size_t len = 2;
	va_list ap;
	const char *s;

	buf[0] = (uint8_t)(op >> 8);
	buf[1] = (uint8_t)op;
	va_start(ap, mode);
	for (s = name; s; s = (s == name ? mode : va_arg(ap, const char *))) {
		size_t n = strlen(s) + 1;
		assert_true(n <= cap - len);
		memcpy(buf + len, s, n);
		len += n;
	}
	va_end(ap);
	return len;
}

#define REQUEST(buf, op, ...) build_request(buf, sizeof buf, op, __VA_ARGS__, NULL)

static struct tftp_request parse_ok(const uint8_t *pkt, size_t len)
{
	struct tftp_request req;
	const char *why = NULL;

	assert_int_equal(tftp_parse_request(pkt, len, &req, &why), 0);
	return req;
}

static void parse_fails(const uint8_t *pkt, size_t len, int code)
{
	struct tftp_request req;
	const char *why = NULL;

	assert_int_equal(tftp_parse_request(pkt, len, &req, &why), code);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
}

static void wire(struct env *e, const void *pkt, size_t len)
{
	tftp_xfer_input(&e->x, pkt, len, e->now);
}

static void send_ack(struct env *e, uint16_t block)
{
	uint8_t p[4] = { 0, TFTP_ACK, (uint8_t)(block >> 8), (uint8_t)block };

	wire(e, p, sizeof p);
}

static void send_data(struct env *e, uint16_t block, const void *payload, size_t len)
{
	uint8_t *p = malloc(len + 4);

	assert_non_null(p);
	p[0] = 0;
	p[1] = TFTP_DATA;
	p[2] = (uint8_t)(block >> 8);
	p[3] = (uint8_t)block;
	if (len)
		memcpy(p + 4, payload, len);
	wire(e, p, len + 4);
	free(p);
}

static void send_error(struct env *e, uint16_t code, const char *msg)
{
	uint8_t p[128];
	size_t len = tftp_build_error(p, sizeof p, code, msg);

	assert_true(len > 0);
	wire(e, p, len);
}

/* Advance the clock to the deadline and fire the timer. */
static void expire(struct env *e)
{
	e->now = e->x.deadline_ms;
	tftp_xfer_timeout(&e->x, e->now);
}

static int rrq_start(struct env *e, const uint8_t *req_pkt, size_t len)
{
	struct tftp_request req = parse_ok(req_pkt, len);

	return tftp_rrq_start(&e->x, &req, &e->lim, e->src_len, &e->io, e->now);
}

static int wrq_start(struct env *e, const uint8_t *req_pkt, size_t len)
{
	struct tftp_request req = parse_ok(req_pkt, len);

	return tftp_wrq_start(&e->x, &req, &e->lim, &e->io, e->now);
}

static uint16_t pkt_op(const struct packet *p)
{
	assert_true(p->len >= 2);
	return (uint16_t)(p->data[0] << 8 | p->data[1]);
}

static uint16_t pkt_block(const struct packet *p)
{
	assert_true(p->len >= 4);
	return (uint16_t)(p->data[2] << 8 | p->data[3]);
}

static void assert_data(const struct packet *p, uint16_t block, const void *payload, size_t len)
{
	assert_int_equal(pkt_op(p), TFTP_DATA);
	assert_int_equal(pkt_block(p), block);
	assert_int_equal(p->len, 4 + len);
	if (len)
		assert_memory_equal(p->data + 4, payload, len);
}

/* DATA carrying the source bytes of 1-based block b at blksize bs. */
static void assert_src_data(struct env *e, const struct packet *p, uint64_t b, size_t bs)
{
	size_t off = (size_t)((b - 1) * bs);
	size_t len = e->src_len - off < bs ? e->src_len - off : bs;

	assert_data(p, (uint16_t)b, e->src + off, len);
}

static void assert_ack(const struct packet *p, uint16_t block)
{
	static const uint8_t hdr[2] = { 0, TFTP_ACK };

	assert_int_equal(p->len, 4);
	assert_memory_equal(p->data, hdr, 2);
	assert_int_equal(pkt_block(p), block);
}

static void assert_error(const struct packet *p, uint16_t code, const char *msg)
{
	assert_int_equal(pkt_op(p), TFTP_ERROR);
	assert_int_equal(pkt_block(p), code);
	assert_int_equal(p->len, 5 + strlen(msg));
	assert_memory_equal(p->data + 4, msg, strlen(msg) + 1);
}

/* OACK holding exactly the given NULL-terminated name/value strings. */
static void assert_oack(const struct packet *p, ...)
{
	uint8_t want[256] = { 0, TFTP_OACK };
	size_t len = 2;
	const char *s;
	va_list ap;

	va_start(ap, p);
	while ((s = va_arg(ap, const char *)) != NULL) {
		size_t n = strlen(s) + 1;
		assert_true(n <= sizeof want - len);
		memcpy(want + len, s, n);
		len += n;
	}
	va_end(ap);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->data, want, len);
}

#define OACK(p, ...) assert_oack(p, __VA_ARGS__, NULL)

/* ---- request parsing ---------------------------------------------------- */

static void test_parse_plain_rrq(void **state)
{
	uint8_t b[600];
	size_t n = REQUEST(b, TFTP_RRQ, "undionly.kpxe", "octet");
	struct tftp_request r = parse_ok(b, n);

	(void)state;
	assert_int_equal(r.op, TFTP_RRQ);
	assert_string_equal(r.filename, "undionly.kpxe");
	assert_int_equal(r.mode, TFTP_MODE_OCTET);
	assert_false(r.has_blksize || r.has_tsize || r.has_timeout || r.has_windowsize);

	n = REQUEST(b, TFTP_WRQ, "up/load.bin", "netascii");
	r = parse_ok(b, n);
	assert_int_equal(r.op, TFTP_WRQ);
	assert_string_equal(r.filename, "up/load.bin");
	assert_int_equal(r.mode, TFTP_MODE_NETASCII);
}

static void test_parse_all_options(void **state)
{
	uint8_t b[600];
	size_t n = REQUEST(b, TFTP_RRQ, "ipxe.efi", "octet", "blksize", "1468", "tsize", "0",
			   "timeout", "2", "windowsize", "16");
	struct tftp_request r = parse_ok(b, n);

	(void)state;
	assert_true(r.has_blksize && r.has_tsize && r.has_timeout && r.has_windowsize);
	assert_int_equal(r.blksize, 1468);
	assert_int_equal(r.tsize, 0);
	assert_int_equal(r.timeout, 2);
	assert_int_equal(r.windowsize, 16);

	n = REQUEST(b, TFTP_WRQ, "f", "octet", "tsize", "123456789012");
	r = parse_ok(b, n);
	assert_true(r.has_tsize);
	assert_int_equal(r.tsize, 123456789012ULL);
}

static void test_parse_uppercase(void **state)
{
	uint8_t b[600];
	size_t n = REQUEST(b, TFTP_RRQ, "PXELINUX.0", "OcTeT", "BLKSIZE", "1432", "TSize", "0",
			   "WindowSize", "8", "TIMEOUT", "5");
	struct tftp_request r = parse_ok(b, n);

	(void)state;
	assert_string_equal(r.filename, "PXELINUX.0"); /* names keep their case */
	assert_int_equal(r.mode, TFTP_MODE_OCTET);
	assert_int_equal(r.blksize, 1432);
	assert_true(r.has_tsize);
	assert_int_equal(r.windowsize, 8);
	assert_int_equal(r.timeout, 5);

	n = REQUEST(b, TFTP_RRQ, "a", "NETASCII");
	assert_int_equal(parse_ok(b, n).mode, TFTP_MODE_NETASCII);
}

static void test_parse_unknown_options_ignored(void **state)
{
	uint8_t b[600];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", "multicast", "", "blksize", "1024",
			   "x-vendor", "whatever value", "blksizex", "junk");
	struct tftp_request r = parse_ok(b, n);

	(void)state;
	assert_true(r.has_blksize);
	assert_int_equal(r.blksize, 1024);
	assert_false(r.has_tsize || r.has_timeout || r.has_windowsize);
}

static void test_parse_malformed(void **state)
{
	uint8_t b[600] = { 0 };
	size_t n;
	char longname[TFTP_FILENAME_MAX + 2];

	(void)state;
	/* too short, wrong opcodes */
	parse_fails(b, 0, TFTP_EBADOP);
	parse_fails((const uint8_t *)"\0", 1, TFTP_EBADOP);
	parse_fails((const uint8_t *)"\0\3f\0octet\0", 10, TFTP_EBADOP);
	parse_fails((const uint8_t *)"\0\0f\0octet\0", 10, TFTP_EBADOP);
	/* file name without NUL; mode without NUL */
	parse_fails((const uint8_t *)"\0\1file", 6, TFTP_EBADOP);
	parse_fails((const uint8_t *)"\0\1file\0oct", 10, TFTP_EBADOP);
	parse_fails((const uint8_t *)"\0\1file\0", 7, TFTP_EBADOP);
	/* bad modes */
	n = REQUEST(b, TFTP_RRQ, "f", "mail");
	parse_fails(b, n, TFTP_EBADOP);
	n = REQUEST(b, TFTP_RRQ, "f", "MAIL");
	parse_fails(b, n, TFTP_EBADOP);
	n = REQUEST(b, TFTP_RRQ, "f", "binary");
	parse_fails(b, n, TFTP_EBADOP);
	n = REQUEST(b, TFTP_RRQ, "f", "octets");
	parse_fails(b, n, TFTP_EBADOP);
	n = REQUEST(b, TFTP_RRQ, "f", "");
	parse_fails(b, n, TFTP_EBADOP);
	/* empty and over-long names */
	n = REQUEST(b, TFTP_RRQ, "", "octet");
	parse_fails(b, n, TFTP_EBADOP);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	n = REQUEST(b, TFTP_RRQ, longname, "octet");
	parse_fails(b, n, TFTP_EBADOP);
	longname[TFTP_FILENAME_MAX] = '\0';
	n = REQUEST(b, TFTP_RRQ, longname, "octet");
	assert_int_equal(strlen(parse_ok(b, n).filename), TFTP_FILENAME_MAX);
	/* odd option count, missing NUL after a name or value, empty name */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize");
	parse_fails(b, n, TFTP_EOPTNEG);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "512", "tsize");
	parse_fails(b, n, TFTP_EOPTNEG);
	n = REQUEST(b, TFTP_RRQ, "f", "octet");
	memcpy(b + n, "blksize", 7);
	parse_fails(b, n + 7, TFTP_EOPTNEG);
	memcpy(b + n, "blksize\0" "512", 11);
	parse_fails(b, n + 11, TFTP_EOPTNEG);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "", "512");
	parse_fails(b, n, TFTP_EOPTNEG);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "");
	parse_fails(b, n, TFTP_EOPTNEG);
	/* duplicates of a recognised option, in any case */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "512", "BlkSize", "1024");
	parse_fails(b, n, TFTP_EOPTNEG);
	/* duplicates of unknown options do not matter */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "foo", "1", "foo", "2");
	parse_ok(b, n);
}

static void test_parse_numbers(void **state)
{
	static const struct {
		const char *name, *value;
		int rc;
		uint64_t want;
	} cases[] = {
		{ "blksize", "7", 0, 7 },
		{ "blksize", "8", 0, 8 },
		{ "blksize", "65464", 0, 65464 },
		{ "blksize", "65465", 0, 65465 },
		{ "blksize", "01468", 0, 1468 },
		{ "blksize", "4294967295", 0, 4294967295u },
		{ "blksize", "4294967296", TFTP_EOPTNEG, 0 },
		{ "blksize", "99999999999999999999999999", TFTP_EOPTNEG, 0 },
		{ "blksize", "", TFTP_EOPTNEG, 0 },
		{ "blksize", "abc", TFTP_EOPTNEG, 0 },
		{ "blksize", "-1", TFTP_EOPTNEG, 0 },
		{ "blksize", "+512", TFTP_EOPTNEG, 0 },
		{ "blksize", " 512", TFTP_EOPTNEG, 0 },
		{ "blksize", "512 ", TFTP_EOPTNEG, 0 },
		{ "blksize", "0x200", TFTP_EOPTNEG, 0 },
		{ "tsize", "18446744073709551615", 0, UINT64_MAX },
		{ "tsize", "18446744073709551616", TFTP_EOPTNEG, 0 },
		{ "tsize", "36893488147419103232", TFTP_EOPTNEG, 0 },
		{ "timeout", "0", 0, 0 },
		{ "timeout", "256", 0, 256 },
		{ "windowsize", "65536", 0, 65536 },
		{ "windowsize", "4294967296", TFTP_EOPTNEG, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[200];
		size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", cases[i].name, cases[i].value);
		struct tftp_request r;
		const char *why;
		uint64_t got;

		assert_int_equal(tftp_parse_request(b, n, &r, &why), cases[i].rc);
		if (cases[i].rc)
			continue;
		switch (cases[i].name[0]) {
		case 'b': assert_true(r.has_blksize); got = r.blksize; break;
		case 't':
			if (cases[i].name[1] == 's') {
				assert_true(r.has_tsize);
				got = r.tsize;
			} else {
				assert_true(r.has_timeout);
				got = r.timeout;
			}
			break;
		default: assert_true(r.has_windowsize); got = r.windowsize; break;
		}
		assert_true(got == cases[i].want);
	}
}

/* ---- negotiation -------------------------------------------------------- */

static void test_negotiate_blksize_bounds(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n;

	set_source(e, 100000);
	/* 7 and 65465 are invalid: ignored, plain DATA 1 of 512 bytes */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "7");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 1, 512);
	assert_string_equal(e->x.options, "-");
	clear_sent(e);

	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "65465");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 1, 512);
	clear_sent(e);

	/* 8 and 65464 are valid and acknowledged */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "8");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	OACK(&e->sent[0], "blksize", "8");
	assert_string_equal(e->x.options, "blksize=8");
	clear_sent(e);
	send_ack(e, 0);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 1, 8);
	clear_sent(e);

	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "65464");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "65464");
	clear_sent(e);
	send_ack(e, 0);
	assert_src_data(e, &e->sent[0], 1, 65464);
	clear_sent(e);

	/* the server's limit caps the value */
	e->lim.max_blksize = 1468;
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "65464");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "1468");
	clear_sent(e);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "1024");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "1024");
}

static void test_negotiate_timeout_windowsize(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n;

	set_source(e, 10);
	/* out-of-range values are not acknowledged */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "timeout", "0", "windowsize", "0");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(pkt_op(&e->sent[0]), TFTP_DATA);
	assert_int_equal(e->x.deadline_ms, e->now + 1000);
	clear_sent(e);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "timeout", "256", "windowsize", "65536");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(pkt_op(&e->sent[0]), TFTP_DATA);
	clear_sent(e);

	/* in range: timeout as asked, window capped by the server */
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "timeout", "255", "windowsize", "65535");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "windowsize", "64", "timeout", "255");
	assert_string_equal(e->x.options, "windowsize=64 timeout=255");
	assert_int_equal(e->x.deadline_ms, e->now + 255000);
	clear_sent(e);

	/* a policy asking for more than the server can track still gets 64 */
	e->lim.max_windowsize = 1000;
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "windowsize", "200");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "windowsize", "64");
	clear_sent(e);

	e->lim.max_windowsize = 8;
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "timeout", "1", "windowsize", "16");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "windowsize", "8", "timeout", "1");
	clear_sent(e);
	n = REQUEST(b, TFTP_RRQ, "f", "octet", "windowsize", "1");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "windowsize", "1");
}

static void test_oack_pxe_request(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n = REQUEST(b, TFTP_RRQ, "undionly.kpxe", "octet", "tsize", "0", "blksize", "1468");

	set_source(e, 70000);
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	OACK(&e->sent[0], "blksize", "1468", "tsize", "70000");
	assert_string_equal(e->x.options, "blksize=1468 tsize=70000");
	assert_true(e->x.oack_outstanding);
	clear_sent(e);

	/* stray ACKs other than 0 are ignored while the OACK is outstanding */
	send_ack(e, 1);
	assert_int_equal(e->nsent, 0);
	send_ack(e, 0);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 1, 1468);
	clear_sent(e);
	/* a second ACK 0 is a duplicate now */
	send_ack(e, 0);
	assert_int_equal(e->nsent, 0);
	send_ack(e, 1);
	assert_src_data(e, &e->sent[0], 2, 1468);
	assert_int_equal(e->x.bytes, 1468);
}

static void test_tsize_of_empty_file(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n;

	/* tsize 0 in an OACK is refused by some clients: leave it out */
	set_source(e, 0);
	n = REQUEST(b, TFTP_RRQ, "empty", "octet", "tsize", "0");
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_data(&e->sent[0], 1, NULL, 0);
	assert_string_equal(e->x.options, "-");
	clear_sent(e);
	n = REQUEST(b, TFTP_RRQ, "empty", "octet", "tsize", "0", "blksize", "512");
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "512");
	clear_sent(e);
	send_ack(e, 0);
	assert_data(&e->sent[0], 1, NULL, 0);
	send_ack(e, 1);
	assert_int_equal(e->x.state, TFTP_DONE);
}

static void test_oack_timeout_resends_oack(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", "tsize", "0");

	set_source(e, 5);
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "tsize", "5");
	clear_sent(e);
	expire(e);
	assert_int_equal(e->nsent, 1);
	OACK(&e->sent[0], "tsize", "5");
}

static void test_oack_refused_with_error8(void **state)
{
	struct env *e = *state;
	uint8_t b[200];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "1468");

	set_source(e, 5000);
	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	send_error(e, TFTP_EOPTNEG, "option not supported");
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_EOPTNEG);
	assert_int_equal(e->nsent, 0);
	assert_string_equal(e->x.outcome, "client error 8: option not supported");
	/* nothing more happens */
	send_ack(e, 0);
	expire(e);
	assert_int_equal(e->nsent, 0);
}

/* ---- path normalisation ------------------------------------------------- */

static void test_path_refused(void **state)
{
	static const char *bad[] = {
		"", "/", "//", ".", "..", "/..", "/../", "../x", "a/../../x", "a/..", "a/../b",
		"./a", "a/./b", "a/.", "..\\x", "a\\b", "\\", "x/..//..", "a//..//b",
		"a\001b", "\x1b[31m", "a\x7f", "\x7f", "tab\there", "new\nline", "\r",
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 'Z', sizeof out);
		if (tftp_path_normalize(bad[i], out, sizeof out) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(out[0], '\0');
	}
}

static void test_path_accepted(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "pxelinux.0", "pxelinux.0" },
		{ "/pxelinux.0", "pxelinux.0" },
		{ "//a//b", "a/b" },
		{ "///a/b/", "a/b" },
		{ "arm64/ipxe.efi", "arm64/ipxe.efi" },
		{ "...", "..." },
		{ "..a/a..", "..a/a.." },
		{ ".hidden", ".hidden" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "a b", "a b" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(tftp_path_normalize(good[i].in, out, sizeof out), 0);
		assert_string_equal(out, good[i].out);
	}
}

static void test_path_capacity(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(tftp_path_normalize("/abc/def", out, 8), 0); /* 7 + NUL */
	assert_string_equal(out, "abc/def");
	assert_int_equal(tftp_path_normalize("/abc/defg", out, 8), -1);
	assert_int_equal(tftp_path_normalize("abcdefgh", out, 8), -1);
	assert_int_equal(tftp_path_normalize("a", out, 1), -1);
	assert_int_equal(tftp_path_normalize("a", out, 0), -1);
	assert_int_equal(tftp_path_normalize("a", out, 2), 0);
	assert_string_equal(out, "a");
}

/* ---- packet builders ---------------------------------------------------- */

static void test_builders(void **state)
{
	uint8_t b[16];

	(void)state;
	assert_int_equal(tftp_build_ack(b, sizeof b, 0x1234), 4);
	assert_memory_equal(b, "\0\4\x12\x34", 4);
	assert_int_equal(tftp_build_ack(b, 3, 1), 0);
	assert_int_equal(tftp_build_error(b, sizeof b, 1, "not found"), 14);
	assert_memory_equal(b, "\0\5\0\1not found\0", 14);
	assert_int_equal(tftp_build_error(b, 13, 1, "not found"), 0);
	assert_int_equal(tftp_build_error(b, 5, 2, ""), 5);
	assert_memory_equal(b, "\0\5\0\2\0", 5);
	assert_int_equal(tftp_build_error(b, 4, 2, ""), 0);
}

/* ---- RRQ octet transfers ------------------------------------------------ */

/* Plain lockstep download of `size` bytes at 512: every block checked. */
static void lockstep_download(struct env *e, size_t size)
{
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");
	uint64_t blocks = size / 512 + 1;

	set_source(e, size);
	clear_sent(e);
	assert_int_equal(rrq_start(e, b, n), 0);
	for (uint64_t blk = 1; blk <= blocks; blk++) {
		assert_int_equal(e->x.state, TFTP_RUNNING);
		assert_int_equal(e->nsent, 1);
		assert_src_data(e, &e->sent[0], blk, 512);
		assert_int_equal(e->x.deadline_ms, e->now + 1000);
		clear_sent(e);
		e->now += 3;
		send_ack(e, (uint16_t)blk);
	}
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_string_equal(e->x.outcome, "ok");
	assert_int_equal(e->x.bytes, size);
	assert_int_equal(e->nsent, 0);
}

static void test_rrq_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 1024, 1025, 4096 };
	struct env *e = *state;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		lockstep_download(e, sizes[i]);
}

static void test_rrq_exact_packets(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");

	/* 0 bytes: one empty DATA block */
	set_source(e, 0);
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_int_equal(e->sent[0].len, 4);
	assert_memory_equal(e->sent[0].data, "\0\3\0\1", 4);
	clear_sent(e);
	send_ack(e, 1);
	assert_int_equal(e->x.state, TFTP_DONE);

	/* 1024 bytes: 512, 512, then an empty block */
	set_source(e, 1024);
	assert_int_equal(rrq_start(e, b, n), 0);
	send_ack(e, 1);
	send_ack(e, 2);
	assert_int_equal(e->nsent, 3);
	assert_int_equal(e->sent[0].len, 516);
	assert_int_equal(e->sent[1].len, 516);
	assert_memory_equal(e->sent[2].data, "\0\3\0\3", 4);
	assert_int_equal(e->sent[2].len, 4);
	assert_int_equal(e->x.state, TFTP_RUNNING);
	assert_int_equal(e->x.bytes, 1024);
	send_ack(e, 3);
	assert_int_equal(e->x.state, TFTP_DONE);
}

static void test_rrq_rollover(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "big", "octet", "blksize", "8");
	const uint64_t full = 65536;

	set_source(e, full * 8); /* 65536 full blocks and an empty one */
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "8");
	clear_sent(e);
	send_ack(e, 0);
	for (uint64_t blk = 1; blk <= full + 1; blk++) {
		assert_int_equal(e->nsent, 1);
		if (blk <= full)
			assert_src_data(e, &e->sent[0], blk, 8);
		else
			assert_data(&e->sent[0], 1, NULL, 0);
		if (blk == full)
			assert_int_equal(pkt_block(&e->sent[0]), 0);
		clear_sent(e);
		if (blk == 65535 || blk == full) {
			/* the previous block's number is a duplicate, not a jump back */
			send_ack(e, (uint16_t)(blk - 1));
			assert_int_equal(e->nsent, 0);
		}
		send_ack(e, (uint16_t)blk);
	}
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, full * 8);
	assert_int_equal(e->nsent, 0);
}

static void test_rrq_window_loss(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", "windowsize", "4");

	set_source(e, 5000); /* blocks 1..9 full, block 10 has 392 bytes */
	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "windowsize", "4");
	clear_sent(e);
	send_ack(e, 0);
	assert_int_equal(e->nsent, 4);
	for (int i = 0; i < 4; i++)
		assert_src_data(e, &e->sent[i], (uint64_t)i + 1, 512);
	clear_sent(e);

	/* block 3 lost: the client acknowledges 2, the window slides to 3..6 */
	e->now += 10;
	send_ack(e, 2);
	assert_int_equal(e->nsent, 2);
	assert_src_data(e, &e->sent[0], 5, 512);
	assert_src_data(e, &e->sent[1], 6, 512);
	assert_int_equal(e->x.deadline_ms, e->now + 1000);
	assert_int_equal(e->x.bytes, 1024);
	clear_sent(e);
	/* further ACKs of 2 (for the out-of-order blocks) change nothing */
	send_ack(e, 2);
	send_ack(e, 2);
	assert_int_equal(e->nsent, 0);
	/* an old ACK neither */
	send_ack(e, 1);
	assert_int_equal(e->nsent, 0);

	/* the timeout resends the whole window from base */
	expire(e);
	assert_int_equal(e->nsent, 4);
	for (int i = 0; i < 4; i++)
		assert_src_data(e, &e->sent[i], (uint64_t)i + 3, 512);
	assert_int_equal(e->x.deadline_ms, e->now + 2000);
	clear_sent(e);

	send_ack(e, 6);
	assert_int_equal(e->nsent, 4);
	for (int i = 0; i < 4; i++)
		assert_src_data(e, &e->sent[i], (uint64_t)i + 7, 512);
	assert_int_equal(e->x.deadline_ms, e->now + 1000); /* backoff reset */
	clear_sent(e);
	send_ack(e, 8);
	assert_int_equal(e->nsent, 0); /* block 10 is the last one: nothing to add */
	send_ack(e, 10);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 5000);
	assert_int_equal(e->nsent, 0);
}

static void test_rrq_duplicate_and_old_acks(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");
	uint64_t deadline;

	set_source(e, 3000);
	assert_int_equal(rrq_start(e, b, n), 0);
	send_ack(e, 1);
	send_ack(e, 2);
	assert_int_equal(e->nsent, 3);
	clear_sent(e);
	deadline = e->x.deadline_ms;
	e->now += 100;
	/* duplicates of the current ACK, older ACKs and far-away numbers */
	send_ack(e, 2);
	send_ack(e, 2);
	send_ack(e, 1);
	send_ack(e, 0);
	send_ack(e, 4);
	send_ack(e, 0xffff);
	send_ack(e, 7);
	assert_int_equal(e->nsent, 0);
	assert_int_equal(e->x.base, 3);
	assert_int_equal(e->x.next, 4);
	assert_int_equal(e->x.deadline_ms, deadline);
	assert_int_equal(e->x.state, TFTP_RUNNING);
	/* progress still works */
	send_ack(e, 3);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 4, 512);
}

static void test_rrq_retries_exhausted(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");
	uint64_t t0;

	set_source(e, 2000);
	e->lim.retries = 3;
	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	t0 = e->now;
	/* early timer calls do nothing */
	tftp_xfer_timeout(&e->x, t0 + 999);
	assert_int_equal(e->nsent, 0);
	/* backoff 1 s -> 2 s -> 4 s -> 4 s (cap is 4x) */
	expire(e);
	assert_int_equal(e->now, t0 + 1000);
	assert_int_equal(e->x.deadline_ms, e->now + 2000);
	expire(e);
	assert_int_equal(e->x.deadline_ms, e->now + 4000);
	expire(e);
	assert_int_equal(e->x.deadline_ms, e->now + 4000);
	assert_int_equal(e->nsent, 3);
	for (int i = 0; i < 3; i++)
		assert_src_data(e, &e->sent[i], 1, 512);
	clear_sent(e);
	expire(e);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_string_equal(e->x.outcome, "timeout");
	assert_int_equal(e->nsent, 1);
	assert_error(&e->sent[0], 0, "timeout");
	clear_sent(e);
	send_ack(e, 1);
	tftp_xfer_timeout(&e->x, UINT64_MAX);
	assert_int_equal(e->nsent, 0);
}

static void test_rrq_send_failure_is_loss(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");

	set_source(e, 700);
	e->send_failures = 1;
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->x.state, TFTP_RUNNING);
	clear_sent(e);
	expire(e);
	assert_int_equal(e->nsent, 1);
	assert_src_data(e, &e->sent[0], 1, 512);
}

static void test_rrq_read_error(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");

	set_source(e, 2000);
	e->read_fail = true;
	assert_int_equal(rrq_start(e, b, n), -1);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, 0);
	assert_string_equal(e->x.outcome, "read error");
	assert_int_equal(e->nsent, 1);
	assert_error(&e->sent[0], 0, "read error");
	clear_sent(e);

	/* a file that shrank below the announced size is a read error too */
	e->read_fail = false;
	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	e->src_len = 600;
	send_ack(e, 1);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_error(&e->sent[0], 0, "read error");
}

static void test_rrq_one_read_per_block(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet", "blksize", "1468", "windowsize", "8");

	set_source(e, 100 * 1468 + 5);
	assert_int_equal(rrq_start(e, b, n), 0);
	send_ack(e, 0);
	assert_int_equal(e->reads, 8);
	send_ack(e, 8);
	assert_int_equal(e->reads, 16);
}

static void test_rrq_peer_error(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");
	const uint8_t err[] = "\0\5\0\1no\x01such\xff" "file";

	set_source(e, 2000);
	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	wire(e, err, sizeof err - 1); /* no terminating NUL either */
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, 1);
	assert_string_equal(e->x.outcome, "client error 1: no?such?file");
	assert_int_equal(e->nsent, 0);
}

static void test_rrq_unexpected_and_truncated(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "octet");

	set_source(e, 2000);
	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	/* truncated packets are ignored */
	wire(e, "\0\4\0", 3);
	wire(e, "\0\5", 2);
	wire(e, "", 0);
	assert_int_equal(e->nsent, 0);
	assert_int_equal(e->x.state, TFTP_RUNNING);
	/* DATA sent to a reading client is nonsense */
	send_data(e, 1, "abc", 3);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_EBADOP);
	assert_string_equal(e->x.outcome, "unexpected opcode 3");
	assert_int_equal(e->nsent, 1);
	assert_error(&e->sent[0], TFTP_EBADOP, "illegal TFTP operation");
	clear_sent(e);

	assert_int_equal(rrq_start(e, b, n), 0);
	clear_sent(e);
	wire(e, "\0\x63\0\0", 4);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_string_equal(e->x.outcome, "unexpected opcode 99");
}

/* ---- RRQ netascii ------------------------------------------------------- */

/* Reference netascii encoding. */
static size_t netascii_encode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (in[i] == '\r') {
			out[o++] = '\r';
			out[o++] = '\0';
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

static void test_netascii_translation(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "netascii", "tsize", "0");

	set_source_bytes(e, "a\nb\rc\r\n", 7);
	assert_int_equal(rrq_start(e, b, n), 0);
	/* tsize is not acknowledged in netascii: no OACK */
	assert_string_equal(e->x.options, "-");
	assert_int_equal(e->nsent, 1);
	assert_data(&e->sent[0], 1, "a\r\nb\r\0c\r\0\r\n", 11);
	send_ack(e, 1);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 7);
}

static void test_netascii_split_pairs(void **state)
{
	struct env *e = *state;
	uint8_t b[100], src[600];
	size_t n = REQUEST(b, TFTP_RRQ, "f", "netascii");

	/* LF whose CR is the last byte of block 1 */
	memset(src, 'x', 511);
	memcpy(src + 511, "\nyz", 3);
	set_source_bytes(e, src, 514);
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_int_equal(e->sent[0].len, 516);
	assert_int_equal(e->sent[0].data[515], '\r');
	assert_memory_equal(e->sent[0].data + 4, src, 511);
	send_ack(e, 1);
	assert_int_equal(e->x.bytes, 512);
	assert_data(&e->sent[1], 2, "\nyz", 3);
	send_ack(e, 2);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 514);
	clear_sent(e);

	/* CR at the end of the file splitting into CR | NUL */
	memset(src, 'x', 511);
	src[511] = '\r';
	set_source_bytes(e, src, 512);
	assert_int_equal(rrq_start(e, b, n), 0);
	send_ack(e, 1);
	assert_data(&e->sent[1], 2, "\0", 1);
	send_ack(e, 2);
	assert_int_equal(e->x.state, TFTP_DONE);
	clear_sent(e);

	/* output exactly one block: an empty block ends the transfer */
	memset(src, 'x', 510);
	src[510] = '\n';
	set_source_bytes(e, src, 511);
	assert_int_equal(rrq_start(e, b, n), 0);
	assert_int_equal(e->sent[0].len, 516);
	send_ack(e, 1);
	assert_data(&e->sent[1], 2, NULL, 0);
	send_ack(e, 2);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 511);
}

/* Keep a copy of the latest DATA packet of each block (numbers < 128). */
static void save_blocks(struct env *e, struct packet saved[128], uint16_t *highest)
{
	for (size_t i = 0; i < e->nsent; i++) {
		const struct packet *p = &e->sent[i];
		uint16_t blk = pkt_block(p);

		assert_int_equal(pkt_op(p), TFTP_DATA);
		assert_true(blk > 0 && blk < 128);
		free(saved[blk].data);
		saved[blk].data = malloc(p->len);
		assert_non_null(saved[blk].data);
		memcpy(saved[blk].data, p->data, p->len);
		saved[blk].len = p->len;
		if (blk > *highest)
			*highest = blk;
	}
	clear_sent(e);
}

static void test_netascii_window_retransmit(void **state)
{
	struct env *e = *state;
	uint8_t b[100], src[300], want[600], got[600];
	struct packet saved[128] = { { 0 } };
	size_t n = REQUEST(b, TFTP_RRQ, "f", "netascii", "blksize", "8", "windowsize", "4");
	size_t wlen, glen = 0;
	uint16_t highest = 0, blk;

	/* CR and LF at every position of a block, pairs split across blocks */
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = i % 7 == 6 ? '\n' : i % 11 == 10 ? '\r' : (uint8_t)('a' + i % 26);
	set_source_bytes(e, src, sizeof src);
	wlen = netascii_encode(src, sizeof src, want);

	assert_int_equal(rrq_start(e, b, n), 0);
	OACK(&e->sent[0], "blksize", "8", "windowsize", "4");
	clear_sent(e);
	send_ack(e, 0);
	assert_int_equal(e->nsent, 4);
	save_blocks(e, saved, &highest);
	send_ack(e, 2); /* slide, so the window no longer starts at block 1 */
	assert_int_equal(e->nsent, 2);
	save_blocks(e, saved, &highest);
	assert_int_equal(highest, 6);

	/* the resent window 3..6 is byte for byte what was sent before */
	expire(e);
	assert_int_equal(e->nsent, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pkt_block(&e->sent[i]), 3 + i);
		assert_int_equal(e->sent[i].len, saved[3 + i].len);
		assert_memory_equal(e->sent[i].data, saved[3 + i].data, saved[3 + i].len);
	}
	clear_sent(e);

	/* finish, acknowledging whatever arrived last */
	while (e->x.state == TFTP_RUNNING) {
		send_ack(e, highest);
		save_blocks(e, saved, &highest);
	}
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, sizeof src);
	assert_int_equal(highest, wlen / 8 + 1);
	for (blk = 1; blk <= highest; blk++) {
		size_t plen = saved[blk].len - 4;

		assert_true(blk == highest ? plen < 8 : plen == 8);
		memcpy(got + glen, saved[blk].data + 4, plen);
		glen += plen;
		free(saved[blk].data);
	}
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
}

/* ---- WRQ ---------------------------------------------------------------- */

static void test_wrq_octet(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[612];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "octet");

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13);
	assert_int_equal(wrq_start(e, b, n), 0);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 0);
	assert_int_equal(e->x.deadline_ms, e->now + 1000);
	clear_sent(e);
	send_data(e, 1, data, 512);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 1);
	send_data(e, 2, data + 512, 100);
	assert_int_equal(e->nsent, 2);
	assert_ack(&e->sent[1], 2);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 612);
	assert_int_equal(e->dst_len, 612);
	assert_memory_equal(e->dst, data, 612);
	assert_int_equal(e->writes, 2);
}

static void test_wrq_empty_and_exact(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[512];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "octet");

	memset(data, 'q', sizeof data);
	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, NULL, 0);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 0);
	assert_int_equal(e->writes, 0);
	clear_sent(e);

	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, data, 512);
	assert_int_equal(e->x.state, TFTP_RUNNING);
	send_data(e, 2, NULL, 0);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 512);
	assert_ack(&e->sent[2], 2);
}

static void test_wrq_duplicate_data(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[512];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "octet");

	memset(data, 'd', sizeof data);
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	send_data(e, 1, data, 512);
	send_data(e, 1, data, 512); /* our ACK 1 was lost */
	assert_int_equal(e->nsent, 2);
	assert_ack(&e->sent[0], 1);
	assert_ack(&e->sent[1], 1);
	assert_int_equal(e->writes, 1);
	assert_int_equal(e->x.bytes, 512);
	/* DATA 0 never existed: ignored */
	send_data(e, 0, data, 512);
	assert_int_equal(e->nsent, 2);
	send_data(e, 2, data, 10);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 522);
	assert_int_equal(e->writes, 2);
}

static void test_wrq_window(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[8 * 512];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "octet", "tsize", "3000", "windowsize", "4");

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(wrq_start(e, b, n), 0);
	OACK(&e->sent[0], "tsize", "3000", "windowsize", "4");
	assert_string_equal(e->x.options, "tsize=3000 windowsize=4");
	clear_sent(e);
	/* the OACK is repeated on timeout until DATA 1 comes */
	expire(e);
	OACK(&e->sent[0], "tsize", "3000", "windowsize", "4");
	clear_sent(e);
	for (uint16_t blk = 1; blk <= 3; blk++)
		send_data(e, blk, data + (blk - 1) * 512, 512);
	assert_int_equal(e->nsent, 0);
	send_data(e, 4, data + 3 * 512, 512);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 4);
	clear_sent(e);
	/* block 5 lost: report the gap once */
	send_data(e, 6, data + 5 * 512, 512);
	send_data(e, 7, data + 6 * 512, 512);
	send_data(e, 8, data + 7 * 512, 512);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 4);
	clear_sent(e);
	/* the client restarts from 5: a full window again before the next ACK */
	send_data(e, 5, data + 4 * 512, 512);
	send_data(e, 6, data + 5 * 512, 512);
	assert_int_equal(e->nsent, 0);
	/* a timeout repeats the ACK of everything in order so far */
	expire(e);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 6);
	clear_sent(e);
	send_data(e, 7, data + 6 * 512, 100);
	assert_int_equal(e->nsent, 1);
	assert_ack(&e->sent[0], 7);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 6 * 512 + 100);
	assert_memory_equal(e->dst, data, 6 * 512 + 100);
}

static void test_wrq_netascii(void **state)
{
	struct env *e = *state;
	uint8_t b[100], blk1[512];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "netascii");
	uint8_t want[600];

	/* CR at the end of block 1, its LF at the start of block 2 */
	memset(blk1, 'a', 511);
	blk1[511] = '\r';
	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, blk1, 512);
	assert_int_equal(e->x.bytes, 511);
	send_data(e, 2, "\nb\r\0c\rd\r", 8);
	assert_int_equal(e->x.state, TFTP_DONE);
	memset(want, 'a', 511);
	memcpy(want + 511, "\nb\rc\rd\r", 7);
	assert_int_equal(e->x.bytes, 518);
	assert_int_equal(e->dst_len, 518);
	assert_memory_equal(e->dst, want, 518);
	assert_ack(&e->sent[2], 2);
}

static void test_wrq_netascii_in_place(void **state)
{
	struct env *e = *state;
	uint8_t b[100];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "netascii");
	uint8_t *p = e->x.pkt;

	/* the worker may receive straight into x->pkt */
	assert_int_equal(wrq_start(e, b, n), 0);
	memcpy(p, "\0\3\0\1line1\r\nline2\r\0\r\n", 21);
	tftp_xfer_input(&e->x, p, 21, e->now);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->dst_len, 14);
	assert_memory_equal(e->dst, "line1\nline2\r\n", 14);
}

static void test_wrq_upload_max(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[512];
	size_t n;

	memset(data, 'u', sizeof data);
	e->lim.upload_max = 1000;
	/* an announced size over the cap is refused up front */
	n = REQUEST(b, TFTP_WRQ, "up", "octet", "tsize", "1001");
	assert_int_equal(wrq_start(e, b, n), -1);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_ENOSPACE);
	assert_int_equal(e->nsent, 1);
	assert_error(&e->sent[0], TFTP_ENOSPACE, "file too large");
	clear_sent(e);
	n = REQUEST(b, TFTP_WRQ, "up", "octet", "tsize", "1000");
	assert_int_equal(wrq_start(e, b, n), 0);
	OACK(&e->sent[0], "tsize", "1000");
	clear_sent(e);

	/* and so is the data that goes past it */
	n = REQUEST(b, TFTP_WRQ, "up", "octet");
	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, data, 512);
	clear_sent(e);
	send_data(e, 2, data, 512);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_ENOSPACE);
	assert_string_equal(e->x.outcome, "file too large");
	assert_error(&e->sent[0], TFTP_ENOSPACE, "file too large");
	assert_int_equal(e->x.bytes, 512);
	assert_int_equal(e->writes, 1);
	clear_sent(e);

	/* exactly the cap is fine, one byte more is not */
	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, data, 512);
	send_data(e, 2, data, 488);
	assert_int_equal(e->x.state, TFTP_DONE);
	assert_int_equal(e->x.bytes, 1000);
	assert_int_equal(wrq_start(e, b, n), 0);
	send_data(e, 1, data, 512);
	send_data(e, 2, data, 489);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.bytes, 512);
}

static void test_wrq_errors(void **state)
{
	struct env *e = *state;
	uint8_t b[100], data[600];
	size_t n = REQUEST(b, TFTP_WRQ, "up", "octet");

	memset(data, 'w', sizeof data);
	/* write failure */
	e->write_fail = true;
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	send_data(e, 1, data, 512);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_ENOSPACE);
	assert_error(&e->sent[0], TFTP_ENOSPACE, "write error");
	clear_sent(e);
	e->write_fail = false;

	/* a block larger than negotiated */
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	send_data(e, 1, data, 513);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, TFTP_EBADOP);
	assert_int_equal(pkt_op(&e->sent[0]), TFTP_ERROR);
	clear_sent(e);

	/* an ACK sent to the reader of an upload */
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	send_ack(e, 0);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_error(&e->sent[0], TFTP_EBADOP, "illegal TFTP operation");
	clear_sent(e);

	/* the client gives up */
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	send_error(e, TFTP_ENOTDEFINED, "cancelled by user");
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_int_equal(e->x.err_code, 0);
	assert_string_equal(e->x.outcome, "client error 0: cancelled by user");
	assert_int_equal(e->nsent, 0);

	/* silence */
	e->lim.retries = 1;
	assert_int_equal(wrq_start(e, b, n), 0);
	clear_sent(e);
	expire(e);
	assert_ack(&e->sent[0], 0);
	expire(e);
	assert_int_equal(e->x.state, TFTP_FAILED);
	assert_string_equal(e->x.outcome, "timeout");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse_plain_rrq),
		T(test_parse_all_options),
		T(test_parse_uppercase),
		T(test_parse_unknown_options_ignored),
		T(test_parse_malformed),
		T(test_parse_numbers),
		T(test_negotiate_blksize_bounds),
		T(test_negotiate_timeout_windowsize),
		T(test_oack_pxe_request),
		T(test_tsize_of_empty_file),
		T(test_oack_timeout_resends_oack),
		T(test_oack_refused_with_error8),
		T(test_path_refused),
		T(test_path_accepted),
		T(test_path_capacity),
		T(test_builders),
		T(test_rrq_sizes),
		T(test_rrq_exact_packets),
		T(test_rrq_rollover),
		T(test_rrq_window_loss),
		T(test_rrq_duplicate_and_old_acks),
		T(test_rrq_retries_exhausted),
		T(test_rrq_send_failure_is_loss),
		T(test_rrq_read_error),
		T(test_rrq_one_read_per_block),
		T(test_rrq_peer_error),
		T(test_rrq_unexpected_and_truncated),
		T(test_netascii_translation),
		T(test_netascii_split_pairs),
		T(test_netascii_window_retransmit),
		T(test_wrq_octet),
		T(test_wrq_empty_and_exact),
		T(test_wrq_duplicate_data),
		T(test_wrq_window),
		T(test_wrq_netascii),
		T(test_wrq_netascii_in_place),
		T(test_wrq_upload_max),
		T(test_wrq_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
