/* test_journal.c — unit tests of the lease journal: the record codec, replay
 * of damaged files, group commit, compaction, and a kill -9 durability test.
 *
 * Files live in a fresh directory under $TMPDIR (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dhcpd/journal.h"

#define NOW 1700000000ull
#define NAME "leases"
#define POOL_LOW 0x0a00000au  /* 10.0.0.10 */
#define POOL_SIZE 241         /* 10.0.0.10 .. 10.0.0.250 */
#define FIXED_ADDR 0x0a000005u /* 10.0.0.5, reserved for MAC 500 */

static const uint8_t test_key[LEASE_HASH_KEY_SIZE] = "bootward-journal";

/* ---- environment ------------------------------------------------------------ */

struct env {
	char dir[64];
	int dirfd;
	struct policy_dhcp *small, *large;
	struct journal *j;
};

static void mac_of(uint8_t mac[6], unsigned n)
{
	const uint8_t m[6] = { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			       (uint8_t)(n >> 8), (uint8_t)n };

	memcpy(mac, m, 6);
}

static struct lease_client client(unsigned n)
{
	struct lease_client c;
	uint8_t mac[6];

	mac_of(mac, n);
	assert_int_equal(lease_client_make(&c, NULL, 0, 1, mac, 6), 0);
	return c;
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	const char *tmp = getenv("TMPDIR");
	struct policy_subnet *s;

	assert_non_null(e);
	snprintf(e->dir, sizeof e->dir, "%s/bw-journal-XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	assert_non_null(mkdtemp(e->dir));
	e->dirfd = open(e->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(e->dirfd >= 0);
	e->j = calloc(1, sizeof *e->j);
	assert_non_null(e->j);
	e->j->fd = -1;

	/* 10.0.0.0/24, range .10-.250, host MAC 500 at .5 */
	e->small = calloc(1, sizeof *e->small);
	assert_non_null(e->small);
	s = &e->small->subnets[e->small->n_subnets++];
	s->network.s_addr = htonl(0x0a000000);
	s->prefix_len = 24;
	s->range_low.s_addr = htonl(POOL_LOW);
	s->range_high.s_addr = htonl(POOL_LOW + POOL_SIZE - 1);
	mac_of(e->small->hosts[0].mac, 500);
	e->small->hosts[0].address.s_addr = htonl(FIXED_ADDR);
	e->small->n_hosts = 1;

	/* 10.1.0.0/16, the whole /16 as a range */
	e->large = calloc(1, sizeof *e->large);
	assert_non_null(e->large);
	s = &e->large->subnets[e->large->n_subnets++];
	s->network.s_addr = htonl(0x0a010000);
	s->prefix_len = 16;
	s->range_low.s_addr = htonl(0x0a010001);
	s->range_high.s_addr = htonl(0x0a01fffe);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;
	DIR *d;
	struct dirent *de;

	journal_close(e->j);
	d = opendir(e->dir);
	if (d) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(e->dirfd, de->d_name, 0);
		closedir(d);
	}
	close(e->dirfd);
	rmdir(e->dir);
	free(e->small);
	free(e->large);
	free(e->j);
	free(e);
	return 0;
}

static void table_init(struct lease_table *t, const struct policy_dhcp *p)
{
	const char *why = NULL;

	if (lease_table_init(t, p, test_key, &why) != 0)
		fail_msg("lease_table_init: %s", why);
}

static void check_table(const struct lease_table *t)
{
	const char *why = NULL;

	if (lease_check_invariants(t, &why) != 0)
		fail_msg("invariant broken: %s", why);
}

static void write_file(struct env *e, const char *name, const void *p, size_t n)
{
	int fd = openat(e->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static size_t read_file(struct env *e, const char *name, uint8_t *buf, size_t cap)
{
	int fd = openat(e->dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t r;

	assert_true(fd >= 0);
	while ((r = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	assert_true(r == 0);
	close(fd);
	return len;
}

static off_t file_size(struct env *e, const char *name)
{
	struct stat st;

	if (fstatat(e->dirfd, name, &st, 0) != 0)
		return -1;
	return st.st_size;
}

static struct journal_record rec_bind(unsigned n, uint32_t addr, uint64_t expiry,
				      const char *host)
{
	struct journal_record r;

	memset(&r, 0, sizeof r);
	r.type = JOURNAL_BIND;
	r.client = client(n);
	r.addr = addr;
	r.expiry = expiry;
	if (host)
		snprintf(r.hostname, sizeof r.hostname, "%s", host);
	return r;
}

static struct journal_record rec_release(unsigned n, uint32_t addr)
{
	struct journal_record r;

	memset(&r, 0, sizeof r);
	r.type = JOURNAL_RELEASE;
	r.client = client(n);
	memset(r.client.mac, 0, 6); /* not recorded */
	r.addr = addr;
	return r;
}

static struct journal_record rec_decline(uint32_t addr, uint64_t until)
{
	struct journal_record r;

	memset(&r, 0, sizeof r);
	r.type = JOURNAL_DECLINE;
	r.addr = addr;
	r.expiry = until;
	return r;
}

static void assert_record_equal(const struct journal_record *a, const struct journal_record *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->client.id_len, b->client.id_len);
	assert_memory_equal(a->client.id, b->client.id, sizeof a->client.id);
	assert_memory_equal(a->client.mac, b->client.mac, 6);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->expiry, b->expiry);
	assert_string_equal(a->hostname, b->hostname);
}

/* n BINDs of clients 1..n at consecutive pool addresses. */
static size_t encode_binds(uint8_t *buf, size_t cap, unsigned n, size_t *last_off)
{
	size_t len = 0;

	for (unsigned i = 1; i <= n; i++) {
		struct journal_record r = rec_bind(i, POOL_LOW + i, NOW + 1000 + i, "h");
		size_t k = journal_encode(&r, buf + len, cap - len);

		assert_true(k > 0);
		if (last_off)
			*last_off = len;
		len += k;
	}
	return len;
}

static int open_replay(struct env *e, struct lease_table *t, struct journal_report *rep)
{
	return journal_open(e->j, e->dirfd, NAME, journal_apply_to_table, t, rep);
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- codec ------------------------------------------------------------------ */

static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

static void test_crc32c(void **state)
{
	uint8_t buf[512];

	(void)state;
	assert_int_equal(journal_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(journal_crc32c(0, "", 0), 0);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof buf; n += 37)
		assert_int_equal(journal_crc32c(0, buf, n), crc32c_bitwise(buf, n));
	/* every table entry, through one-byte inputs */
	for (unsigned b = 0; b < 256; b++) {
		uint8_t c = (uint8_t)b;

		assert_int_equal(journal_crc32c(0, &c, 1), crc32c_bitwise(&c, 1));
	}
	/* continuing a CRC equals one pass */
	assert_int_equal(journal_crc32c(journal_crc32c(0, buf, 100), buf + 100, 200),
			 journal_crc32c(0, buf, 300));
}

static void round_trip(const struct journal_record *r, size_t want_len)
{
	uint8_t buf[JOURNAL_RECORD_MAX], again[JOURNAL_RECORD_MAX];
	struct journal_record d;
	size_t len = journal_encode(r, buf, sizeof buf), used = 0;
	const char *why = NULL;

	assert_int_equal(len, want_len);
	assert_int_equal(journal_encode(r, buf, len - 1), 0);
	assert_int_equal(journal_decode(buf, len, &d, &used, &why), JOURNAL_OK);
	assert_int_equal(used, len);
	assert_record_equal(&d, r);
	assert_int_equal(journal_encode(&d, again, sizeof again), len);
	assert_memory_equal(again, buf, len);
}

static void test_codec_round_trip(void **state)
{
	struct journal_record r;
	uint8_t id[LEASE_CLIENT_ID_MAX];

	(void)state;
	r = rec_bind(1, POOL_LOW, NOW, NULL);
	round_trip(&r, 12 + 20 + 7);
	r = rec_bind(2, 0xffffffffu, UINT64_MAX, "a");
	round_trip(&r, 12 + 20 + 7 + 1);
	memset(id, 0xee, sizeof id);
	assert_int_equal(lease_client_make(&r.client, id, sizeof id, 0, NULL, 0), 0);
	memset(r.hostname, 'z', LEASE_HOSTNAME_MAX);
	r.hostname[LEASE_HOSTNAME_MAX] = '\0';
	round_trip(&r, JOURNAL_RECORD_MAX);
	r = rec_release(3, 1);
	round_trip(&r, 12 + 5 + 7);
	assert_int_equal(lease_client_make(&r.client, id, 1, 0, NULL, 0), 0);
	round_trip(&r, 12 + JOURNAL_PAYLOAD_MIN);
	r = rec_decline(POOL_LOW, NOW + 60);
	round_trip(&r, 12 + 12);
}

static void test_codec_refuses_invalid(void **state)
{
	uint8_t buf[2 * JOURNAL_RECORD_MAX];
	struct journal_record r;

	(void)state;
	r = rec_bind(1, POOL_LOW, NOW, "ok");
	r.client.id_len = 0;
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r.client.id_len = LEASE_CLIENT_ID_MAX + 1;
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r = rec_bind(1, 0, NOW, "ok");
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r = rec_bind(1, POOL_LOW, NOW, "two words");
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r = rec_bind(1, POOL_LOW, NOW, NULL);
	memset(r.hostname, 'x', sizeof r.hostname); /* no NUL */
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r = rec_decline(0, NOW);
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r = rec_decline(POOL_LOW, NOW);
	r.type = (enum journal_type)4;
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
	r.type = (enum journal_type)0;
	assert_int_equal(journal_encode(&r, buf, sizeof buf), 0);
}

/* Recompute the checksum after editing a record's bytes. */
static void reseal(uint8_t *p, size_t len)
{
	uint32_t crc = journal_crc32c(0, p, len - 4);

	p[len - 4] = (uint8_t)(crc >> 24);
	p[len - 3] = (uint8_t)(crc >> 16);
	p[len - 2] = (uint8_t)(crc >> 8);
	p[len - 1] = (uint8_t)crc;
}

static enum journal_status decode_why(const uint8_t *p, size_t len, const char **why)
{
	struct journal_record r;
	size_t used = 99;
	enum journal_status st = journal_decode(p, len, &r, &used, why);

	if (st != JOURNAL_OK)
		assert_int_equal(used, 0);
	return st;
}

static void test_decode_errors(void **state)
{
	struct journal_record r = rec_bind(7, POOL_LOW + 7, NOW, "name");
	uint8_t good[JOURNAL_RECORD_MAX], b[JOURNAL_RECORD_MAX + 8];
	size_t len = journal_encode(&r, good, sizeof good);
	const char *why = NULL;

	(void)state;
	assert_true(len > 0);
#define FRESH() memcpy(b, good, len)
	FRESH();
	b[0] = 'X';
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_MAGIC);
	assert_string_equal(why, "bad magic");
	assert_int_equal(decode_why(b, 1, &why), JOURNAL_BAD_MAGIC);
	FRESH();
	b[3] = 2;
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_MAGIC);
	assert_string_equal(why, "unknown format version");
	FRESH();
	b[4] = 0x10; /* 4096 + n */
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_LENGTH);
	FRESH();
	b[4] = 0;
	b[5] = 5;
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_LENGTH);
	FRESH();
	b[20] ^= 0x40;
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_CHECKSUM);
	FRESH();
	b[len - 1] ^= 1;
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_CHECKSUM);
	/* a valid checksum over invalid contents */
	FRESH();
	b[7] = 1;
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	assert_string_equal(why, "reserved byte set");
	FRESH();
	b[6] = 9;
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	FRESH();
	b[len - 6] = ' '; /* a hostname character */
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	assert_string_equal(why, "bad hostname character");
	FRESH();
	b[len - 9] = 5; /* hostname length off by one */
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	FRESH();
	b[8] = 0; /* identity length 0 */
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	FRESH();
	b[8] = 200; /* identity longer than the record */
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	FRESH();
	memset(b + 8 + 1 + 7 + 6, 0, 4); /* address 0 */
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	assert_string_equal(why, "address 0");
	/* a DECLINE one byte too long */
	r = rec_decline(POOL_LOW, NOW);
	len = journal_encode(&r, good, sizeof good);
	FRESH();
	memmove(b + 21, b + 20, 4);
	b[5] = 13;
	len++;
	reseal(b, len);
	assert_int_equal(decode_why(b, len, &why), JOURNAL_BAD_FIELD);
	/* every proper prefix of a record is torn, not bad */
	r = rec_bind(7, POOL_LOW + 7, NOW, "name");
	len = journal_encode(&r, good, sizeof good);
	for (size_t k = 0; k < len; k++)
		assert_int_equal(decode_why(good, k, &why), JOURNAL_TORN);
	assert_int_equal(decode_why(good, len, &why), JOURNAL_OK);
#undef FRESH
}

/* ---- damaged files ------------------------------------------------------------ */

static int count_apply(void *ctx, const struct journal_record *r)
{
	(*(unsigned *)ctx)++;
	return r->type == JOURNAL_RELEASE; /* pretend releases do not apply */
}

static void test_scan_buffer(void **state)
{
	uint8_t buf[16 * JOURNAL_RECORD_MAX];
	struct journal_report rep;
	struct journal_record r;
	unsigned calls = 0;
	size_t len = encode_binds(buf, sizeof buf, 5, NULL);

	(void)state;
	r = rec_release(1, POOL_LOW + 1);
	len += journal_encode(&r, buf + len, sizeof buf - len);
	assert_int_equal(journal_scan(buf, len, count_apply, &calls, &rep), JOURNAL_OK);
	assert_int_equal(rep.records, 6);
	assert_int_equal(rep.skipped, 1);
	assert_int_equal(calls, 6);
	assert_int_equal(rep.good_bytes, len);
	assert_int_equal(rep.cut_bytes, 0);
	assert_int_equal(journal_scan(buf, 0, NULL, NULL, &rep), JOURNAL_OK);
	assert_int_equal(rep.records, 0);
	assert_string_equal(journal_status_name(JOURNAL_BAD_CHECKSUM), "bad-checksum");
}

static void test_torn_tail_every_offset(void **state)
{
	struct env *e = *state;
	uint8_t buf[32 * JOURNAL_RECORD_MAX];
	size_t last = 0, len = encode_binds(buf, sizeof buf, 20, &last);
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t cut = last; cut <= len; cut++) {
		struct lease_table t;
		struct journal_report rep;
		const struct lease *l;
		bool torn = cut > last && cut < len;

		write_file(e, NAME, buf, cut);
		table_init(&t, e->small);
		assert_int_equal(open_replay(e, &t, &rep), 0);
		assert_int_equal(rep.status, torn ? JOURNAL_TORN : JOURNAL_OK);
		assert_int_equal(rep.records, cut == len ? 20 : 19);
		assert_int_equal(rep.good_bytes, torn ? last : cut);
		assert_int_equal(rep.cut_bytes, torn ? cut - last : 0);
		assert_int_equal(file_size(e, NAME), (off_t)rep.good_bytes);
		assert_int_equal(e->j->size, rep.good_bytes);
		/* the first 19 leases are there, the 20th only when whole */
		l = lease_find_addr(&t, POOL_LOW + 19);
		assert_int_equal(l->state, LEASE_BOUND);
		assert_int_equal(l->expiry, NOW + 1000 + 19);
		l = lease_find_addr(&t, POOL_LOW + 20);
		assert_int_equal(l->state, cut == len ? LEASE_BOUND : LEASE_FREE);
		check_table(&t);
		journal_close(e->j);
		/* repaired: a second open finds a clean file */
		assert_int_equal(journal_open(e->j, e->dirfd, NAME, NULL, NULL, &rep), 0);
		assert_int_equal(rep.status, JOURNAL_OK);
		assert_int_equal(rep.cut_bytes, 0);
		journal_close(e->j);
		lease_table_free(&t);
	}
	print_message("torn tail at %zu offsets: %.0f ms\n", len - last + 1, elapsed_ms(&t0));
}

static void test_bit_flip_every_bit(void **state)
{
	struct env *e = *state;
	uint8_t buf[4 * JOURNAL_RECORD_MAX], b[4 * JOURNAL_RECORD_MAX];
	size_t offs[4], len = 0;
	struct journal_report rep;
	struct lease_table t;

	for (unsigned i = 0; i < 3; i++) {
		struct journal_record r = rec_bind(i + 1, POOL_LOW + i, NOW + i, "flip");

		offs[i] = len;
		len += journal_encode(&r, buf + len, sizeof buf - len);
	}
	offs[3] = len;
	for (unsigned rec = 1; rec < 3; rec++) {
		for (size_t i = offs[rec]; i < offs[rec + 1]; i++) {
			for (int bit = 0; bit < 8; bit++) {
				enum journal_status st;

				memcpy(b, buf, len);
				b[i] ^= (uint8_t)(1u << bit);
				st = journal_scan(b, len, NULL, NULL, &rep);
				/* never accepted: the scan stops at the damaged record */
				assert_int_not_equal(st, JOURNAL_OK);
				assert_int_equal(rep.records, rec);
				assert_int_equal(rep.good_bytes, offs[rec]);
				/* past the length field, only the checksum can tell; a
				 * longer length may also reach past the end (torn) */
				if (i - offs[rec] >= 6)
					assert_int_equal(st, JOURNAL_BAD_CHECKSUM);
				else if (i - offs[rec] >= 4)
					assert_true(st == JOURNAL_BAD_LENGTH ||
						    st == JOURNAL_BAD_CHECKSUM ||
						    st == JOURNAL_TORN);
				else
					assert_int_equal(st, JOURNAL_BAD_MAGIC);
			}
		}
	}
	/* and through the file layer: the damaged record and what follows go */
	memcpy(b, buf, len);
	b[offs[1] + 12] ^= 0x10;
	write_file(e, NAME, b, len);
	table_init(&t, e->small);
	assert_int_equal(open_replay(e, &t, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_BAD_CHECKSUM);
	assert_int_equal(rep.records, 1);
	assert_int_equal(rep.cut_bytes, len - offs[1]);
	assert_int_equal(file_size(e, NAME), (off_t)offs[1]);
	assert_int_equal(lease_find_addr(&t, POOL_LOW)->state, LEASE_BOUND);
	assert_int_equal(lease_find_addr(&t, POOL_LOW + 1)->state, LEASE_FREE);
	lease_table_free(&t);
}

static void expect_cut(struct env *e, const uint8_t *p, size_t len, size_t good,
		       unsigned records, enum journal_status want)
{
	struct journal_report rep;
	struct lease_table t;

	write_file(e, NAME, p, len);
	table_init(&t, e->small);
	assert_int_equal(open_replay(e, &t, &rep), 0);
	assert_int_equal(rep.status, want);
	assert_int_equal(rep.records, records);
	assert_int_equal(rep.good_bytes, good);
	assert_int_equal(rep.cut_bytes, len - good);
	assert_int_equal(file_size(e, NAME), (off_t)good);
	assert_int_equal(t.count[LEASE_BOUND], records);
	check_table(&t);
	journal_close(e->j);
	lease_table_free(&t);
}

static void test_garbage_appended(void **state)
{
	struct env *e = *state;
	static uint8_t buf[200000];
	size_t len = encode_binds(buf, sizeof buf, 10, NULL), n;
	uint32_t seed = 99;

	/* random bytes (not starting with the magic's first byte) */
	for (size_t i = 0; i < 1000; i++) {
		seed = seed * 1664525u + 1013904223u;
		buf[len + i] = (uint8_t)(seed >> 24);
	}
	buf[len] = 0x5a;
	expect_cut(e, buf, len + 1000, len, 10, JOURNAL_BAD_MAGIC);
	/* zeros, as a file extended but never written */
	memset(buf + len, 0, 4096);
	expect_cut(e, buf, len + 4096, len, 10, JOURNAL_BAD_MAGIC);
	/* a copy of a record with a wrong checksum, then a good one */
	n = encode_binds(buf + len, sizeof buf - len, 2, NULL);
	buf[len + 30] ^= 1;
	expect_cut(e, buf, len + n, len, 10, JOURNAL_BAD_CHECKSUM);
	/* a header promising more than a record can hold */
	memcpy(buf + len, "BWJ\x01\xff\xff\x01\x00", 8);
	expect_cut(e, buf, len + 100, len, 10, JOURNAL_BAD_LENGTH);
	/* more than one read buffer of garbage after records spanning buffers */
	len = 0;
	for (unsigned i = 0; len < 100000; i++) {
		struct journal_record r = rec_bind(i + 1, POOL_LOW + i % POOL_SIZE, NOW + i, NULL);

		len += journal_encode(&r, buf + len, sizeof buf - len);
		n = i + 1;
	}
	memset(buf + len, 0xa5, sizeof buf - len);
	{
		struct journal_report rep;
		struct lease_table t;

		write_file(e, NAME, buf, sizeof buf);
		table_init(&t, e->small);
		assert_int_equal(open_replay(e, &t, &rep), 0);
		assert_int_equal(rep.status, JOURNAL_BAD_MAGIC);
		assert_int_equal(rep.records, n);
		assert_int_equal(rep.good_bytes, len);
		assert_int_equal(rep.cut_bytes, sizeof buf - len);
		assert_int_equal(file_size(e, NAME), (off_t)len);
		lease_table_free(&t);
	}
}

static void test_empty_and_garbage_only(void **state)
{
	struct env *e = *state;
	struct journal_report rep;
	uint8_t junk[300];

	/* no file yet: created empty */
	assert_int_equal(journal_open(e->j, e->dirfd, NAME, NULL, NULL, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_OK);
	assert_int_equal(rep.records, 0);
	assert_int_equal(file_size(e, NAME), 0);
	journal_close(e->j);
	/* an empty file */
	expect_cut(e, junk, 0, 0, 0, JOURNAL_OK);
	/* only garbage */
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 37 + 1);
	expect_cut(e, junk, sizeof junk, 0, 0, JOURNAL_BAD_MAGIC);
	/* a lone torn header */
	expect_cut(e, (const uint8_t *)"BWJ", 3, 0, 0, JOURNAL_TORN);
}

static void test_open_errors(void **state)
{
	struct env *e = *state;
	static const char name64[] =
		"0123456789012345678901234567890123456789012345678901234567890123";
	static const char *bad[] = {
		"", ".hidden", "a/b", "..", "white space",
		"0123456789012345678901234567890123456789012345678901234567890123x",
	};
	struct journal_report rep;
	struct journal_record r = rec_bind(1, POOL_LOW, NOW, NULL);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errno = 0;
		assert_int_equal(journal_open(e->j, e->dirfd, bad[i], NULL, NULL, &rep), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(journal_open(e->j, -1, NAME, NULL, NULL, &rep), -1);
	assert_int_equal(errno, EBADF);
	/* a closed journal refuses work */
	assert_int_equal(journal_append(e->j, &r), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(journal_commit(e->j), -1);
	/* a name at the limit is fine */
	assert_int_equal(journal_open(e->j, e->dirfd, name64, NULL, NULL, &rep), 0);
}

/* ---- commit and compaction ------------------------------------------------------- */

static void test_group_commit(void **state)
{
	struct env *e = *state;
	struct journal_report rep;
	struct journal_record r;
	struct lease_table t;
	unsigned appended = 3, batch;

	assert_int_equal(journal_open(e->j, e->dirfd, NAME, NULL, NULL, &rep), 0);
	for (unsigned i = 0; i < 3; i++) {
		r = rec_bind(i + 1, POOL_LOW + i, NOW + 100, "pc");
		assert_int_equal(journal_append(e->j, &r), 0);
	}
	/* nothing reaches the file before the commit */
	assert_int_equal(file_size(e, NAME), 0);
	assert_int_equal(e->j->pending, 3);
	assert_int_equal(journal_commit(e->j), 0);
	assert_int_equal(file_size(e, NAME), (off_t)e->j->size);
	assert_int_equal(e->j->records, 3);
	assert_int_equal(journal_commit(e->j), 0); /* nothing buffered */
	assert_int_equal(e->j->records, 3);
	/* invalid records are refused */
	r = rec_bind(1, 0, NOW, NULL);
	assert_int_equal(journal_append(e->j, &r), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(journal_append(e->j, NULL), -1);
	/* a full batch says so; its records commit in one go */
	for (batch = 0;; batch++) {
		r = rec_bind(1000 + batch, POOL_LOW + batch % POOL_SIZE, NOW + batch, NULL);
		if (journal_append(e->j, &r) < 0)
			break;
	}
	assert_int_equal(errno, ENOBUFS);
	assert_true(batch > JOURNAL_BATCH_MAX / JOURNAL_RECORD_MAX);
	assert_int_equal(journal_compact(e->j, NULL), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(journal_commit(e->j), 0);
	appended += batch;
	assert_int_equal(journal_append(e->j, &r), 0);
	assert_int_equal(journal_commit(e->j), 0);
	appended++;
	journal_close(e->j);
	table_init(&t, e->small);
	assert_int_equal(open_replay(e, &t, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_OK);
	assert_int_equal(rep.records, appended);
	assert_int_equal(e->j->records, appended);
	check_table(&t);
	lease_table_free(&t);
}

/* In a child limited in file size: the write fails part-way. */
static void test_commit_write_failure(void **state)
{
	struct env *e = *state;
	struct journal_report rep;
	struct journal_record r;
	int status;
	pid_t pid;

	assert_int_equal(journal_open(e->j, e->dirfd, NAME, NULL, NULL, &rep), 0);
	for (unsigned i = 0; i < 4; i++) {
		r = rec_bind(i + 1, POOL_LOW + i, NOW, NULL);
		assert_int_equal(journal_append(e->j, &r), 0);
	}
	assert_int_equal(journal_commit(e->j), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { e->j->size + 100, e->j->size + 100 };
		uint64_t before = e->j->size;
		int ok = 1;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		for (unsigned i = 0; i < 10; i++) {
			r = rec_bind(100 + i, POOL_LOW + 10 + i, NOW, NULL);
			ok &= journal_append(e->j, &r) == 0;
		}
		ok &= journal_commit(e->j) == -1 && errno == EFBIG;
		ok &= e->j->size == before && e->j->pending == 0 && !e->j->failed;
		ok &= file_size(e, NAME) == (off_t)before;
		/* the journal goes on with a batch that fits */
		r = rec_bind(200, POOL_LOW + 30, NOW, NULL);
		ok &= journal_append(e->j, &r) == 0 && journal_commit(e->j) == 0;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	journal_close(e->j);
	assert_int_equal(journal_open(e->j, e->dirfd, NAME, NULL, NULL, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_OK);
	assert_int_equal(rep.records, 5);
}

/* Append, commit and apply, as the worker does. */
static void log_and_apply(struct env *e, struct lease_table *t, const struct journal_record *r)
{
	assert_int_equal(journal_append(e->j, r), 0);
	assert_int_equal(journal_commit(e->j), 0);
	journal_apply_to_table(t, r);
}

static void assert_tables_equal(const struct lease_table *a, const struct lease_table *b)
{
	assert_int_equal(lease_slot_count(a), lease_slot_count(b));
	for (uint32_t i = 0; i < lease_slot_count(a); i++) {
		const struct lease *x = lease_slot(a, i), *y = lease_slot(b, i);

		assert_int_equal(x->addr, y->addr);
		assert_int_equal(x->state, y->state);
		assert_int_equal(x->expiry, y->expiry);
		assert_int_equal(x->client.id_len, y->client.id_len);
		assert_memory_equal(x->client.id, y->client.id, x->client.id_len);
		assert_memory_equal(x->client.mac, y->client.mac, 6);
		assert_string_equal(x->hostname, y->hostname);
		assert_int_equal(x->bound, y->bound);
		assert_int_equal(x->fixed, y->fixed);
	}
	for (unsigned n = 1; n <= 600; n++) {
		struct lease_client c = client(n);
		const struct lease *x = lease_find_client(a, 0, &c);
		const struct lease *y = lease_find_client(b, 0, &c);

		assert_int_equal(x ? x->addr : 0, y ? y->addr : 0);
	}
	assert_int_equal(a->persist_records, b->persist_records);
}

/* A history with every kind of record and overwrite. */
static void build_history(struct env *e, struct lease_table *t)
{
	struct journal_record r;

	for (unsigned n = 1; n <= 50; n++) {
		r = rec_bind(n, POOL_LOW + n, NOW + 1000, n % 3 ? "pc" : NULL);
		log_and_apply(e, t, &r);
	}
	for (unsigned n = 1; n <= 10; n++) {
		r = rec_release(n, POOL_LOW + n);
		log_and_apply(e, t, &r);
	}
	for (unsigned n = 11; n <= 20; n++) {   /* renewals */
		r = rec_bind(n, POOL_LOW + n, NOW + 2000 + n, "renewed");
		log_and_apply(e, t, &r);
	}
	for (unsigned n = 21; n <= 25; n++) {   /* ran out, then went to others */
		r = rec_bind(n, POOL_LOW + 100 + n, NOW - 50, NULL);
		log_and_apply(e, t, &r);
		r = rec_bind(n + 500, POOL_LOW + 100 + n, NOW + 900, NULL);
		log_and_apply(e, t, &r);
	}
	for (unsigned n = 26; n <= 28; n++) {   /* expired, not reused */
		r = rec_bind(n, POOL_LOW + n, NOW - 10, NULL);
		log_and_apply(e, t, &r);
	}
	r = rec_decline(POOL_LOW + 200, NOW + 600);
	log_and_apply(e, t, &r);
	r = rec_decline(POOL_LOW + 201, NOW - 600); /* quarantine over */
	log_and_apply(e, t, &r);
	r = rec_decline(POOL_LOW + 30, NOW + 600);  /* a bound address declined */
	log_and_apply(e, t, &r);
	r = rec_bind(500, FIXED_ADDR, NOW + 1000, "fixed");
	log_and_apply(e, t, &r);
	r = rec_bind(31, POOL_LOW + 131, NOW + 5000, NULL); /* a client's second binding */
	log_and_apply(e, t, &r);
	r = rec_release(33, POOL_LOW + 32);         /* not its lease: skipped */
	log_and_apply(e, t, &r);
	lease_expire_due(t, NOW);
	check_table(t);
}

static void test_compaction_same_table(void **state)
{
	struct env *e = *state;
	struct lease_table a, b, c;
	struct journal_report rep;
	struct journal_record r;
	off_t before;

	table_init(&a, e->small);
	assert_int_equal(open_replay(e, &a, &rep), 0);
	build_history(e, &a);
	before = file_size(e, NAME);
	assert_false(journal_compact_due(e->j, &a)); /* below the minimum */
	assert_int_equal(journal_compact(e->j, &a), 0);
	assert_true(file_size(e, NAME) < before);
	assert_int_equal(e->j->records, a.persist_records);
	assert_int_equal(file_size(e, NAME), (off_t)e->j->size);
	assert_int_equal(file_size(e, NAME ".tmp"), -1);
	/* records after the compaction go to the new file */
	r = rec_bind(77, POOL_LOW + 77, NOW + 3000, "late");
	log_and_apply(e, &a, &r);
	journal_close(e->j);

	table_init(&b, e->small);
	assert_int_equal(open_replay(e, &b, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_OK);
	assert_int_equal(rep.skipped, 0);
	lease_expire_due(&b, NOW);
	check_table(&b);
	assert_tables_equal(&a, &b);
	journal_close(e->j);

	/* compacting the compacted table changes nothing */
	table_init(&c, e->small);
	assert_int_equal(open_replay(e, &c, &rep), 0);
	assert_int_equal(journal_compact(e->j, &c), 0);
	journal_close(e->j);
	lease_table_free(&c);
	table_init(&c, e->small);
	assert_int_equal(open_replay(e, &c, &rep), 0);
	lease_expire_due(&c, NOW);
	assert_tables_equal(&a, &c);
	lease_table_free(&a);
	lease_table_free(&b);
	lease_table_free(&c);
}

/* A client with a running binding and a given-back one that had a later end:
 * after compaction it is found at the running one, whatever their order. */
static void test_compaction_indexes_running_binding(void **state)
{
	struct env *e = *state;
	struct lease_table a, b;
	struct journal_report rep;
	struct journal_record r;
	struct lease_client c = client(40);

	table_init(&a, e->small);
	assert_int_equal(open_replay(e, &a, &rep), 0);
	r = rec_bind(40, POOL_LOW + 140, NOW + 2000, NULL);
	log_and_apply(e, &a, &r);
	r = rec_release(40, POOL_LOW + 140);
	log_and_apply(e, &a, &r);
	r = rec_bind(40, POOL_LOW + 40, NOW + 1000, NULL);
	log_and_apply(e, &a, &r);
	assert_int_equal(lease_find_client(&a, 0, &c)->addr, POOL_LOW + 40);
	assert_int_equal(journal_compact(e->j, &a), 0);
	journal_close(e->j);
	table_init(&b, e->small);
	assert_int_equal(open_replay(e, &b, &rep), 0);
	assert_int_equal(lease_find_client(&b, 0, &c)->addr, POOL_LOW + 40);
	assert_int_equal(lease_find_addr(&b, POOL_LOW + 140)->state, LEASE_RELEASED);
	lease_table_free(&a);
	lease_table_free(&b);
}

static void test_compact_due(void **state)
{
	struct env *e = *state;
	struct journal_report rep;
	struct journal_record r;
	struct lease_table t;

	table_init(&t, e->small);
	assert_int_equal(open_replay(e, &t, &rep), 0);
	/* renewals of a few leases: the file grows, the table does not */
	for (unsigned i = 0; i < JOURNAL_COMPACT_MIN; i++) {
		r = rec_bind(1 + i % 4, POOL_LOW + i % 4, NOW + i, NULL);
		assert_int_equal(journal_append(e->j, &r), 0);
		journal_apply_to_table(&t, &r);
		assert_false(journal_compact_due(e->j, &t));
	}
	assert_int_equal(journal_commit(e->j), 0);
	assert_true(journal_compact_due(e->j, &t));
	assert_int_equal(journal_compact(e->j, &t), 0);
	assert_int_equal(e->j->records, 4);
	assert_false(journal_compact_due(e->j, &t));
	lease_table_free(&t);
}

/* A crash between writing NAME.tmp and the rename leaves the old file. */
static void test_crash_before_rename(void **state)
{
	struct env *e = *state;
	struct lease_table a, b, other;
	struct journal_report rep;
	uint8_t junk[777], snap[8 * JOURNAL_RECORD_MAX];
	uint64_t cursor = 0;
	size_t snap_len;
	struct journal_record r;

	table_init(&a, e->small);
	assert_int_equal(open_replay(e, &a, &rep), 0);
	build_history(e, &a);
	journal_close(e->j);

	/* a half-written temporary file */
	memset(junk, 0x42, sizeof junk);
	write_file(e, NAME ".tmp", junk, sizeof junk);
	table_init(&b, e->small);
	assert_int_equal(open_replay(e, &b, &rep), 0);
	assert_int_equal(rep.status, JOURNAL_OK);
	lease_expire_due(&b, NOW);
	assert_tables_equal(&a, &b);
	journal_close(e->j);
	lease_table_free(&b);

	/* a complete temporary file of another table: still ignored */
	table_init(&other, e->small);
	r = rec_bind(9, POOL_LOW + 9, NOW + 99999, NULL);
	journal_apply_to_table(&other, &r);
	assert_int_equal(journal_snapshot(&other, &cursor, snap, sizeof snap, &snap_len, NULL), 0);
	write_file(e, NAME ".tmp", snap, snap_len);
	table_init(&b, e->small);
	assert_int_equal(open_replay(e, &b, &rep), 0);
	lease_expire_due(&b, NOW);
	assert_tables_equal(&a, &b);
	/* the next compaction replaces it and takes its place */
	assert_int_equal(journal_compact(e->j, &b), 0);
	assert_int_equal(file_size(e, NAME ".tmp"), -1);
	journal_close(e->j);
	lease_table_free(&b);
	table_init(&b, e->small);
	assert_int_equal(open_replay(e, &b, &rep), 0);
	lease_expire_due(&b, NOW);
	assert_tables_equal(&a, &b);
	lease_table_free(&a);
	lease_table_free(&b);
	lease_table_free(&other);
}

static void test_replay_100k(void **state)
{
	struct env *e = *state;
	const size_t n = 100000;
	size_t cap = n * JOURNAL_RECORD_MAX, len = 0;
	uint8_t *buf = malloc(cap);
	struct journal_report rep;
	struct lease_table t;
	struct timespec t0;
	double ms;

	assert_non_null(buf);
	for (size_t i = 0; i < n; i++) {
		uint32_t addr = 0x0a010001u + (uint32_t)(i % 65534);
		struct journal_record r = rec_bind((unsigned)i + 1, addr, NOW + i,
						   i % 2 ? "host-name" : NULL);

		len += journal_encode(&r, buf + len, cap - len);
	}
	write_file(e, NAME, buf, len);
	free(buf);
	table_init(&t, e->large);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(open_replay(e, &t, &rep), 0);
	ms = elapsed_ms(&t0);
	print_message("replayed %zu records (%zu bytes) in %.1f ms\n", n, len, ms);
	assert_int_equal(rep.status, JOURNAL_OK);
	assert_int_equal(rep.records, n);
	assert_int_equal(rep.skipped, 0);
	assert_true(ms < 5000);
	assert_int_equal(t.count[LEASE_BOUND], 65534);
	check_table(&t);
	lease_table_free(&t);
}

/* ---- durability under kill -9 -------------------------------------------------------
 *
 * A child appends and commits batches of BINDs in a loop (compacting when due)
 * and reports the last sequence number of each committed batch over a pipe;
 * the parent kills it with SIGKILL at a random moment, replays the file and
 * checks that every reported record is there (or superseded by a later one
 * for the same address, after compaction) and that the tail was repaired.
 * Several rounds continue the same file.  This proves the protocol (nothing
 * reported committed is lost, a torn tail is cut), not power-loss durability:
 * killing a process does not drop the page cache as a power cut would.
 * A kill rarely tears a write (the kernel stops a write for a fatal signal
 * only between pages, and most batches fit in one), so every third round the
 * parent also appends part of a record after the kill, as a write cut short
 * by the crash would have left it.
 */

#define DUR_BASE 2000000000ull
#define DUR_COMPACTED (1ull << 63)

static struct journal_record dur_record(uint64_t seq)
{
	struct journal_record r;

	memset(&r, 0, sizeof r);
	r.type = JOURNAL_BIND;
	r.client.id_len = 8;
	for (int i = 0; i < 8; i++)
		r.client.id[i] = (uint8_t)(seq >> (56 - 8 * i));
	r.addr = POOL_LOW + (uint32_t)(seq % POOL_SIZE);
	r.expiry = DUR_BASE + seq;
	snprintf(r.hostname, sizeof r.hostname, "s%llu", (unsigned long long)seq);
	return r;
}

static uint64_t dur_last_seq(const struct lease_table *t)
{
	uint64_t last = 0;

	for (uint32_t i = 0; i < lease_slot_count(t); i++) {
		const struct lease *l = lease_slot(t, i);

		if (l->state == LEASE_BOUND && l->expiry - DUR_BASE > last)
			last = l->expiry - DUR_BASE;
	}
	return last;
}

static bool dur_report(int fd, uint64_t v)
{
	return write(fd, &v, sizeof v) == (ssize_t)sizeof v;
}

static void dur_child(struct env *e, int out, unsigned seed)
{
	struct lease_table t;
	const char *why;
	uint64_t seq;

	if (lease_table_init(&t, e->small, test_key, &why) != 0 ||
	    journal_open(e->j, e->dirfd, "dur", journal_apply_to_table, &t, NULL) != 0)
		_exit(2);
	seq = dur_last_seq(&t);
	srand(seed);
	for (;;) {
		/* mostly small batches; sometimes one spanning many pages */
		unsigned batch = rand() % 8 ? 1 + (unsigned)rand() % 48 : 1000;

		for (unsigned i = 1; i <= batch; i++) {
			struct journal_record r = dur_record(seq + i);

			if (journal_append(e->j, &r) != 0)
				_exit(3);
		}
		if (journal_commit(e->j) != 0)
			_exit(4);
		for (unsigned i = 1; i <= batch; i++) {
			struct journal_record r = dur_record(seq + i);

			if (journal_apply_to_table(&t, &r) != 0)
				_exit(5);
		}
		seq += batch;
		if (!dur_report(out, seq))
			_exit(6);
		if (journal_compact_due(e->j, &t)) {
			if (journal_compact(e->j, &t) != 0 || !dur_report(out, DUR_COMPACTED))
				_exit(7);
		}
	}
}

struct dur_stats {
	unsigned rounds, torn, injected, compactions;
	uint64_t reported;
};

/* Read the child's reports until the deadline (ms) or, with -1, until EOF. */
static void dur_drain(int fd, int ms, struct timespec *t0, struct dur_stats *st)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = ms < 0 ? -1 : ms - (int)elapsed_ms(t0);
		uint64_t v;
		ssize_t n;

		if (ms >= 0 && left <= 0)
			return;
		if (poll(&p, 1, left) <= 0)
			return;
		n = read(fd, &v, sizeof v);
		if (n == 0)
			return;
		assert_int_equal(n, sizeof v);
		if (v == DUR_COMPACTED) {
			st->compactions++;
			continue;
		}
		assert_true(v > st->reported);
		st->reported = v;
	}
}

/* Leave the first bytes of a record, as a write cut short by a crash would. */
static void dur_tear(struct env *e, uint64_t seq, unsigned seed)
{
	struct journal_record r = dur_record(seq);
	uint8_t rec[JOURNAL_RECORD_MAX];
	size_t len = journal_encode(&r, rec, sizeof rec), keep = 1 + seed % (len - 1);
	int fd = openat(e->dirfd, "dur", O_WRONLY | O_APPEND | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, rec, keep), (ssize_t)keep);
	close(fd);
}

/* The journal file ends exactly at the end of a valid record. */
static bool dur_clean(struct env *e)
{
	static uint8_t buf[1 << 20];
	struct journal_report scan;
	size_t len = read_file(e, "dur", buf, sizeof buf);

	return len < sizeof buf && journal_scan(buf, len, NULL, NULL, &scan) == JOURNAL_OK;
}

static void dur_verify(struct env *e, struct dur_stats *st, bool torn)
{
	static uint8_t buf[1 << 20];
	struct journal_report rep, scan;
	struct lease_table t;
	size_t len;

	table_init(&t, e->small);
	assert_int_equal(journal_open(e->j, e->dirfd, "dur", journal_apply_to_table, &t, &rep), 0);
	assert_int_equal(rep.skipped, 0);
	if (torn) {
		assert_int_equal(rep.status, JOURNAL_TORN);
		st->injected++;
	} else {
		st->torn += rep.status != JOURNAL_OK;
	}
	/* the tail is repaired: every byte left is a valid record */
	len = read_file(e, "dur", buf, sizeof buf);
	assert_true(len < sizeof buf);
	assert_int_equal(journal_scan(buf, len, NULL, NULL, &scan), JOURNAL_OK);
	assert_int_equal(scan.good_bytes, len);
	assert_int_equal(scan.records, e->j->records);
	journal_close(e->j);
	/* every reported record is present, or superseded at its address */
	assert_true(dur_last_seq(&t) >= st->reported);
	for (uint64_t s = 1; s <= st->reported; s++) {
		const struct lease *l = lease_find_addr(&t, POOL_LOW + (uint32_t)(s % POOL_SIZE));

		assert_int_equal(l->state, LEASE_BOUND);
		if (l->expiry < DUR_BASE + s)
			fail_msg("record %llu reported committed but lost",
				 (unsigned long long)s);
	}
	check_table(&t);
	lease_table_free(&t);
}

static void test_durability_kill9(void **state)
{
	struct env *e = *state;
	struct dur_stats st = { 0 };
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	srand(20240601);
	while (st.rounds < 40 && elapsed_ms(&start) < 6000) {
		int p[2], status, delay = rand() % 120;
		struct timespec t0;
		bool tear;
		pid_t pid;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			dur_child(e, p[1], st.rounds + 1);
		}
		close(p[1]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		dur_drain(p[0], delay, &t0, &st);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("child ended by itself (status %d)", status);
		dur_drain(p[0], -1, &t0, &st);
		close(p[0]);
		/* Inject a torn tail only onto a clean file: after a kill that
		 * cut a write short, the injected bytes would land after the
		 * cut record and read as a bad checksum instead. */
		tear = st.rounds % 3 == 2 && file_size(e, "dur") > 0 && dur_clean(e);
		if (tear)
			dur_tear(e, 1ull << 40, (unsigned)rand());
		dur_verify(e, &st, tear);
		st.rounds++;
	}
	print_message("kill -9: %u rounds, %llu records committed, %u compactions, "
		      "%u torn tails left by kills and %u injected, all repaired, %.0f ms\n",
		      st.rounds, (unsigned long long)st.reported, st.compactions, st.torn,
		      st.injected, elapsed_ms(&start));
	assert_true(st.rounds >= 5);
	assert_true(st.reported > 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_crc32c),
		T(test_codec_round_trip),
		T(test_codec_refuses_invalid),
		T(test_decode_errors),
		T(test_scan_buffer),
		T(test_torn_tail_every_offset),
		T(test_bit_flip_every_bit),
		T(test_garbage_appended),
		T(test_empty_and_garbage_only),
		T(test_open_errors),
		T(test_group_commit),
		T(test_commit_write_failure),
		T(test_compaction_same_table),
		T(test_compaction_indexes_running_binding),
		T(test_compact_due),
		T(test_crash_before_rename),
		T(test_replay_100k),
		T(test_durability_kill9),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
