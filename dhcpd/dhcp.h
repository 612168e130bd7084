/* dhcp.h — DHCP wire codec: parse client messages, build server replies.
 *
 * Pure code: no syscalls, no globals, no allocation.  A packet comes in as
 * bytes and is parsed into a struct dhcp_msg; a reply goes out as bytes that
 * dhcp_build_reply() writes into a caller buffer from a struct dhcp_reply
 * (what the DHCP worker decided to send).  Addresses are struct in_addr in
 * network byte order, as in the policy.
 *
 * Standards: RFC 2131 (DHCP), 2132 (options), 1542 (BOOTP relays, minimum
 * size), 3046 (relay agent information), 3004 (user class), 3396 (long
 * options), 4578 (PXE client options), 6842 (client identifier echo).
 */
#ifndef BOOTWARD_DHCP_H
#define BOOTWARD_DHCP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_PXE_PORT 4011          /* proxyDHCP boot server port (PXE 2.1) */

#define DHCP_CHADDR_LEN 16
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_LEN 128
#define DHCP_FIXED_LEN 236          /* op .. file (RFC 2131 §2) */
#define DHCP_OPTIONS_OFFSET 240     /* fixed header + magic cookie */
#define DHCP_PACKET_MAX 4096        /* longest message parsed */
#define DHCP_BOOTP_MIN_LEN 300      /* replies are padded to this (RFC 1542 §2.1) */
#define DHCP_MAX_MSG_DEFAULT 576    /* RFC 2131 §2: every client accepts this */
#define DHCP_IP_UDP_OVERHEAD 28     /* option 57 counts IPv4 and UDP headers */
#define DHCP_REPLY_ADDRS_MAX 8      /* routers or DNS servers in one reply */

enum dhcp_op { DHCP_BOOTREQUEST = 1, DHCP_BOOTREPLY = 2 };

/* Option 53 values (RFC 2132 §9.6). */
enum dhcp_msg_type {
	DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPDECLINE = 4,
	DHCPACK = 5, DHCPNAK = 6, DHCPRELEASE = 7, DHCPINFORM = 8,
};

enum dhcp_option_code {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN_NAME = 15,
	DHCP_OPT_VENDOR_OPTS = 43,       /* vendor-encapsulated options */
	DHCP_OPT_REQUESTED_ADDR = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MESSAGE_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_REQUEST_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_MSG_SIZE = 57,
	DHCP_OPT_RENEWAL_TIME = 58,
	DHCP_OPT_REBINDING_TIME = 59,
	DHCP_OPT_VENDOR_CLASS = 60,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_TFTP_SERVER = 66,
	DHCP_OPT_BOOTFILE = 67,
	DHCP_OPT_USER_CLASS = 77,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_CLIENT_ARCH = 93,
	DHCP_OPT_CLIENT_NDI = 94,
	DHCP_OPT_CLIENT_UUID = 97,
	DHCP_OPT_IPXE_ENCAP = 175,
	DHCP_OPT_END = 255,
};

/* Option 52 values (RFC 2132 §9.3). */
enum { DHCP_OVERLOAD_FILE = 1, DHCP_OVERLOAD_SNAME = 2, DHCP_OVERLOAD_BOTH = 3 };

/* Where one option's value sits in dhcp_msg.data; private to dhcp.c. */
struct dhcp_opt_span {
	uint16_t off, len;
	bool present;
};

/* A parsed message.  Scalar fields are the validated view of the options the
 * server acts on; every option's raw value is available through
 * dhcp_get_option().  Options given in several instances are concatenated
 * (RFC 3396) in the order options field, file, sname. */
struct dhcp_msg {
	/* fixed header (RFC 2131 §2) */
	uint8_t op, htype, hlen, hops;
	uint32_t xid;                  /* host byte order; echoed unchanged */
	uint16_t secs, flags;          /* host byte order */
	struct in_addr ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t sname[DHCP_SNAME_LEN]; /* raw; holds options when overload & 2 */
	uint8_t file[DHCP_FILE_LEN];   /* raw; holds options when overload & 1 */
	bool ethernet;                 /* htype 1 and hlen 6: what the server serves */
	uint8_t overload;              /* option 52, or 0 */

	/* typed options */
	uint8_t type;                  /* 53: DHCPDISCOVER .. DHCPINFORM */
	bool has_requested_addr;       /* 50 */
	struct in_addr requested_addr;
	bool has_server_id;            /* 54 */
	struct in_addr server_id;
	bool has_lease_time;           /* 51 */
	uint32_t lease_time;
	uint16_t max_msg_size;         /* 57 when valid, else DHCP_MAX_MSG_DEFAULT */
	bool has_arch;                 /* 93 */
	uint16_t arch;                 /* the first architecture type listed */
	bool has_ndi;                  /* 94 */
	uint8_t ndi_major, ndi_minor;  /* UNDI version */
	bool has_uuid;                 /* 97 */
	uint8_t uuid[16];

	/* private to dhcp.c */
	uint8_t hw_identity[1 + DHCP_CHADDR_LEN]; /* htype + chaddr[0..hlen) */
	struct dhcp_opt_span opt[256];
	uint8_t data[DHCP_PACKET_MAX];
};

/* Parse one message of len bytes (RFC 2131 §2, §4.1; RFC 2132).
 *
 * Returns 0 and fills *m (about 6 KB: keep it off small stacks), or -1 and
 * sets *why to a static reason; *why is left alone on success.  Rejected:
 * more than DHCP_PACKET_MAX bytes; shorter than the fixed header and the
 * magic cookie; a wrong cookie; op other than BOOTREQUEST or BOOTREPLY;
 * hlen > 16; an option whose length byte is missing or whose value runs past
 * the end of its field; option 52 given twice, with a length other than 1
 * or a value other than 1, 2 or 3; no option 53 (plain BOOTP: this server
 * answers DHCP only).
 *
 * Options are read from the options field up to option 255; what follows the
 * end option is padding and ignored.  A field without an end option is
 * accepted when its last option ends exactly at the end of the field (some
 * clients fill the packet to the brim).  With option 52 (read from the
 * options field only), 'file' and then 'sname' are parsed the same way;
 * option 52 inside them is ignored.
 *
 * Typed options, after concatenation:
 *   53 message type   length 1, value 1..8, else the parse fails
 *   50 requested addr length 4, else the parse fails
 *   54 server id      length 4, else the parse fails (a REQUEST must not be
 *                     taken for one meant for another server)
 *   61 client id      length >= 2 (RFC 2132 §9.14), else the parse fails (the
 *                     lease identity must be unambiguous)
 *   93 client arch    even length >= 2 (RFC 4578 §2.1), else the parse fails
 *                     (a wrong boot file is worse than none)
 *   51 lease time     length 4, else treated as absent (only a hint)
 *   57 max msg size   length 2 and >= 576, else treated as absent
 *   94 client NDI     length 3 and type 1 (RFC 4578 §2.2), else absent
 *   97 client UUID    length 17 and type 0 (RFC 4578 §2.3), else absent
 * Byte-string options (12, 55, 60, 77, 82, 175 and all others) are kept raw,
 * any length including 0. */
int dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m, const char **why);

/* The concatenated value of option code (1..254) if the message had it:
 * true with *val pointing into m (valid while m is) and *len its length.
 * False for absent options and for codes 0 and 255. */
bool dhcp_get_option(const struct dhcp_msg *m, uint8_t code, const uint8_t **val, size_t *len);

/* The client's identity for leases: option 61 if present, else htype
 * followed by chaddr[0..hlen) — the form RFC 2132 §9.14 suggests for
 * option 61, so a client that sends 61 = 01:<MAC> only sometimes is still
 * one client.  Returns the length (>= 1) and points *id into m. */
size_t dhcp_client_identity(const struct dhcp_msg *m, const uint8_t **id);

/* Option 60 starts with "PXEClient" (PXE 2.1) / "HTTPClient" (UEFI HTTP boot). */
bool dhcp_is_pxe_client(const struct dhcp_msg *m);
bool dhcp_is_http_client(const struct dhcp_msg *m);

/* Option 77 holds the NUL-terminated name, exactly (case-sensitive): either
 * as the whole value (iPXE sends plain "iPXE") or as one instance of a
 * well-formed RFC 3004 list of length-prefixed instances. */
bool dhcp_user_class_is(const struct dhcp_msg *m, const char *name);

/* Option 175 is present: the client runs iPXE. */
bool dhcp_has_ipxe_options(const struct dhcp_msg *m);

/* "DHCPDISCOVER" .. "DHCPINFORM", or "unknown". */
const char *dhcp_message_type_name(int type);

/* For logs: len bytes as lowercase hex pairs joined by ':' ("-" when len
 * is 0).  Always NUL-terminates when cap > 0; when the whole does not fit,
 * writes as many bytes as fit followed by "...".  Returns out. */
const char *dhcp_format_hex(char *out, size_t cap, const uint8_t *p, size_t len);

/* chaddr[0..hlen) ("52:54:00:12:34:56"); and the client identity as above. */
#define DHCP_HWADDR_STR_MAX (3 * DHCP_CHADDR_LEN)
const char *dhcp_format_hwaddr(char *out, size_t cap, const struct dhcp_msg *m);
const char *dhcp_format_client_id(char *out, size_t cap, const struct dhcp_msg *m);

/* What to send.  Zero / NULL / "" fields are not sent.  Strings are sent
 * without a NUL (RFC 2132 §2). */
struct dhcp_reply {
	uint8_t type;                  /* DHCPOFFER, DHCPACK or DHCPNAK */
	struct in_addr yiaddr;         /* the client's address; 0 for NAK, INFORM, proxyDHCP */
	struct in_addr siaddr;         /* next server (TFTP), fixed header */
	struct in_addr server_id;      /* option 54, required */
	const char *sname;             /* fixed-header server name, at most 63 bytes */
	const char *file;              /* fixed-header boot file, at most 127 bytes */
	uint32_t lease_time;           /* option 51, seconds (0xffffffff: infinite) */
	uint32_t renewal_time;         /* option 58 */
	uint32_t rebinding_time;       /* option 59 */
	struct in_addr subnet_mask;    /* option 1 */
	struct in_addr router[DHCP_REPLY_ADDRS_MAX]; /* option 3 */
	size_t n_router;
	struct in_addr dns[DHCP_REPLY_ADDRS_MAX];    /* option 6 */
	size_t n_dns;
	const char *domain_name;       /* option 15 */
	const char *hostname;          /* option 12 */
	const char *tftp_server;       /* option 66 */
	const char *bootfile;          /* option 67 */
	const char *vendor_class;      /* option 60: "PXEClient" / "HTTPClient" */
	const uint8_t *vendor_opts;    /* option 43, raw (PXE boot server sub-options) */
	size_t vendor_opts_len;
	const char *message;           /* option 56, mainly for NAK */
	bool echo_uuid;                /* option 97 copied from the request (PXE 2.1) */
};

/* Build the reply to request (a parsed BOOTREQUEST) into buf.
 *
 * Header (RFC 2131 §4.3.1 table 3): op BOOTREPLY; htype, hlen, xid, flags,
 * giaddr and chaddr from the request; ciaddr from the request in an ACK,
 * else 0; yiaddr, siaddr, sname and file from the reply (none in a NAK).
 *
 * Options, each once: 53 first; 52 next when overloading; then those the
 * client asked for in option 55, in its order; then the remaining ones in
 * the order 54, 51, 58, 59, 1, 3, 6, 15, 12, 66, 67, 60, 43, 56, 61 (echoed
 * when the request had it, RFC 6842), 97; then 82 echoed byte for byte as
 * the last option of the options field (RFC 3046 §2.2), and 255.  A value
 * of up to 255 bytes is always one instance, so clients without RFC 3396
 * support read it; a longer one is split into instances (RFC 3396) that
 * fill each area to the brim (an 82 longer than 255 bytes comes back with
 * the same value, in instances of 255).  The packet is zero-padded to 300
 * bytes, the minimum of RFC 1542 §2.1 that some clients and relays insist on.
 *
 * Size: at most cap bytes, and at most the client's option 57 less the IPv4
 * and UDP headers (548 bytes by default).  When the options field is full,
 * options continue in 'file' and then 'sname' (option 52), each only if the
 * reply leaves it empty; 53, 52 and 82 always stay in the options field.
 *
 * Returns the packet length, or 0 with *why set when: cap < 300; the request
 * is not a BOOTREQUEST; type is not OFFER, ACK or NAK; server_id is 0; a NAK
 * carries anything but option 56; an ACK to an INFORM carries a lease time
 * (RFC 2131 §4.3.5); a string is longer than its field or than
 * DHCP_PACKET_MAX; a count exceeds DHCP_REPLY_ADDRS_MAX; or the options do
 * not fit.  Never writes beyond buf[cap - 1]; on failure the contents of buf
 * are unspecified. */
size_t dhcp_build_reply(uint8_t *buf, size_t cap, const struct dhcp_msg *request,
			const struct dhcp_reply *reply, const char **why);

#endif
