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

/* ---- DHCP (RFC 2131/2132, PXE per RFC 4578) ---- */

#define POLICY_MAX_SUBNETS 32
#define POLICY_MAX_HOSTS 2048
#define POLICY_MAX_DENY 1024
#define POLICY_MAX_CLASSES 32
#define POLICY_MAX_DNS 4
#define POLICY_MAX_ARCH 8
#define POLICY_HOSTNAME_MAX 64

enum policy_dhcp_mode {
	POLICY_DHCP_OFF = 0,           /* no `dhcp` statement */
	POLICY_DHCP_AUTHORITATIVE = 1, /* hands out addresses from subnets' ranges */
	POLICY_DHCP_PROXY = 2,         /* boot information only, beside another server */
};

enum policy_boot_proto { POLICY_BOOT_NONE = 0, POLICY_BOOT_TFTP, POLICY_BOOT_HTTP, POLICY_BOOT_HTTPS };

/* What a client is told to boot: a TFTP file name, or the path part of an
 * HTTP(S) URL on this server.  May contain ${...} variables, expanded when a
 * reply is built. */
struct policy_boot {
	enum policy_boot_proto proto;
	char path[POLICY_PATH_MAX];
};

struct policy_subnet {
	struct in_addr network;       /* host bits zero */
	uint8_t prefix_len;           /* 8..30 */
	struct in_addr range_low, range_high; /* dynamic pool, inclusive; both 0: none */
	struct in_addr router;        /* option 3; 0: none */
	struct in_addr dns[POLICY_MAX_DNS]; /* option 6 */
	size_t n_dns;
	char domain[POLICY_HOSTNAME_MAX]; /* option 15; "": none */
	uint32_t lease_s;             /* option 51 */
	uint32_t renew_s, rebind_s;   /* options 58/59; 0: lease/2 and lease*7/8 */
};

struct policy_host {
	char name[POLICY_HOSTNAME_MAX]; /* option 12 */
	uint8_t mac[6];
	struct in_addr address;       /* fixed address; 0: from a range */
	char kickstart[POLICY_NAME_MAX]; /* kickstart template name; "": none */
	struct policy_boot boot;      /* per-host override; proto NONE: by class */
};

/* A client class: every criterion given must match (within a list, any
 * value); classes are tried in file order and the first match wins. */
struct policy_class {
	char name[POLICY_NAME_MAX];
	uint16_t arch[POLICY_MAX_ARCH]; /* option 93 client architecture types */
	size_t n_arch;                  /* 0: any architecture */
	char user_class[POLICY_NAME_MAX];   /* option 77, exact; "": any */
	char vendor_class[POLICY_NAME_MAX]; /* option 60, prefix; "": any */
	struct policy_boot boot;            /* always set */
};

struct policy_dhcp {
	enum policy_dhcp_mode mode;
	struct in_addr next_server;   /* siaddr / TFTP server; 0: the receiving interface's address */
	uint32_t offer_hold_s;        /* how long an OFFER reserves its address */
	uint32_t max_discover_per_mac_s; /* DISCOVERs answered per MAC per second */
	uint32_t max_discover_per_s;  /* DISCOVERs answered per second, overall */
	struct policy_subnet subnets[POLICY_MAX_SUBNETS];
	size_t n_subnets;
	struct policy_host hosts[POLICY_MAX_HOSTS];
	size_t n_hosts;
	uint8_t deny[POLICY_MAX_DENY][6];
	size_t n_deny;
	struct policy_class classes[POLICY_MAX_CLASSES];
	size_t n_classes;
};

/* ---- HTTPS (httpsd) ---- */

enum policy_ciphers {
	POLICY_CIPHERS_COMPATIBLE = 0,     /* ECDHE-GCM, RSA-GCM, AES128/256-SHA: every iPXE build */
	POLICY_CIPHERS_FORWARD_SECRET = 1, /* ECDHE-GCM and TLS 1.3 only */
};

struct policy_https {
	bool enabled;                      /* an `https` statement was given */
	char root[POLICY_PATH_MAX];        /* absolute path, no trailing '/' */
	uint16_t port;                     /* TLS */
	uint16_t plain_port;               /* plain HTTP; 0 = off */
	enum policy_ciphers ciphers;
	uint32_t max_connections;          /* open connections, overall */
	uint32_t max_per_client;           /* open connections per client address */
	uint32_t header_timeout_ms;        /* accept to end of request head (TLS handshake included) */
	uint32_t idle_timeout_ms;          /* keep-alive wait, and a send that makes no progress */
	bool listing;                      /* directory listings */
	bool access_log;                   /* one log record per request */
	uint32_t key_ops_rate;             /* private-key operations per second the broker performs */
};

/* ---- kickstarts ---- */

#define POLICY_MAX_KICKSTARTS 32
#define POLICY_APPEND_MAX 512

/* A kickstart template hosts name with `kickstart NAME`; the broker
 * renders it per host (see broker/template.h). */
struct policy_kickstart {
	char name[POLICY_NAME_MAX];
	char template_path[POLICY_PATH_MAX]; /* absolute path of the template */
	char kernel[POLICY_PATH_MAX];        /* URL path of the installer's kernel; "": no boot script */
	char initrd[POLICY_PATH_MAX];        /* URL path of its initrd; "": none */
	char append[POLICY_APPEND_MAX];      /* kernel command line, with template variables */
	uint32_t lifetime_s;                 /* how long a host's token stays valid */
	bool one_time;                       /* a token works once */
	bool verify;                         /* the boot script verifies every image (imgtrust, imgverify) */
};

struct policy {
	struct policy_interface interfaces[POLICY_MAX_INTERFACES];
	size_t n_interfaces;
	uint32_t uid_base; /* worker uid/gid = uid_base + worker index (tftpd: +2) */
	struct policy_tftp tftp;
	struct policy_https https;
	struct policy_kickstart kickstarts[POLICY_MAX_KICKSTARTS];
	size_t n_kickstarts;
	struct policy_dhcp dhcp;   /* last: large tables, compared up to their counts */
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
