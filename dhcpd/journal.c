/* journal.c — the lease journal (see journal.h). */
#include "dhcpd/journal.h"
#include "common/bytes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const uint8_t journal_magic[4] = { 'B', 'W', 'J', 0x01 };

/* ---- CRC-32C ---------------------------------------------------------------- */

/* Reflected Castagnoli polynomial 0x82f63b78, one entry per byte value. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t journal_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	crc = ~crc;
	for (size_t i = 0; i < n; i++)
		crc = crc32c_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ---- byte order ------------------------------------------------------------- */







/* ---- record codec ----------------------------------------------------------- */

static bool id_ok(const struct lease_client *c)
{
	return c->id_len >= 1 && c->id_len <= LEASE_CLIENT_ID_MAX;
}

/* Payload length of a valid record, or 0. */
static size_t payload_size(const struct journal_record *r)
{
	size_t hlen;

	if (r->addr == 0)
		return 0;
	switch (r->type) {
	case JOURNAL_BIND:
		hlen = strnlen(r->hostname, sizeof r->hostname);
		if (!id_ok(&r->client) || hlen > LEASE_HOSTNAME_MAX ||
		    !lease_hostname_ok(r->hostname))
			return 0;
		return 20 + (size_t)r->client.id_len + hlen;
	case JOURNAL_RELEASE:
		return id_ok(&r->client) ? 5 + (size_t)r->client.id_len : 0;
	case JOURNAL_DECLINE:
		return 12;
	}
	return 0;
}

size_t journal_encode(const struct journal_record *r, uint8_t *buf, size_t cap)
{
	size_t plen = r ? payload_size(r) : 0, total, hlen;
	uint8_t *p;

	if (plen == 0 || !buf)
		return 0;
	total = JOURNAL_HEADER_SIZE + plen + JOURNAL_CRC_SIZE;
	if (cap < total)
		return 0;
	memcpy(buf, journal_magic, sizeof journal_magic);
	put16(buf + 4, (uint16_t)plen);
	buf[6] = (uint8_t)r->type;
	buf[7] = 0;
	p = buf + JOURNAL_HEADER_SIZE;
	switch (r->type) {
	case JOURNAL_BIND:
		hlen = strlen(r->hostname);
		*p++ = r->client.id_len;
		memcpy(p, r->client.id, r->client.id_len);
		p += r->client.id_len;
		memcpy(p, r->client.mac, 6);
		put32(p + 6, r->addr);
		put64(p + 10, r->expiry);
		p[18] = (uint8_t)hlen;
		memcpy(p + 19, r->hostname, hlen);
		break;
	case JOURNAL_RELEASE:
		*p++ = r->client.id_len;
		memcpy(p, r->client.id, r->client.id_len);
		put32(p + r->client.id_len, r->addr);
		break;
	case JOURNAL_DECLINE:
		put32(p, r->addr);
		put64(p + 4, r->expiry);
		break;
	}
	put32(buf + JOURNAL_HEADER_SIZE + plen,
	      journal_crc32c(0, buf, JOURNAL_HEADER_SIZE + plen));
	return total;
}

static enum journal_status bad(enum journal_status st, const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return st;
}

/* An identity at p within a payload of n bytes, with `rest` bytes of fixed
 * fields after it; false if it does not fit. */
static bool take_id(const uint8_t *p, size_t n, size_t rest, struct lease_client *c)
{
	if (n < 1 || p[0] < 1 || p[0] > LEASE_CLIENT_ID_MAX || n - 1 < (size_t)p[0] + rest)
		return false;
	c->id_len = p[0];
	memcpy(c->id, p + 1, p[0]);
	return true;
}

static enum journal_status decode_bind(const uint8_t *p, size_t n, struct journal_record *r,
				       const char **why)
{
	size_t hlen;

	if (!take_id(p, n, 19, &r->client))
		return bad(JOURNAL_BAD_FIELD, why, "bad client identity");
	p += 1 + r->client.id_len;
	n -= 1 + (size_t)r->client.id_len;
	memcpy(r->client.mac, p, 6);
	r->addr = get32(p + 6);
	r->expiry = get64(p + 10);
	hlen = p[18];
	if (hlen > LEASE_HOSTNAME_MAX || n != 19 + hlen)
		return bad(JOURNAL_BAD_FIELD, why, "bad hostname length");
	for (size_t i = 0; i < hlen; i++)
		if (p[19 + i] <= 0x20 || p[19 + i] >= 0x7f)
			return bad(JOURNAL_BAD_FIELD, why, "bad hostname character");
	memcpy(r->hostname, p + 19, hlen);
	return JOURNAL_OK;
}

static enum journal_status decode_payload(const uint8_t *p, size_t n, struct journal_record *r,
					  const char **why)
{
	enum journal_status st = JOURNAL_OK;

	switch (r->type) {
	case JOURNAL_BIND:
		st = decode_bind(p, n, r, why);
		break;
	case JOURNAL_RELEASE:
		if (!take_id(p, n, 4, &r->client) || n != 5 + (size_t)r->client.id_len)
			return bad(JOURNAL_BAD_FIELD, why, "bad client identity");
		r->addr = get32(p + 1 + r->client.id_len);
		break;
	case JOURNAL_DECLINE:
		if (n != 12)
			return bad(JOURNAL_BAD_FIELD, why, "bad decline length");
		r->addr = get32(p);
		r->expiry = get64(p + 4);
		break;
	default:
		return bad(JOURNAL_BAD_FIELD, why, "unknown record type");
	}
	if (st == JOURNAL_OK && r->addr == 0)
		return bad(JOURNAL_BAD_FIELD, why, "address 0");
	return st;
}

enum journal_status journal_decode(const uint8_t *p, size_t len, struct journal_record *r,
				   size_t *used, const char **why)
{
	size_t n = len < sizeof journal_magic ? len : sizeof journal_magic, plen, total;
	enum journal_status st;

	memset(r, 0, sizeof *r);
	*used = 0;
	if (len == 0)
		return bad(JOURNAL_TORN, why, "no data");
	if (memcmp(p, journal_magic, n) != 0)
		return bad(JOURNAL_BAD_MAGIC, why, n == 4 && memcmp(p, journal_magic, 3) == 0
						   ? "unknown format version" : "bad magic");
	if (len < JOURNAL_HEADER_SIZE)
		return bad(JOURNAL_TORN, why, "record header cut short");
	plen = get16(p + 4);
	if (plen < JOURNAL_PAYLOAD_MIN || plen > JOURNAL_PAYLOAD_MAX)
		return bad(JOURNAL_BAD_LENGTH, why, "bad record length");
	total = JOURNAL_HEADER_SIZE + plen + JOURNAL_CRC_SIZE;
	if (len < total)
		return bad(JOURNAL_TORN, why, "record cut short");
	if (get32(p + JOURNAL_HEADER_SIZE + plen) !=
	    journal_crc32c(0, p, JOURNAL_HEADER_SIZE + plen))
		return bad(JOURNAL_BAD_CHECKSUM, why, "bad checksum");
	if (p[7] != 0)
		return bad(JOURNAL_BAD_FIELD, why, "reserved byte set");
	r->type = (enum journal_type)p[6];
	st = decode_payload(p + JOURNAL_HEADER_SIZE, plen, r, why);
	if (st != JOURNAL_OK) {
		memset(r, 0, sizeof *r);
		return st;
	}
	*used = total;
	return bad(JOURNAL_OK, why, "ok");
}

int journal_apply_to_table(void *table, const struct journal_record *r)
{
	struct lease_table *t = table;

	switch (r->type) {
	case JOURNAL_BIND:
		return lease_bind(t, &r->client, r->addr, r->expiry, r->hostname);
	case JOURNAL_RELEASE:
		return lease_release(t, &r->client, r->addr);
	case JOURNAL_DECLINE:
		return lease_quarantine(t, r->addr, r->expiry);
	}
	return -1;
}

enum journal_status journal_scan(const uint8_t *p, size_t len, journal_apply_fn apply,
				 void *ctx, struct journal_report *rep)
{
	size_t pos = 0;

	memset(rep, 0, sizeof *rep);
	rep->why = "ok";
	while (pos < len) {
		struct journal_record r;
		size_t used;
		enum journal_status st = journal_decode(p + pos, len - pos, &r, &used, &rep->why);

		if (st != JOURNAL_OK) {
			rep->status = st;
			break;
		}
		rep->records++;
		if (apply && apply(ctx, &r) != 0)
			rep->skipped++;
		pos += used;
	}
	rep->good_bytes = pos;
	rep->cut_bytes = len - pos;
	return rep->status;
}

/* ---- snapshot ------------------------------------------------------------- */

/* Encode the records of slot l; false if one cannot be encoded. */
static bool snapshot_slot(const struct lease *l, unsigned kind, uint8_t *buf, size_t cap,
			  size_t *len, uint64_t *records)
{
	struct journal_record r;
	size_t n;

	memset(&r, 0, sizeof r);
	r.addr = l->addr;
	r.expiry = l->expiry;
	if (kind & LEASE_SNAP_DECLINE) {
		r.type = JOURNAL_DECLINE;
		n = journal_encode(&r, buf + *len, cap - *len);
		if (n == 0)
			return false;
		*len += n;
		(*records)++;
		return true;
	}
	r.type = JOURNAL_BIND;
	r.client = l->client;
	memcpy(r.hostname, l->hostname, sizeof r.hostname);
	n = journal_encode(&r, buf + *len, cap - *len);
	if (n == 0)
		return false;
	*len += n;
	(*records)++;
	if (kind & LEASE_SNAP_RELEASE) {
		r.type = JOURNAL_RELEASE;
		n = journal_encode(&r, buf + *len, cap - *len);
		if (n == 0)
			return false;
		*len += n;
		(*records)++;
	}
	return true;
}

int journal_snapshot(const struct lease_table *t, uint64_t *cursor, uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *records)
{
	uint64_t n = lease_slot_count(t), unused = 0;

	*len = 0;
	if (!records)
		records = &unused;
	if (cap < 2 * JOURNAL_RECORD_MAX)
		return -1;
	/* pass 0: everything but running bindings; pass 1: running bindings */
	for (; *cursor < 2 * n && cap - *len >= 2 * JOURNAL_RECORD_MAX; (*cursor)++) {
		const struct lease *l = lease_slot(t, (uint32_t)(*cursor % n));
		unsigned kind = lease_snapshot_kind(l);
		bool last_pass = *cursor >= n;

		if (kind == 0 || (l->state == LEASE_BOUND) != last_pass)
			continue;
		if (!snapshot_slot(l, kind, buf, cap, len, records))
			return -1;
	}
	return 0;
}

/* ---- file layer ------------------------------------------------------------- */

static bool name_ok(const char *name)
{
	size_t n = name ? strnlen(name, JOURNAL_NAME_MAX + 1) : 0;

	if (n == 0 || n > JOURNAL_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int write_at(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

static ssize_t read_some(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Read the rest of the file only to count its bytes. */
static int count_rest(struct journal *j, uint64_t *bytes)
{
	for (;;) {
		ssize_t r = read_some(j->fd, j->buf, sizeof j->buf);

		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		*bytes += (uint64_t)r;
	}
}

/* Stream the file through the decoder, JOURNAL_BATCH_MAX bytes at a time. */
static int replay(struct journal *j, journal_apply_fn apply, void *ctx,
		  struct journal_report *rep)
{
	uint64_t base = 0; /* file offset of buf[0] */
	size_t have = 0, pos = 0;
	bool eof = false;

	for (;;) {
		struct journal_record r;
		enum journal_status st = JOURNAL_TORN;
		size_t used = 0;
		ssize_t got;

		if (pos == have && eof)
			break;
		if (pos < have)
			st = journal_decode(j->buf + pos, have - pos, &r, &used, &rep->why);
		if (st == JOURNAL_OK) {
			rep->records++;
			if (apply && apply(ctx, &r) != 0)
				rep->skipped++;
			pos += used;
			continue;
		}
		if (st != JOURNAL_TORN || eof) {
			rep->status = st;
			break;
		}
		memmove(j->buf, j->buf + pos, have - pos);
		base += pos;
		have -= pos;
		pos = 0;
		got = read_some(j->fd, j->buf + have, sizeof j->buf - have);
		if (got < 0) {
			rep->why = "cannot read the journal";
			return -1;
		}
		eof = got == 0;
		have += (size_t)got;
	}
	rep->good_bytes = base + pos;
	rep->cut_bytes = have - pos;
	if (!eof && count_rest(j, &rep->cut_bytes) < 0) {
		rep->why = "cannot read the journal";
		return -1;
	}
	if (rep->status == JOURNAL_OK)
		rep->why = "ok";
	return 0;
}

static void close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

int journal_open(struct journal *j, int dirfd, const char *name, journal_apply_fn apply,
		 void *ctx, struct journal_report *rep)
{
	struct journal_report local;
	size_t n;

	if (!rep)
		rep = &local;
	memset(rep, 0, sizeof *rep);
	rep->why = "ok";
	memset(j, 0, sizeof *j);
	j->fd = -1;
	j->dirfd = dirfd;
	if (!name_ok(name)) {
		rep->why = "bad journal name";
		errno = EINVAL;
		return -1;
	}
	n = strlen(name);
	memcpy(j->name, name, n + 1);
	memcpy(j->tmp, name, n);
	memcpy(j->tmp + n, ".tmp", 5);
	j->fd = openat(dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (j->fd < 0) {
		rep->why = "cannot open the journal";
		return -1;
	}
	if (replay(j, apply, ctx, rep) < 0)
		goto fail;
	if (rep->status != JOURNAL_OK &&
	    (ftruncate(j->fd, (off_t)rep->good_bytes) < 0 || fdatasync(j->fd) < 0)) {
		rep->why = "cannot cut the journal's bad tail";
		goto fail;
	}
	/* the file's directory entry may be new */
	if (fsync(dirfd) < 0) {
		rep->why = "cannot sync the state directory";
		goto fail;
	}
	j->size = rep->good_bytes;
	j->records = rep->records;
	return 0;
fail:
	close_keep_errno(j->fd);
	j->fd = -1;
	return -1;
}

int journal_append(struct journal *j, const struct journal_record *r)
{
	size_t n;

	if (j->failed || j->fd < 0) {
		errno = EIO;
		return -1;
	}
	if (!r || payload_size(r) == 0) {
		errno = EINVAL;
		return -1;
	}
	n = journal_encode(r, j->buf + j->buf_len, sizeof j->buf - j->buf_len);
	if (n == 0) {
		errno = ENOBUFS;
		return -1;
	}
	j->buf_len += n;
	j->pending++;
	return 0;
}

int journal_commit(struct journal *j)
{
	if (j->failed || j->fd < 0) {
		errno = EIO;
		return -1;
	}
	if (j->buf_len == 0)
		return 0;
	if (write_at(j->fd, j->buf, j->buf_len, j->size) < 0) {
		int e = errno;

		/* a partial batch must not stay: later batches would follow it */
		if (ftruncate(j->fd, (off_t)j->size) < 0)
			j->failed = true;
		j->buf_len = j->pending = 0;
		errno = e;
		return -1;
	}
	if (fdatasync(j->fd) < 0) {
		j->failed = true;
		j->buf_len = j->pending = 0;
		return -1;
	}
	j->size += j->buf_len;
	j->records += j->pending;
	j->buf_len = j->pending = 0;
	return 0;
}

bool journal_compact_due(const struct journal *j, const struct lease_table *t)
{
	return j->records >= JOURNAL_COMPACT_MIN && j->records / 2 > t->persist_records;
}

int journal_compact(struct journal *j, const struct lease_table *t)
{
	uint64_t cursor = 0, size = 0, records = 0;
	int fd;

	if (j->failed || j->fd < 0) {
		errno = EIO;
		return -1;
	}
	if (j->buf_len) {
		errno = EBUSY;
		return -1;
	}
	fd = openat(j->dirfd, j->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	for (;;) {
		size_t len;

		if (journal_snapshot(t, &cursor, j->buf, sizeof j->buf, &len, &records) < 0) {
			errno = EINVAL;
			goto fail;
		}
		if (len == 0)
			break;
		if (write_at(fd, j->buf, len, size) < 0)
			goto fail;
		size += len;
	}
	if (fdatasync(fd) < 0 || renameat(j->dirfd, j->tmp, j->dirfd, j->name) < 0)
		goto fail;
	close(j->fd);
	j->fd = fd;
	j->size = size;
	j->records = records;
	/* until the rename is durable, a crash could bring back the old file
	 * without the records committed to the new one */
	if (fsync(j->dirfd) < 0) {
		j->failed = true;
		return -1;
	}
	return 0;
fail:
	close_keep_errno(fd);
	return -1;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->buf_len = j->pending = 0;
}

const char *journal_status_name(enum journal_status s)
{
	switch (s) {
	case JOURNAL_OK:
		return "ok";
	case JOURNAL_TORN:
		return "torn";
	case JOURNAL_BAD_MAGIC:
		return "bad-magic";
	case JOURNAL_BAD_LENGTH:
		return "bad-length";
	case JOURNAL_BAD_CHECKSUM:
		return "bad-checksum";
	case JOURNAL_BAD_FIELD:
		return "bad-field";
	}
	return "unknown";
}
