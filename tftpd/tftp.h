/* tftp.h — TFTP wire codec and transfer state machines.
 *
 * Pure code: no syscalls, no globals, no allocation.  Packets come in as bytes,
 * packets go out through tftp_io.send, file data through tftp_io.read_at /
 * write_at.  The worker (tftpd/main.c) supplies sockets, files and the clock.
 *
 * Standards: RFC 1350 (TFTP), 2347 (option extension, OACK), 2348 (blksize),
 * 2349 (timeout, tsize), 7440 (windowsize).
 */
#ifndef BOOTWARD_TFTP_H
#define BOOTWARD_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tftp_opcode {
	TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_ERROR = 5, TFTP_OACK = 6,
};

enum tftp_errcode {
	TFTP_ENOTDEFINED = 0, TFTP_ENOTFOUND = 1, TFTP_EACCESS = 2, TFTP_ENOSPACE = 3,
	TFTP_EBADOP = 4, TFTP_EBADID = 5, TFTP_EEXISTS = 6, TFTP_ENOUSER = 7, TFTP_EOPTNEG = 8,
};

enum tftp_mode { TFTP_MODE_OCTET = 1, TFTP_MODE_NETASCII = 2 };

#define TFTP_FILENAME_MAX 255       /* longest file name accepted */
#define TFTP_BLKSIZE_DEFAULT 512
#define TFTP_BLKSIZE_MIN 8
#define TFTP_BLKSIZE_MAX 65464
#define TFTP_WINDOWSIZE_MAX 64      /* largest window this server grants */
#define TFTP_PACKET_MAX (4 + TFTP_BLKSIZE_MAX)

/* A parsed RRQ or WRQ.  Option values are as the client sent them (validated
 * for syntax only); negotiation happens in tftp_rrq_start()/tftp_wrq_start(). */
struct tftp_request {
	enum tftp_opcode op;                 /* TFTP_RRQ or TFTP_WRQ */
	char filename[TFTP_FILENAME_MAX + 1];
	enum tftp_mode mode;
	bool has_blksize, has_tsize, has_timeout, has_windowsize;
	uint32_t blksize;    /* as requested */
	uint64_t tsize;      /* as requested (0 on RRQ; file size on WRQ) */
	uint32_t timeout;    /* seconds, as requested */
	uint32_t windowsize; /* as requested */
};

/* Parse a request packet (first packet a client sends to port 69).
 * Returns 0 on success.  On failure returns a TFTP error code (>0) to send back
 * and sets *why to a static, human-readable reason: 4 for a malformed packet,
 * file name or mode, 8 for a malformed option (missing NUL, name without value,
 * empty name, a recognised option given twice, or a value of a recognised
 * option that is not a decimal number fitting its field).  Unknown options are
 * skipped. */
int tftp_parse_request(const uint8_t *pkt, size_t len, struct tftp_request *req,
		       const char **why);

/* Turn a requested file name into a path relative to the served root:
 * leading '/' are dropped and repeated '/' collapsed; empty names, "." or ".."
 * components, NUL, control characters, backslashes and DEL are refused.  Returns 0 and writes the
 * NUL-terminated relative path to out, or -1 (an access violation). */
int tftp_path_normalize(const char *name, char *out, size_t cap);

/* Server limits used in negotiation (from the policy). */
struct tftp_limits {
	uint32_t max_blksize;    /* 8..65464 */
	uint32_t max_windowsize; /* 1..TFTP_WINDOWSIZE_MAX */
	uint32_t timeout_ms;     /* default retransmission timeout */
	uint32_t retries;        /* retransmissions of one packet before giving up */
	uint64_t upload_max;     /* WRQ size cap in bytes */
};

/* Build packets into buf; each returns the packet length (0 if cap too small). */
size_t tftp_build_error(uint8_t *buf, size_t cap, uint16_t code, const char *msg);
size_t tftp_build_ack(uint8_t *buf, size_t cap, uint16_t block);

/* Callbacks into the worker. */
struct tftp_io {
	void *ctx;
	/* Read up to len bytes of the source file at off; returns bytes read
	 * (short only at end of file) or -1 on error. */
	ssize_t (*read_at)(void *ctx, uint64_t off, void *buf, size_t len);
	/* Write len bytes of the destination file at off; returns 0 or -1. */
	int (*write_at)(void *ctx, uint64_t off, const void *buf, size_t len);
	/* Send one packet to the peer; returns 0 or -1 (the packet is then
	 * treated as lost and retransmitted on timeout). */
	int (*send)(void *ctx, const void *pkt, size_t len);
};

enum tftp_state { TFTP_RUNNING = 0, TFTP_DONE = 1, TFTP_FAILED = 2 };

/* Position in the source file for netascii translation. */
struct tftp_cursor {
	uint64_t off;   /* source offset */
	int pending;    /* byte still owed from a split CR-LF / CR-NUL pair, or -1 */
};

/* One transfer (read or write).  Fields are private to tftp.c except those
 * marked as results. */
struct tftp_xfer {
	/* results, read by the worker */
	enum tftp_state state;
	uint64_t deadline_ms;      /* call tftp_xfer_timeout() when now >= this */
	uint64_t bytes;            /* file bytes acknowledged by the peer (RRQ) or stored (WRQ) */
	uint16_t err_code;         /* when FAILED: TFTP error sent or received */
	char outcome[96];          /* short reason, for the transfer log line */
	char options[96];          /* negotiated options, e.g. "blksize=1468 tsize=… windowsize=8" */

	/* negotiated */
	enum tftp_opcode op;
	enum tftp_mode mode;
	uint32_t blksize, windowsize, timeout_ms, retries_max;
	uint64_t file_size;        /* RRQ: source size; WRQ: size announced by tsize, or 0 */
	uint64_t upload_max;
	uint64_t rto_ms;           /* current retransmission timeout (backs off) */
	uint8_t acked_opts;        /* options acknowledged in the OACK (bit set) */

	/* progress (blocks are numbered from 1, 64-bit; the wire carries the low 16 bits) */
	bool oack_outstanding;     /* OACK sent, waiting for ACK 0 (RRQ) / DATA 1 (WRQ) */
	uint64_t base;             /* RRQ: first unacknowledged block; WRQ: next block expected */
	uint64_t next;             /* RRQ: next block to send */
	uint64_t last;             /* RRQ: number of the final (short) block */
	uint32_t tries;            /* retransmissions of the current window */
	uint32_t unacked;          /* WRQ: in-order blocks received since our last ACK */
	bool gap_acked;            /* WRQ: a gap in the window was already reported */
	/* RRQ netascii: cursor at the start of block b is window_cur[b % (MAX + 1)],
	 * kept for blocks base..next so a window can be regenerated */
	struct tftp_cursor window_cur[TFTP_WINDOWSIZE_MAX + 1];
	struct tftp_cursor wr_cur; /* WRQ netascii decoder: off = bytes stored, pending = held CR */

	struct tftp_io io;
	uint8_t pkt[TFTP_PACKET_MAX];
};

/* Start serving a read request for a file of file_size bytes.  Negotiates the
 * requested options within lim (unsupported/invalid values are ignored as RFC
 * 2347 allows; tsize is answered with file_size in octet mode and not
 * acknowledged in netascii mode or for an empty file, whose tsize 0 some
 * clients reject), sends the OACK or the first window, and sets deadline_ms.
 * Returns 0, or -1 after sending an ERROR (state FAILED). */
int tftp_rrq_start(struct tftp_xfer *x, const struct tftp_request *req,
		   const struct tftp_limits *lim, uint64_t file_size,
		   const struct tftp_io *io, uint64_t now_ms);

/* Start receiving a write request (uploads).  Refuses with ERROR 3 when the
 * client's tsize exceeds lim->upload_max.  Sends the OACK or ACK 0. */
int tftp_wrq_start(struct tftp_xfer *x, const struct tftp_request *req,
		   const struct tftp_limits *lim, const struct tftp_io *io,
		   uint64_t now_ms);

/* A packet arrived from the transfer's peer (right address and port).  Handles
 * ACKs (duplicates never trigger retransmission: no Sorcerer's Apprentice),
 * DATA for uploads, ERROR from the peer, and answers nonsense with ERROR 4. */
void tftp_xfer_input(struct tftp_xfer *x, const uint8_t *pkt, size_t len, uint64_t now_ms);

/* The deadline passed: retransmit the window (doubling the timeout up to 4x
 * the negotiated one) or, after retries_max tries, fail the transfer.  Calls
 * before deadline_ms are ignored. */
void tftp_xfer_timeout(struct tftp_xfer *x, uint64_t now_ms);

#endif
