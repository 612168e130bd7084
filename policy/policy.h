/* policy.h — the bootward policy language: one file saying what is served to whom.
 *
 * The policy is trusted administrator input, but it is parsed strictly: every
 * unknown word, missing value or out-of-range number is an error reported as
 * FILE:LINE:COLUMN: message.  The same parser runs in the broker and in every
 * worker (the broker hands workers the exact text it accepted).
 */
#ifndef BOOTWARD_POLICY_H
#define BOOTWARD_POLICY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_INTERFACES 16
#define POLICY_PATH_MAX 256
#define POLICY_NAME_MAX 32
#define POLICY_MAX_ERRORS 32
#define POLICY_MAX_SIZE (1024 * 1024) /* bytes of policy text */

struct policy_interface {
	char name[POLICY_NAME_MAX];  /* e.g. "eth1" */
	struct in_addr address;      /* the address services listen on */
};

struct policy_tftp {
	bool enabled;                      /* a `tftp` statement was given */
	char root[POLICY_PATH_MAX];        /* absolute path, no trailing '/' */
	uint16_t port_low, port_high;      /* transfer-port pool, inclusive */
	uint32_t max_transfers;            /* concurrent transfers, overall */
	uint32_t max_per_client;           /* concurrent transfers per client address */
	uint32_t timeout_ms;               /* default retransmission timeout */
	uint32_t retries;                  /* retransmissions before giving up */
	uint32_t max_blksize;              /* largest blksize granted (8..65464) */
	uint32_t max_windowsize;           /* largest windowsize granted (1..64) */
	char upload_dir[POLICY_PATH_MAX];  /* relative to root; "" = uploads off */
	uint64_t upload_max_bytes;         /* size cap of one uploaded file */
};

struct policy {
	struct policy_interface interfaces[POLICY_MAX_INTERFACES];
	size_t n_interfaces;
	uint32_t uid_base; /* worker uid/gid = uid_base + worker index (tftpd: +2) */
	struct policy_tftp tftp;
};

struct policy_error {
	unsigned line, column;  /* 1-based */
	char message[256];
};

struct policy_errors {
	char file[POLICY_PATH_MAX]; /* name used in messages */
	struct policy_error e[POLICY_MAX_ERRORS];
	size_t count;               /* errors stored (capped) */
	size_t total;               /* errors found */
};

/* The default policy compiled into the binaries (policy/examples/default.policy). */
extern const char policy_default_text[];

/* Fill *p with the built-in defaults that apply before any statement is read. */
void policy_init(struct policy *p);

/* Parse `len` bytes of policy text.  `name` is used in error messages.
 * Returns 0 and fills *p on success; returns -1 and fills *errs otherwise
 * (p is then unspecified).  Pure: no I/O, no global state. */
int policy_parse(const char *text, size_t len, const char *name,
		 struct policy *p, struct policy_errors *errs);

/* Format errs as "FILE:LINE:COLUMN: message" lines into buf (NUL-terminated,
 * truncated to cap).  Returns buf. */
char *policy_errors_format(const struct policy_errors *errs, char *buf, size_t cap);

#endif
