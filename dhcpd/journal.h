/* journal.h — the lease journal: an append-only, checksummed log of the lease
 * table's durable changes, with group commit and compaction.
 *
 * Two layers.  The record codec (journal_encode, journal_decode, journal_scan,
 * journal_snapshot) is pure and fuzzed.  The file layer (journal_open,
 * journal_append, journal_commit, journal_compact) does the I/O, relative to
 * a directory fd, so the DHCP worker can run chrooted in its state directory.
 *
 * Syscalls of the file layer, for the worker's seccomp allowlist:
 *   openat, read, pwrite64, fdatasync, fsync, ftruncate, renameat, close
 * (renameat2 where the architecture has no renameat, e.g. arm64).
 *
 * Record, integers big-endian:
 *   0  'B' 'W' 'J' 0x01   magic and format version
 *   4  u16                payload length
 *   6  u8                 type: 1 BIND, 2 RELEASE, 3 DECLINE
 *   7  u8                 0 (reserved)
 *   8  payload            BIND:    u8 id_len, id, mac[6], u32 addr, u64 expiry,
 *                                  u8 hostname_len, hostname
 *                         RELEASE: u8 id_len, id, u32 addr
 *                         DECLINE: u32 addr, u64 until
 *   8+n u32               CRC-32C (Castagnoli) of bytes 0 .. 8+n-1
 * Every field has one valid encoding, so decoding and re-encoding a record
 * gives back the same bytes.
 *
 * Durability protocol:
 *  - A batch of records becomes durable with one write and one fdatasync
 *    (journal_commit); the worker sends the ACKs of a batch only after it.
 *  - journal_open replays the file and cuts it after the last valid record:
 *    a torn tail (a crash during a write) or corruption loses only what
 *    follows, and never what a successful commit covered.
 *  - journal_compact writes the live table to NAME.tmp, syncs it, renames it
 *    over NAME and syncs the directory: a crash leaves the old or the new
 *    complete file.  A stale NAME.tmp is ignored, and truncated by the next
 *    compaction.
 *  - When fdatasync or the directory sync fails, the journal refuses all
 *    further work (the state on disk is unknown); the worker exits and its
 *    restart replays the file.
 */
#ifndef BOOTWARD_JOURNAL_H
#define BOOTWARD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcpd/lease.h"

enum journal_type { JOURNAL_BIND = 1, JOURNAL_RELEASE = 2, JOURNAL_DECLINE = 3 };

#define JOURNAL_HEADER_SIZE 8
#define JOURNAL_CRC_SIZE 4
#define JOURNAL_PAYLOAD_MIN 6    /* a RELEASE with a 1-byte identity */
#define JOURNAL_PAYLOAD_MAX (20 + LEASE_CLIENT_ID_MAX + LEASE_HOSTNAME_MAX)
#define JOURNAL_RECORD_MAX (JOURNAL_HEADER_SIZE + JOURNAL_PAYLOAD_MAX + JOURNAL_CRC_SIZE)

struct journal_record {
	enum journal_type type;
	struct lease_client client;  /* BIND: identity and MAC; RELEASE: identity */
	uint32_t addr;               /* host byte order, never 0 */
	uint64_t expiry;             /* BIND: end of the lease; DECLINE: end of quarantine */
	char hostname[LEASE_HOSTNAME_MAX + 1]; /* BIND; "" if none */
};

enum journal_status {
	JOURNAL_OK = 0,
	JOURNAL_TORN,          /* a record cut short by the end of the data */
	JOURNAL_BAD_MAGIC,     /* not a record, or an unknown format version */
	JOURNAL_BAD_LENGTH,    /* payload length out of bounds */
	JOURNAL_BAD_CHECKSUM,
	JOURNAL_BAD_FIELD,     /* checksum fine, contents invalid */
};

/* CRC-32C of n bytes, continuing from crc (start with 0). */
uint32_t journal_crc32c(uint32_t crc, const void *p, size_t n);

/* Encode r into buf.  Returns its length, or 0 when r is invalid (see the
 * decode rules) or cap is too small. */
size_t journal_encode(const struct journal_record *r, uint8_t *buf, size_t cap);

/* Decode the record at the start of p.  On JOURNAL_OK, *r is the record
 * (unused fields zero) and *used its length.  Otherwise *why (optional) gets a
 * static reason: JOURNAL_TORN when the bytes are a valid beginning but end too
 * soon (including len 0).  Rules: identities 1..64 bytes, hostnames 0..63
 * printable characters without space, addresses not 0, reserved byte 0, and
 * the payload exactly as long as its fields. */
enum journal_status journal_decode(const uint8_t *p, size_t len, struct journal_record *r,
				   size_t *used, const char **why);

/* Called for each valid record; returns 0 when applied, nonzero when it was
 * skipped (replay goes on either way). */
typedef int (*journal_apply_fn)(void *ctx, const struct journal_record *r);

/* Apply a record to the struct lease_table *table: BIND -> lease_bind,
 * RELEASE -> lease_release, DECLINE -> lease_quarantine. */
int journal_apply_to_table(void *table, const struct journal_record *r);

struct journal_report {
	uint64_t records;         /* valid records read */
	uint64_t skipped;         /* of those, refused by the apply callback */
	uint64_t good_bytes;      /* length of the valid prefix */
	uint64_t cut_bytes;       /* bytes after it (removed by journal_open) */
	enum journal_status status; /* JOURNAL_OK, or what was found at good_bytes */
	const char *why;          /* static text for the log line */
};

/* Decode a whole buffer, calling apply (optional) for each valid record until
 * the end or the first torn or bad record.  Returns rep->status. */
enum journal_status journal_scan(const uint8_t *p, size_t len, journal_apply_fn apply,
				 void *ctx, struct journal_report *rep);

/* The records that rebuild table t (see lease_snapshot_kind), in pieces:
 * start with *cursor = 0 and call until *len is 0.  Quarantines and run-out
 * bindings come first and running bindings last, so replay indexes every
 * client at its running binding.  Returns 0, or -1 if a slot cannot be
 * encoded (never for a table built by lease.c).  cap must be at least
 * 2 * JOURNAL_RECORD_MAX.  *records (optional) is increased by the records
 * written. */
int journal_snapshot(const struct lease_table *t, uint64_t *cursor, uint8_t *buf, size_t cap,
		     size_t *len, uint64_t *records);

/* ---- file layer ------------------------------------------------------------ */

#define JOURNAL_NAME_MAX 64          /* [A-Za-z0-9._-], not starting with '.' */
#define JOURNAL_BATCH_MAX 65536      /* bytes of records one commit can hold */
#define JOURNAL_COMPACT_MIN 1024     /* records before compaction is worth it */

struct journal {
	int dirfd, fd;
	bool failed;                 /* a sync failed: refuse everything */
	char name[JOURNAL_NAME_MAX + 1];
	char tmp[JOURNAL_NAME_MAX + 5];
	uint64_t size;               /* bytes of committed records in the file */
	uint64_t records;            /* records in the file */
	size_t pending;              /* records buffered */
	size_t buf_len;
	uint8_t buf[JOURNAL_BATCH_MAX]; /* pending records; also the I/O buffer */
};

/* Open (creating, mode 0600) the journal NAME in directory dirfd (opened
 * O_RDONLY | O_DIRECTORY, kept open by the caller: it is synced), replay it
 * through apply (optional), cut a torn or corrupt tail (ftruncate + fdatasync)
 * and sync the directory.  A bad tail is not an error: it is reported in *rep
 * (optional) for a log line.  Returns 0, or -1 with errno set and rep->why. */
int journal_open(struct journal *j, int dirfd, const char *name, journal_apply_fn apply,
		 void *ctx, struct journal_report *rep);

/* Buffer a record.  Returns 0, or -1 with errno EINVAL (record invalid),
 * ENOBUFS (the batch is full: commit first) or EIO (journal failed). */
int journal_append(struct journal *j, const struct journal_record *r);

/* Make every buffered record durable: one pwrite at the end of the file, one
 * fdatasync.  Returns 0 (also with nothing buffered), or -1 with errno; the
 * batch is then dropped and none of its ACKs may be sent.  A failed write is
 * cut off the file again; a failed sync marks the journal failed. */
int journal_commit(struct journal *j);

/* Time to compact: at least JOURNAL_COMPACT_MIN records in the file and more
 * than twice what a compacted file would hold. */
bool journal_compact_due(const struct journal *j, const struct lease_table *t);

/* Rewrite the file from table t (which must reflect every committed record:
 * call it with nothing buffered, after the batch's lease_bind calls).
 * Returns 0, or -1 with errno (EBUSY: records are buffered); on a failure
 * before the rename the old file stays in use. */
int journal_compact(struct journal *j, const struct lease_table *t);

void journal_close(struct journal *j);

const char *journal_status_name(enum journal_status s);

#endif
