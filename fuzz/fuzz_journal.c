/* fuzz_journal.c — harness for the lease journal codec and the lease table.
 *
 * Input layout (integers big-endian):
 *   [0]     bit 0: table layout (one subnet, or three); bits 1-7: hold time
 *   [1]     lease time (x 8 s) and quarantine time (x 4 s): high/low nibble
 *   [2..3]  length n, then n bytes decoded as a journal
 *   rest    operations, see do_op()
 * The journal bytes are scanned; every record decoded must re-encode to the
 * same bytes and decode again to the same record, and is applied to the table.
 * Then the operations drive the table as the DHCP worker would (offers,
 * requests whose ACKs are committed in batches, releases, declines, time,
 * restarts from the journal kept alongside) while a model of every durable
 * grant checks that no address is ever given to two clients.  The table's
 * invariants are checked after every step; at the end the table is
 * snapshotted, replayed into a fresh table and compared.  Any violation
 * aborts.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/journal.h"

#define MAX_OPS 1000
#define N_CLIENTS 8
#define MAX_PENDING 8
#define MAX_SLOTS 64
#define SHADOW_MAX 32768
#define SHADOW_COMPACT 4096  /* keeps restarts cheap */

struct input {
	const uint8_t *p;
	size_t len, pos;
};

/* What was made durable (and so promised to a client) for each slot. */
struct grant {
	bool valid;
	struct lease_client client;
	uint64_t until;
	uint64_t quarantine_until;
};

struct ack {
	struct lease_client client;
	uint32_t addr;
};

struct harness {
	struct lease_table t;
	uint64_t now;
	uint32_t hold, lease_s, quarantine_s;
	struct lease_client clients[N_CLIENTS];
	uint32_t addrs[MAX_SLOTS + 8];
	size_t n_addrs;
	struct grant grants[MAX_SLOTS];
	struct ack pending[MAX_PENDING];
	size_t n_pending;
	uint8_t shadow[SHADOW_MAX];   /* the journal the worker would have written */
	size_t shadow_len;
};

static struct harness h;
static struct policy_dhcp layouts[2];
static const uint8_t key[LEASE_HASH_KEY_SIZE] = "fuzz-journal-key";

static void check(bool ok)
{
	if (!ok)
		abort();
}

static unsigned take8(struct input *in)
{
	return in->pos < in->len ? in->p[in->pos++] : 0;
}

static const uint8_t *take_bytes(struct input *in, size_t *n)
{
	const uint8_t *p = in->p + in->pos;

	if (*n > in->len - in->pos)
		*n = in->len - in->pos;
	in->pos += *n;
	return p;
}

static void check_table(const struct lease_table *t)
{
	const char *why;

	check(lease_check_invariants(t, &why) == 0);
}

/* ---- set-up ---------------------------------------------------------------- */

static struct in_addr in4(uint32_t a)
{
	return (struct in_addr){ htonl(a) };
}

static void mac_of(uint8_t mac[6], unsigned n)
{
	const uint8_t m[6] = { 0x02, 0, 0, 0, 0, (uint8_t)n };

	memcpy(mac, m, 6);
}

static void add_subnet(struct policy_dhcp *d, uint32_t net, uint8_t prefix, uint32_t lo,
		       uint32_t hi)
{
	struct policy_subnet *s = &d->subnets[d->n_subnets++];

	s->network = in4(net);
	s->prefix_len = prefix;
	s->range_low = in4(lo);
	s->range_high = in4(hi);
}

static void add_host(struct policy_dhcp *d, unsigned mac, uint32_t addr)
{
	struct policy_host *ph = &d->hosts[d->n_hosts++];

	mac_of(ph->mac, mac);
	ph->address = in4(addr);
}

static void init_layouts(void)
{
	struct policy_dhcp *a = &layouts[0], *b = &layouts[1];

	/* one /24: 16 range addresses, fixed hosts outside, inside, nowhere, twice */
	add_subnet(a, 0x0a000000, 24, 0x0a00000a, 0x0a000019);
	add_host(a, 1, 0x0a000005);
	add_host(a, 2, 0x0a00000c);
	add_host(a, 3, 0x0b000001);
	add_host(a, 4, 0x0a000005);
	/* three subnets, one without a range */
	add_subnet(b, 0x0a000000, 24, 0x0a00000a, 0x0a00000d);
	add_subnet(b, 0x0a000100, 24, 0x0a00010a, 0x0a00010d);
	add_subnet(b, 0x0a000200, 24, 0, 0);
	add_host(b, 1, 0x0a000207);
	add_host(b, 2, 0x0a000114);
	add_host(b, 1, 0x0a000006);
}

/* Eight clients: 0-5 by MAC; 6 and 7 are client 1's machine with option 61
 * identities; 5 has client 4's option 61 identity on another MAC. */
static void init_clients(struct harness *hh)
{
	static const uint8_t uefi[] = "\x00uefi", os[] = "os", shared[] = "\xff\x01shared";

	for (unsigned i = 0; i < N_CLIENTS; i++) {
		struct lease_client *c = &hh->clients[i];
		uint8_t mac[6];

		mac_of(mac, i == 6 || i == 7 ? 1 : i);
		if (i == 6)
			check(lease_client_make(c, uefi, sizeof uefi - 1, 1, mac, 6) == 0);
		else if (i == 7)
			check(lease_client_make(c, os, sizeof os - 1, 1, mac, 6) == 0);
		else if (i == 4 || i == 5)
			check(lease_client_make(c, shared, sizeof shared - 1, 1, mac, 6) == 0);
		else
			check(lease_client_make(c, NULL, 0, 1, mac, 6) == 0);
	}
}

static void init_addrs(struct harness *hh)
{
	static const uint32_t extra[] = { 0, 0x0a0000c8, 0x0b000001, 0x0a000000, 0x0a0001ff };

	hh->n_addrs = 0;
	for (uint32_t i = 0; i < lease_slot_count(&hh->t) && i < MAX_SLOTS; i++)
		hh->addrs[hh->n_addrs++] = lease_slot(&hh->t, i)->addr;
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		hh->addrs[hh->n_addrs++] = extra[i];
}

/* ---- the journal bytes of the input ------------------------------------------- */

struct scan_ctx {
	const uint8_t *p;
	size_t pos;
	struct lease_table *t;
};

static bool records_equal(const struct journal_record *a, const struct journal_record *b)
{
	return a->type == b->type && a->client.id_len == b->client.id_len &&
	       memcmp(a->client.id, b->client.id, sizeof a->client.id) == 0 &&
	       memcmp(a->client.mac, b->client.mac, 6) == 0 && a->addr == b->addr &&
	       a->expiry == b->expiry && strcmp(a->hostname, b->hostname) == 0;
}

static int scan_record(void *ctx, const struct journal_record *r)
{
	struct scan_ctx *sc = ctx;
	uint8_t buf[JOURNAL_RECORD_MAX];
	struct journal_record again;
	size_t len = journal_encode(r, buf, sizeof buf), used;

	/* one encoding per record: the same bytes come back */
	check(len > 0 && memcmp(buf, sc->p + sc->pos, len) == 0);
	check(journal_decode(buf, len, &again, &used, NULL) == JOURNAL_OK && used == len);
	check(records_equal(r, &again));
	sc->pos += len;
	journal_apply_to_table(sc->t, r);
	check_table(sc->t);
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The checksum hides the field checks from mutation: walk the bytes as
 * records, give each a correct checksum, and decode it. */
static void fuzz_fields(const uint8_t *p, size_t len)
{
	static uint8_t buf[65536];
	size_t pos = 0;

	if (len > sizeof buf)
		len = sizeof buf;
	memcpy(buf, p, len);
	while (len - pos >= JOURNAL_HEADER_SIZE) {
		size_t plen = (size_t)buf[pos + 4] << 8 | buf[pos + 5], total, used;
		uint8_t again[JOURNAL_RECORD_MAX];
		struct journal_record r;
		enum journal_status st;

		if (memcmp(buf + pos, "BWJ\x01", 4) != 0 || plen < JOURNAL_PAYLOAD_MIN ||
		    plen > JOURNAL_PAYLOAD_MAX || len - pos < plen + JOURNAL_HEADER_SIZE + 4)
			break;
		total = JOURNAL_HEADER_SIZE + plen + JOURNAL_CRC_SIZE;
		put32(buf + pos + total - 4, journal_crc32c(0, buf + pos, total - 4));
		st = journal_decode(buf + pos, len - pos, &r, &used, NULL);
		check(st == JOURNAL_OK || st == JOURNAL_BAD_FIELD);
		if (st == JOURNAL_OK) {
			check(used == total);
			check(journal_encode(&r, again, sizeof again) == total);
			check(memcmp(again, buf + pos, total) == 0);
		}
		pos += total;
	}
}

static void fuzz_journal_bytes(struct harness *hh, const uint8_t *p, size_t len)
{
	struct scan_ctx sc = { p, 0, &hh->t };
	struct journal_report rep, again;
	struct journal_record r;
	enum journal_status st = journal_scan(p, len, scan_record, &sc, &rep);
	size_t used;

	check(sc.pos == rep.good_bytes && rep.good_bytes + rep.cut_bytes == len);
	check((st == JOURNAL_OK) == (rep.good_bytes == len));
	if (st != JOURNAL_OK) {
		st = journal_decode(p + rep.good_bytes, len - rep.good_bytes, &r, &used, NULL);
		check(st == rep.status);
	}
	/* the valid prefix alone scans clean */
	check(journal_scan(p, rep.good_bytes, NULL, NULL, &again) == JOURNAL_OK);
	check(again.records == rep.records);
	fuzz_fields(p, len);
}

/* ---- the model of durable grants ----------------------------------------------- */

static size_t slot_index(const struct lease_table *t, const struct lease *l)
{
	return (size_t)(l - lease_slot(t, 0));
}

/* Take the table's durable state (after a journal replay) as the model. */
static void model_from_table(struct harness *hh)
{
	memset(hh->grants, 0, sizeof hh->grants);
	for (uint32_t i = 0; i < lease_slot_count(&hh->t) && i < MAX_SLOTS; i++) {
		const struct lease *l = lease_slot(&hh->t, i);
		struct grant *g = &hh->grants[i];

		if (l->state == LEASE_BOUND) {
			g->valid = true;
			g->client = l->client;
			g->until = l->expiry;
		}
		if (l->state == LEASE_DECLINED)
			g->quarantine_until = l->expiry;
	}
}

/* Client c may be offered or granted l now: nobody else holds it. */
static void check_may_have(struct harness *hh, const struct lease *l, const struct lease_client *c)
{
	const struct grant *g = &hh->grants[slot_index(&hh->t, l)];

	if (l->fixed)
		check(memcmp(l->fixed_mac, c->mac, 6) == 0);
	else if (g->valid && g->until > hh->now)
		check(lease_client_same(&g->client, c));
	check(g->quarantine_until <= hh->now);
	for (size_t i = 0; i < hh->n_pending; i++)
		if (hh->pending[i].addr == l->addr && !l->fixed)
			check(lease_client_same(&hh->pending[i].client, c));
}

static void shadow_append(struct harness *hh, const struct journal_record *r);

/* The batch's ACKs became durable: bind them, as the worker does after commit. */
static void commit_pending(struct harness *hh)
{
	for (size_t i = 0; i < hh->n_pending; i++) {
		const struct ack *a = &hh->pending[i];
		struct journal_record r;
		const struct lease *l = lease_find_addr(&hh->t, a->addr);
		struct grant *g = &hh->grants[slot_index(&hh->t, l)];

		memset(&r, 0, sizeof r);
		r.type = JOURNAL_BIND;
		r.client = a->client;
		r.addr = a->addr;
		r.expiry = hh->now + hh->lease_s;
		memcpy(r.hostname, "fz", 3);
		shadow_append(hh, &r);
		check(lease_bind(&hh->t, &r.client, r.addr, r.expiry, r.hostname) == 0);
		g->valid = true;
		g->client = a->client;
		g->until = r.expiry;
		g->quarantine_until = 0;
	}
	hh->n_pending = 0;
}

/* ---- the journal kept alongside, for restarts ------------------------------------ */

static void shadow_compact(struct harness *hh)
{
	uint64_t cursor = 0;
	size_t len;

	hh->shadow_len = 0;
	for (;;) {
		check(journal_snapshot(&hh->t, &cursor, hh->shadow + hh->shadow_len,
				       SHADOW_MAX - hh->shadow_len, &len, NULL) == 0);
		if (len == 0)
			break;
		hh->shadow_len += len;
	}
}

static void shadow_append(struct harness *hh, const struct journal_record *r)
{
	size_t n;

	if (hh->shadow_len > SHADOW_COMPACT)
		shadow_compact(hh);
	n = journal_encode(r, hh->shadow + hh->shadow_len, SHADOW_MAX - hh->shadow_len);
	check(n > 0);
	hh->shadow_len += n;
}

/* The worker dies: uncommitted ACKs are lost (never sent); a new table is
 * built from the journal. */
static void restart(struct harness *hh, const struct policy_dhcp *layout, bool compact)
{
	struct journal_report rep;
	const char *why;

	hh->n_pending = 0;
	if (compact)
		shadow_compact(hh);
	lease_table_free(&hh->t);
	check(lease_table_init(&hh->t, layout, key, &why) == 0);
	/* every record was applied when written, so every one applies again */
	check(journal_scan(hh->shadow, hh->shadow_len, journal_apply_to_table, &hh->t, &rep) ==
	      JOURNAL_OK && rep.skipped == 0);
}

/* ---- operations ------------------------------------------------------------------- */

static uint32_t pick_addr(struct harness *hh, struct input *in)
{
	return hh->addrs[take8(in) % hh->n_addrs];
}

static void op_offer(struct harness *hh, struct input *in)
{
	unsigned b = take8(in);
	const struct lease_client *c = &hh->clients[b % N_CLIENTS];
	size_t subnet = (b >> 3) % 4;
	uint32_t want = pick_addr(hh, in);
	const struct lease *l = lease_offer(&hh->t, subnet, c, want, hh->now, hh->hold);

	if (!l) /* pool exhausted, fixed address quarantined, or no such subnet */
		return;
	check(l->state == LEASE_OFFERED || l->state == LEASE_BOUND);
	check(l->expiry > hh->now && lease_client_same(&l->client, c));
	check(lease_subnet_of(&hh->t, l->addr) == (int)subnet);
	check_may_have(hh, l, c);
	check(lease_find_addr(&hh->t, l->addr) == l);
	check(lease_find_client(&hh->t, subnet, c) == l);
}

static void op_request(struct harness *hh, struct input *in)
{
	unsigned b = take8(in);
	const struct lease_client *c = &hh->clients[b % N_CLIENTS];
	enum lease_request_kind kind = (enum lease_request_kind)((b >> 3) & 3);
	size_t subnet = (b >> 5) % 4;
	uint32_t addr = pick_addr(hh, in);
	const struct lease *l = NULL;
	const char *why = NULL;
	enum lease_verdict v;

	if (hh->n_pending == MAX_PENDING)
		commit_pending(hh);
	v = lease_request(&hh->t, kind, subnet, c, addr, hh->now, hh->hold, &l, &why);
	check(why != NULL);
	if (v != LEASE_ACK) {
		check(l == NULL && (v == LEASE_NAK || v == LEASE_IGNORE));
		return;
	}
	check(l && l->addr == addr && lease_client_same(&l->client, c));
	check(l->expiry >= hh->now + hh->hold);
	check(lease_find_client(&hh->t, subnet, c) == l);
	check_may_have(hh, l, c);
	hh->pending[hh->n_pending++] = (struct ack){ *c, addr };
}

static void op_release(struct harness *hh, struct input *in)
{
	const struct lease_client *c = &hh->clients[take8(in) % N_CLIENTS];
	uint32_t addr = pick_addr(hh, in);
	struct journal_record r;
	const struct lease *l;

	commit_pending(hh);
	if (lease_release(&hh->t, c, addr) != 0)
		return;
	l = lease_find_addr(&hh->t, addr);
	check(l && l->state == LEASE_RELEASED);
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_RELEASE;
	r.client.id_len = c->id_len;
	memcpy(r.client.id, c->id, c->id_len);
	r.addr = addr;
	shadow_append(hh, &r);
	hh->grants[slot_index(&hh->t, l)].valid = false;
}

static void op_decline(struct harness *hh, struct input *in)
{
	const struct lease_client *c = &hh->clients[take8(in) % N_CLIENTS];
	uint32_t addr = pick_addr(hh, in);
	struct journal_record r;
	const struct lease *l;
	uint64_t until = 0;
	struct grant *g;

	commit_pending(hh);
	if (lease_decline(&hh->t, c, addr, hh->now, hh->quarantine_s, &until) != 0)
		return;
	l = lease_find_addr(&hh->t, addr);
	check(l && l->state == LEASE_DECLINED && until == hh->now + hh->quarantine_s);
	memset(&r, 0, sizeof r);
	r.type = JOURNAL_DECLINE;
	r.addr = addr;
	r.expiry = until;
	shadow_append(hh, &r);
	g = &hh->grants[slot_index(&hh->t, l)];
	g->valid = false;
	g->quarantine_until = until;
}

/* A record as a replayed journal would apply it: it becomes the truth. */
static void op_direct(struct harness *hh, struct input *in)
{
	unsigned b = take8(in);
	const struct lease_client *c = &hh->clients[b % N_CLIENTS];
	uint32_t addr = pick_addr(hh, in);
	uint64_t t = hh->now + take8(in) * 8 - 512;
	struct journal_record r;
	const struct lease *l;
	struct grant *g;

	commit_pending(hh);
	memset(&r, 0, sizeof r);
	r.addr = addr;
	r.expiry = t;
	if (b & 0x80) {
		r.type = JOURNAL_DECLINE;
		if (lease_quarantine(&hh->t, addr, t) != 0)
			return;
	} else {
		r.type = JOURNAL_BIND;
		r.client = *c;
		if (lease_bind(&hh->t, c, addr, t, NULL) != 0) {
			l = lease_find_addr(&hh->t, addr);
			check(!l || (l->fixed && memcmp(l->fixed_mac, c->mac, 6) != 0));
			return;
		}
	}
	l = lease_find_addr(&hh->t, addr);
	shadow_append(hh, &r);
	g = &hh->grants[slot_index(&hh->t, l)];
	g->valid = r.type == JOURNAL_BIND;
	g->client = *c;
	g->until = t;
	g->quarantine_until = r.type == JOURNAL_DECLINE ? t : 0;
}

/* One operation, chosen by the low 3 bits of its first byte:
 *   0 DISCOVER   1 REQUEST (ACKs wait for a commit)   2 commit the batch
 *   3 RELEASE    4 DECLINE   5 time passes (commit first; high bits: seconds)
 *   6 a record applied directly (BIND, or DECLINE with bit 7 of the next byte)
 *   7 restart from the journal (bit 3: compact it first)
 */
static void do_op(struct harness *hh, struct input *in, const struct policy_dhcp *layout)
{
	unsigned op = take8(in);

	switch (op & 7) {
	case 0:
		op_offer(hh, in);
		break;
	case 1:
		op_request(hh, in);
		break;
	case 2:
		commit_pending(hh);
		break;
	case 3:
		op_release(hh, in);
		break;
	case 4:
		op_decline(hh, in);
		break;
	case 5:
		commit_pending(hh);
		hh->now += (op >> 3) * (op >> 3);
		lease_expire_due(&hh->t, hh->now);
		break;
	case 6:
		op_direct(hh, in);
		break;
	case 7:
		restart(hh, layout, op & 8);
		break;
	}
	check_table(&hh->t);
}

/* ---- snapshot round trip ------------------------------------------------------------ */

static void check_snapshot(struct harness *hh, const struct policy_dhcp *layout)
{
	struct lease_table copy;
	struct journal_report rep;
	const char *why;

	commit_pending(hh);
	lease_expire_due(&hh->t, hh->now);
	shadow_compact(hh);
	check(lease_table_init(&copy, layout, key, &why) == 0);
	check(journal_scan(hh->shadow, hh->shadow_len, journal_apply_to_table, &copy, &rep) ==
	      JOURNAL_OK && rep.skipped == 0);
	check(rep.records == hh->t.persist_records);
	lease_expire_due(&copy, hh->now);
	check_table(&copy);
	for (uint32_t i = 0; i < lease_slot_count(&hh->t); i++) {
		const struct lease *a = lease_slot(&hh->t, i), *b = lease_slot(&copy, i);

		if (lease_snapshot_kind(a) == 0) {
			check(b->state == LEASE_FREE);
			continue;
		}
		check(a->state == b->state && a->expiry == b->expiry && a->bound == b->bound);
		check(lease_client_same(&a->client, &b->client) &&
		      memcmp(a->client.mac, b->client.mac, 6) == 0);
		check(strcmp(a->hostname, b->hostname) == 0);
	}
	lease_table_free(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct input in = { data, size, 0 };
	struct harness *hh = &h;
	unsigned a = take8(&in), b = take8(&in), ops = 0;
	const struct policy_dhcp *layout;
	size_t jlen = take8(&in) << 8;
	const uint8_t *jp;
	const char *why;

	if (!ready) {
		init_layouts();
		ready = true;
	}
	jlen |= take8(&in);
	jp = take_bytes(&in, &jlen);
	layout = &layouts[a & 1];
	memset(hh, 0, sizeof *hh);
	hh->now = 1000000;
	hh->hold = 1 + (a >> 1);
	hh->lease_s = 8 * (1 + (b >> 4));
	hh->quarantine_s = 4 * (b & 15);
	check(lease_table_init(&hh->t, layout, key, &why) == 0);
	check_table(&hh->t);
	init_clients(hh);
	init_addrs(hh);

	fuzz_journal_bytes(hh, jp, jlen);
	model_from_table(hh);
	shadow_compact(hh);
	while (in.pos < in.len && ops++ < MAX_OPS)
		do_op(hh, &in, layout);
	check_snapshot(hh, layout);
	lease_table_free(&hh->t);
	return 0;
}
