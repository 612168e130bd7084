/* test_dhcp.c — unit tests of the DHCP wire codec.
 *
 * Requests are written out byte by byte as the firmware and clients in
 * question send them (PXE BIOS ROM, UEFI, iPXE, a relay, a REQUEST, an
 * INFORM); replies are checked byte for byte where the layout matters and
 * read back with a small independent option walker as well as dhcp_parse().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dhcpd/dhcp.h"

#define UNUSED __attribute__((unused)) /* cmocka's state, not used here */

/* ---- packets ------------------------------------------------------------ */

struct pkt {
	uint8_t b[DHCP_PACKET_MAX + 64];
	size_t len;
};

static struct pkt pk;
static struct dhcp_msg msg, back; /* a request and a reply read back */
static uint8_t out[DHCP_PACKET_MAX + 64];

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t uuid[16] = {
	0x8d, 0x3e, 0x1a, 0x56, 0x44, 0x2b, 0x4c, 0x11,
	0x9a, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
};

/* Fixed header of a BOOTREQUEST from an Ethernet client, and the cookie. */
static void pkt_start(struct pkt *p, uint32_t xid)
{
	memset(p, 0, sizeof *p);
	p->b[0] = 1;
	p->b[1] = 1;
	p->b[2] = 6;
	p->b[4] = (uint8_t)(xid >> 24);
	p->b[5] = (uint8_t)(xid >> 16);
	p->b[6] = (uint8_t)(xid >> 8);
	p->b[7] = (uint8_t)xid;
	memcpy(p->b + 28, mac, 6);
	p->b[236] = 99;
	p->b[237] = 130;
	p->b[238] = 83;
	p->b[239] = 99;
	p->len = 240;
}

static void pkt_put(struct pkt *p, const void *bytes, size_t n)
{
	assert_true(n <= sizeof p->b - p->len);
	memcpy(p->b + p->len, bytes, n);
	p->len += n;
}

#define PUT(p, ...) do { \
	static const uint8_t bytes_[] = { __VA_ARGS__ }; \
	pkt_put(p, bytes_, sizeof bytes_); \
} while (0)

static void pkt_put_str(struct pkt *p, const char *s)
{
	pkt_put(p, s, strlen(s));
}

static void pkt_pad_to(struct pkt *p, size_t len)
{
	assert_true(len >= p->len && len <= sizeof p->b);
	memset(p->b + p->len, 0, len - p->len);
	p->len = len;
}

static void parse_ok(const struct pkt *p, struct dhcp_msg *m)
{
	const char *why = NULL;
	int rc = dhcp_parse(p->b, p->len, m, &why);

	if (rc != 0)
		fail_msg("parse failed: %s", why);
}

static void parse_fails(const struct pkt *p, const char *reason)
{
	const char *why = NULL;

	assert_int_equal(dhcp_parse(p->b, p->len, &msg, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void assert_option(const struct dhcp_msg *m, uint8_t code, const void *want, size_t n)
{
	const uint8_t *v;
	size_t len;

	if (!dhcp_get_option(m, code, &v, &len))
		fail_msg("option %u absent", code);
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(v, want, n);
}

static void assert_no_option(const struct dhcp_msg *m, uint8_t code)
{
	const uint8_t *v;
	size_t len;

	assert_false(dhcp_get_option(m, code, &v, &len));
}

#define assert_ip(addr, a, b, c, d) do { \
	const uint8_t want_[4] = { a, b, c, d }; \
	assert_memory_equal(&(addr).s_addr, want_, 4); \
} while (0)

static struct in_addr ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct in_addr x;
	const uint8_t q[4] = { a, b, c, d };

	memcpy(&x.s_addr, q, 4);
	return x;
}

/* ---- real requests -------------------------------------------------------- */

/* A PXE 2.1 BIOS option ROM (Intel UNDI 2.1), broadcast, 548 bytes. */
static void pxe_bios_discover(struct pkt *p)
{
	pkt_start(p, 0x8a6f1c02);
	p->b[8] = 0x00;
	p->b[9] = 0x04;             /* secs 4 */
	p->b[10] = 0x80;            /* broadcast */
	PUT(p, 53, 1, DHCPDISCOVER);
	PUT(p, 57, 2, 0x04, 0xec);  /* 1260 */
	PUT(p, 93, 2, 0x00, 0x00);  /* x86 BIOS */
	PUT(p, 94, 3, 1, 2, 1);     /* UNDI 2.1 */
	PUT(p, 97, 17, 0);
	pkt_put(p, uuid, 16);
	PUT(p, 60, 32);
	pkt_put_str(p, "PXEClient:Arch:00000:UNDI:002001");
	PUT(p, 55, 24, 1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 67,
	    128, 129, 130, 131, 132, 133, 134, 135);
	PUT(p, 255);
	pkt_pad_to(p, 548);
}

/* OVMF x64 UEFI PXE. */
static void uefi_discover(struct pkt *p)
{
	pkt_start(p, 0x5e1d0a77);
	PUT(p, 53, 1, DHCPDISCOVER);
	PUT(p, 57, 2, 0x05, 0xc0);  /* 1472 */
	PUT(p, 55, 35, 1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41,
	    42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, 128, 129, 130, 131, 132,
	    133, 134, 135);
	PUT(p, 97, 17, 0);
	pkt_put(p, uuid, 16);
	PUT(p, 94, 3, 1, 3, 0);     /* UNDI 3.0 */
	PUT(p, 93, 2, 0x00, 0x07);  /* x64 UEFI */
	PUT(p, 60, 32);
	pkt_put_str(p, "PXEClient:Arch:00007:UNDI:003000");
	PUT(p, 255);
}

/* iPXE (undionly.kpxe) chained from the BIOS ROM. */
static void ipxe_discover(struct pkt *p)
{
	pkt_start(p, 0x3c9b4d10);
	PUT(p, 53, 1, DHCPDISCOVER);
	PUT(p, 57, 2, 0x05, 0xdc);  /* 1500 */
	PUT(p, 93, 2, 0x00, 0x00);
	PUT(p, 94, 3, 1, 2, 1);
	PUT(p, 60, 32);
	pkt_put_str(p, "PXEClient:Arch:00000:UNDI:002001");
	PUT(p, 77, 4, 'i', 'P', 'X', 'E');
	PUT(p, 55, 23, 1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129,
	    130, 131, 132, 133, 134, 135, 175, 203);
	PUT(p, 175, 15,
	    0xb1, 5, 1, 0x80, 0x86, 0x10, 0x0e, /* bus id */
	    0xeb, 3, 1, 0, 0,                  /* version */
	    0x17, 1, 1);                        /* HTTP supported */
	PUT(p, 61, 7, 1);
	pkt_put(p, mac, 6);
	PUT(p, 255);
}

static const uint8_t relay_info[] = {
	1, 6, 'g', 'e', '-', '0', '/', '7',       /* circuit id */
	2, 6, 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, /* remote id */
};

/* A DISCOVER forwarded by a relay on 10.33.2.1 that added option 82. */
static void relayed_discover(struct pkt *p)
{
	pkt_start(p, 0x11223344);
	p->b[3] = 1;                              /* hops */
	memcpy(p->b + 24, (uint8_t[]){ 10, 33, 2, 1 }, 4);
	PUT(p, 53, 1, DHCPDISCOVER);
	PUT(p, 61, 7, 1);
	pkt_put(p, mac, 6);
	PUT(p, 55, 4, 1, 3, 6, 15);
	PUT(p, 82, sizeof relay_info);
	pkt_put(p, relay_info, sizeof relay_info);
	PUT(p, 255);
}

/* REQUEST in SELECTING state (RFC 2131 §4.3.2). */
static void selecting_request(struct pkt *p)
{
	pkt_start(p, 0x0badcafe);
	PUT(p, 53, 1, DHCPREQUEST);
	PUT(p, 61, 7, 1);
	pkt_put(p, mac, 6);
	PUT(p, 50, 4, 10, 33, 1, 150);
	PUT(p, 54, 4, 10, 33, 1, 1);
	PUT(p, 57, 2, 0x05, 0xdc);
	PUT(p, 51, 4, 0x00, 0x00, 0x0e, 0x10);
	PUT(p, 12, 5, 'w', 'e', 'b', '0', '1');
	PUT(p, 55, 7, 1, 3, 6, 12, 15, 28, 42);
	PUT(p, 255);
}

/* INFORM from a client configured with 10.33.1.165 (RFC 2131 §4.3.5). */
static void inform(struct pkt *p)
{
	pkt_start(p, 0x7e57ab1e);
	memcpy(p->b + 12, (uint8_t[]){ 10, 33, 1, 165 }, 4);
	PUT(p, 53, 1, DHCPINFORM);
	PUT(p, 61, 7, 1);
	pkt_put(p, mac, 6);
	PUT(p, 55, 4, 1, 3, 6, 15);
	PUT(p, 255);
}

/* ---- parsing real requests ----------------------------------------------- */

static void test_parse_pxe_bios_discover(void **state UNUSED)
{
	static const uint8_t prl[] = { 1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54,
				       60, 67, 128, 129, 130, 131, 132, 133, 134, 135 };
	static const uint8_t zero16[16];
	const uint8_t *id;
	char s[64];

	pxe_bios_discover(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.op, DHCP_BOOTREQUEST);
	assert_int_equal(msg.htype, 1);
	assert_int_equal(msg.hlen, 6);
	assert_int_equal(msg.hops, 0);
	assert_int_equal(msg.xid, 0x8a6f1c02);
	assert_int_equal(msg.secs, 4);
	assert_int_equal(msg.flags, 0x8000);
	assert_ip(msg.ciaddr, 0, 0, 0, 0);
	assert_ip(msg.yiaddr, 0, 0, 0, 0);
	assert_ip(msg.siaddr, 0, 0, 0, 0);
	assert_ip(msg.giaddr, 0, 0, 0, 0);
	assert_memory_equal(msg.chaddr, mac, 6);
	assert_memory_equal(msg.chaddr + 6, zero16, 10);
	assert_true(msg.ethernet);
	assert_int_equal(msg.overload, 0);
	assert_int_equal(msg.type, DHCPDISCOVER);
	assert_false(msg.has_requested_addr);
	assert_false(msg.has_server_id);
	assert_false(msg.has_lease_time);
	assert_int_equal(msg.max_msg_size, 1260);
	assert_true(msg.has_arch);
	assert_int_equal(msg.arch, 0);
	assert_true(msg.has_ndi);
	assert_int_equal(msg.ndi_major, 2);
	assert_int_equal(msg.ndi_minor, 1);
	assert_true(msg.has_uuid);
	assert_memory_equal(msg.uuid, uuid, 16);
	assert_option(&msg, DHCP_OPT_PARAM_REQUEST_LIST, prl, sizeof prl);
	assert_option(&msg, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001", 32);
	assert_true(dhcp_is_pxe_client(&msg));
	assert_false(dhcp_is_http_client(&msg));
	assert_false(dhcp_user_class_is(&msg, "iPXE"));
	assert_false(dhcp_has_ipxe_options(&msg));
	assert_no_option(&msg, DHCP_OPT_CLIENT_ID);
	assert_no_option(&msg, DHCP_OPT_RELAY_AGENT);
	assert_no_option(&msg, DHCP_OPT_HOSTNAME);
	/* no option 61: identity is htype + MAC */
	assert_int_equal(dhcp_client_identity(&msg, &id), 7);
	assert_memory_equal(id, "\x01\x52\x54\x00\x12\x34\x56", 7);
	assert_string_equal(dhcp_format_hwaddr(s, sizeof s, &msg), "52:54:00:12:34:56");
	assert_string_equal(dhcp_format_client_id(s, sizeof s, &msg), "01:52:54:00:12:34:56");
}

static void test_parse_uefi_discover(void **state UNUSED)
{
	pkt_start(&pk, 0);
	uefi_discover(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.xid, 0x5e1d0a77);
	assert_int_equal(msg.flags, 0);
	assert_int_equal(msg.type, DHCPDISCOVER);
	assert_int_equal(msg.max_msg_size, 1472);
	assert_true(msg.has_arch);
	assert_int_equal(msg.arch, 7);
	assert_true(msg.has_ndi);
	assert_int_equal(msg.ndi_major, 3);
	assert_int_equal(msg.ndi_minor, 0);
	assert_true(msg.has_uuid);
	assert_memory_equal(msg.uuid, uuid, 16);
	assert_true(dhcp_is_pxe_client(&msg));
	assert_false(dhcp_is_http_client(&msg));
	assert_false(dhcp_has_ipxe_options(&msg));
	assert_int_equal(msg.opt[DHCP_OPT_PARAM_REQUEST_LIST].len, 35);

	/* UEFI HTTP boot: "HTTPClient", arch 16 (x64 UEFI HTTP) */
	pkt_start(&pk, 0x5e1d0a78);
	PUT(&pk, 53, 1, DHCPDISCOVER);
	PUT(&pk, 93, 2, 0x00, 0x10);
	PUT(&pk, 60, 33);
	pkt_put_str(&pk, "HTTPClient:Arch:00016:UNDI:003001");
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.arch, 16);
	assert_true(dhcp_is_http_client(&msg));
	assert_false(dhcp_is_pxe_client(&msg));
	assert_int_equal(msg.max_msg_size, DHCP_MAX_MSG_DEFAULT);
	assert_false(msg.has_ndi);
	assert_false(msg.has_uuid);
}

static void test_parse_ipxe_discover(void **state UNUSED)
{
	static const uint8_t encap[] = { 0xb1, 5, 1, 0x80, 0x86, 0x10, 0x0e, 0xeb, 3, 1, 0, 0,
					 0x17, 1, 1 };
	const uint8_t *id;
	char s[64];

	ipxe_discover(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.xid, 0x3c9b4d10);
	assert_int_equal(msg.max_msg_size, 1500);
	assert_int_equal(msg.arch, 0);
	assert_true(dhcp_is_pxe_client(&msg));
	assert_true(dhcp_user_class_is(&msg, "iPXE"));
	assert_false(dhcp_user_class_is(&msg, "ipxe"));
	assert_false(dhcp_user_class_is(&msg, "iPX"));
	assert_true(dhcp_has_ipxe_options(&msg));
	assert_option(&msg, DHCP_OPT_IPXE_ENCAP, encap, sizeof encap);
	assert_option(&msg, DHCP_OPT_USER_CLASS, "iPXE", 4);
	assert_false(msg.has_uuid);
	assert_int_equal(dhcp_client_identity(&msg, &id), 7);
	assert_memory_equal(id, "\x01\x52\x54\x00\x12\x34\x56", 7);
	assert_ptr_equal(id, msg.data + msg.opt[DHCP_OPT_CLIENT_ID].off); /* from 61 */
	assert_string_equal(dhcp_format_client_id(s, sizeof s, &msg), "01:52:54:00:12:34:56");
}

static void test_parse_relayed_discover(void **state UNUSED)
{
	relayed_discover(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.hops, 1);
	assert_ip(msg.giaddr, 10, 33, 2, 1);
	assert_option(&msg, DHCP_OPT_RELAY_AGENT, relay_info, sizeof relay_info);
	assert_option(&msg, DHCP_OPT_PARAM_REQUEST_LIST, "\x01\x03\x06\x0f", 4);
	assert_false(msg.has_arch);
	assert_false(dhcp_is_pxe_client(&msg));
}

static void test_parse_request(void **state UNUSED)
{
	selecting_request(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.type, DHCPREQUEST);
	assert_int_equal(msg.xid, 0x0badcafe);
	assert_true(msg.has_requested_addr);
	assert_ip(msg.requested_addr, 10, 33, 1, 150);
	assert_true(msg.has_server_id);
	assert_ip(msg.server_id, 10, 33, 1, 1);
	assert_true(msg.has_lease_time);
	assert_int_equal(msg.lease_time, 3600);
	assert_int_equal(msg.max_msg_size, 1500);
	assert_option(&msg, DHCP_OPT_HOSTNAME, "web01", 5);
	assert_option(&msg, DHCP_OPT_PARAM_REQUEST_LIST, "\x01\x03\x06\x0c\x0f\x1c\x2a", 7);
	assert_false(msg.has_arch);
	assert_ip(msg.ciaddr, 0, 0, 0, 0);
}

static void test_parse_inform(void **state UNUSED)
{
	inform(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.type, DHCPINFORM);
	assert_ip(msg.ciaddr, 10, 33, 1, 165);
	assert_false(msg.has_requested_addr);
	assert_false(msg.has_server_id);
	assert_int_equal(msg.max_msg_size, DHCP_MAX_MSG_DEFAULT);
}

/* ---- parsing: framing ------------------------------------------------------ */

static void test_parse_truncated(void **state UNUSED)
{
	static const size_t lens[] = { 0, 1, 100, 235, 236, 239 };

	pxe_bios_discover(&pk);
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		pk.len = lens[i];
		parse_fails(&pk, "shorter than the fixed header and magic cookie");
	}
	/* header and cookie only: plain BOOTP */
	pk.len = 240;
	parse_fails(&pk, "no message type (BOOTP)");
	/* a BOOTP request with vendor extensions but no 53 */
	pkt_start(&pk, 1);
	PUT(&pk, 1, 4, 255, 255, 255, 0, 255);
	pkt_pad_to(&pk, 300);
	parse_fails(&pk, "no message type (BOOTP)");
	/* too long */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 255);
	pkt_pad_to(&pk, DHCP_PACKET_MAX);
	parse_ok(&pk, &msg);
	pk.len = DHCP_PACKET_MAX + 1;
	parse_fails(&pk, "packet too long");
}

static void test_parse_bad_header(void **state UNUSED)
{
	pxe_bios_discover(&pk);
	pk.b[239] = 98;
	parse_fails(&pk, "bad magic cookie");
	pk.b[239] = 99;
	pk.b[236] = 0;
	parse_fails(&pk, "bad magic cookie");

	pxe_bios_discover(&pk);
	pk.b[0] = 3;
	parse_fails(&pk, "bad op");
	pk.b[0] = 0;
	parse_fails(&pk, "bad op");
	pk.b[0] = DHCP_BOOTREPLY;
	parse_ok(&pk, &msg);
	assert_int_equal(msg.op, DHCP_BOOTREPLY);
}

static void test_parse_hardware_types(void **state UNUSED)
{
	const uint8_t *id;
	char s[DHCP_HWADDR_STR_MAX];

	pxe_bios_discover(&pk);
	pk.b[2] = 17;
	parse_fails(&pk, "hardware address longer than 16 bytes");
	pk.b[2] = 255;
	parse_fails(&pk, "hardware address longer than 16 bytes");

	/* 16 bytes: parseable, not Ethernet */
	pk.b[2] = 16;
	memset(pk.b + 28, 0xab, 16);
	parse_ok(&pk, &msg);
	assert_false(msg.ethernet);
	assert_int_equal(dhcp_client_identity(&msg, &id), 17);
	assert_int_equal(id[0], 1);
	assert_int_equal(id[16], 0xab);
	assert_string_equal(dhcp_format_hwaddr(s, sizeof s, &msg),
			    "ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab");

	/* IEEE 802 (htype 6) with a 6-byte address: not Ethernet either */
	pxe_bios_discover(&pk);
	pk.b[1] = 6;
	parse_ok(&pk, &msg);
	assert_false(msg.ethernet);
	assert_int_equal(dhcp_client_identity(&msg, &id), 7);
	assert_memory_equal(id, "\x06\x52\x54\x00\x12\x34\x56", 7);

	/* no hardware address at all */
	pxe_bios_discover(&pk);
	pk.b[1] = 0;
	pk.b[2] = 0;
	parse_ok(&pk, &msg);
	assert_false(msg.ethernet);
	assert_int_equal(dhcp_client_identity(&msg, &id), 1);
	assert_int_equal(id[0], 0);
	assert_string_equal(dhcp_format_hwaddr(s, sizeof s, &msg), "-");
}

static void test_parse_option_framing(void **state UNUSED)
{
	/* the value runs past the end of the packet */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 61, 7, 1, 0x52, 0x54);
	parse_fails(&pk, "option runs past the end of its field");

	/* a code in the last byte without its length */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 12);
	parse_fails(&pk, "option length missing");

	/* one byte short of the end for 53 itself */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 2, 1);
	parse_fails(&pk, "option runs past the end of its field");

	/* no end option, the last option ends exactly at the end: accepted */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 3, 61, 7, 1);
	pkt_put(&pk, mac, 6);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.type, DHCPREQUEST);
	assert_option(&msg, DHCP_OPT_CLIENT_ID, "\x01\x52\x54\x00\x12\x34\x56", 7);
}

static void test_parse_pad_and_end(void **state UNUSED)
{
	/* runs of pad before, between and after options; junk after the end */
	pkt_start(&pk, 1);
	PUT(&pk, 0, 0, 0, 53, 1, 1, 0, 0, 0, 0, 12, 3, 'a', 'b', 'c', 0, 255,
	    60, 80, 'x', 53, 9, 0xee);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.type, DHCPDISCOVER);
	assert_option(&msg, DHCP_OPT_HOSTNAME, "abc", 3);
	assert_no_option(&msg, DHCP_OPT_VENDOR_CLASS);

	/* only pad after the cookie */
	pkt_start(&pk, 1);
	pkt_pad_to(&pk, 600);
	parse_fails(&pk, "no message type (BOOTP)");

	/* pad, end and the accessor's refusal of codes 0 and 255 */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 0, 255);
	parse_ok(&pk, &msg);
	assert_no_option(&msg, DHCP_OPT_PAD);
	assert_no_option(&msg, DHCP_OPT_END);
}

static void test_parse_zero_length_options(void **state UNUSED)
{
	const uint8_t *v;
	size_t len = 99;

	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 60, 0, 77, 0, 175, 0, 55, 0, 82, 0, 12, 0, 43, 0, 255);
	parse_ok(&pk, &msg);
	assert_true(dhcp_get_option(&msg, DHCP_OPT_VENDOR_CLASS, &v, &len));
	assert_int_equal(len, 0);
	assert_false(dhcp_is_pxe_client(&msg));
	assert_false(dhcp_is_http_client(&msg));
	assert_false(dhcp_user_class_is(&msg, "iPXE"));
	assert_true(dhcp_has_ipxe_options(&msg));     /* present is present */
	assert_option(&msg, DHCP_OPT_PARAM_REQUEST_LIST, "", 0);
	assert_option(&msg, DHCP_OPT_RELAY_AGENT, "", 0);
	assert_option(&msg, DHCP_OPT_HOSTNAME, "", 0);
	assert_option(&msg, DHCP_OPT_VENDOR_OPTS, "", 0);
}

/* ---- parsing: typed options ---------------------------------------------- */

struct typed_case {
	const uint8_t *opts;
	size_t len;
	const char *why; /* NULL: parses */
};

#define CASE(why, ...) { (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), why }

static void test_parse_typed_malformed(void **state UNUSED)
{
	const struct typed_case cases[] = {
		CASE("malformed message type", 53, 2, 1, 1, 255),
		CASE("malformed message type", 53, 0, 255),
		CASE("malformed message type", 53, 1, 1, 53, 1, 1, 255), /* concatenated: 2 bytes */
		CASE("unknown message type", 53, 1, 0, 255),
		CASE("unknown message type", 53, 1, 9, 255),
		CASE("unknown message type", 53, 1, 255, 255),
		CASE("malformed requested address", 53, 1, 3, 50, 3, 10, 33, 1, 255),
		CASE("malformed requested address", 53, 1, 3, 50, 0, 255),
		CASE("malformed server identifier", 53, 1, 3, 54, 5, 10, 33, 1, 1, 0, 255),
		CASE("malformed client identifier", 53, 1, 1, 61, 1, 1, 255),
		CASE("malformed client identifier", 53, 1, 1, 61, 0, 255),
		CASE("malformed client architecture", 53, 1, 1, 93, 3, 0, 0, 0, 255),
		CASE("malformed client architecture", 53, 1, 1, 93, 1, 0, 255),
		CASE("malformed client architecture", 53, 1, 1, 93, 0, 255),
		CASE("malformed option overload", 53, 1, 1, 52, 2, 1, 1, 255),
		CASE("malformed option overload", 53, 1, 1, 52, 1, 0, 255),
		CASE("malformed option overload", 53, 1, 1, 52, 1, 4, 255),
		CASE("malformed option overload", 53, 1, 1, 52, 1, 1, 52, 1, 1, 255),
		CASE(NULL, 53, 1, 1, 93, 4, 0, 9, 0, 7, 61, 2, 0, 'x', 255),
	};
	const char *why;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_start(&pk, 1);
		pkt_put(&pk, cases[i].opts, cases[i].len);
		why = NULL;
		if (cases[i].why) {
			assert_int_equal(dhcp_parse(pk.b, pk.len, &msg, &why), -1);
			assert_string_equal(why, cases[i].why);
		} else {
			parse_ok(&pk, &msg);
			assert_int_equal(msg.arch, 9); /* the first of the list */
		}
	}
}

static void test_parse_typed_lenient(void **state UNUSED)
{
	/* wrong lengths or types: these options count as absent */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 51, 3, 0, 0, 1, 57, 3, 0x05, 0xdc, 0, 94, 3, 2, 2, 1,
	    97, 17, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 255);
	parse_ok(&pk, &msg);
	assert_false(msg.has_lease_time);
	assert_int_equal(msg.max_msg_size, DHCP_MAX_MSG_DEFAULT);
	assert_false(msg.has_ndi);
	assert_false(msg.has_uuid);
	/* the raw bytes stay available */
	assert_option(&msg, DHCP_OPT_CLIENT_NDI, "\x02\x02\x01", 3);

	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 94, 2, 1, 2, 97, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	    13, 14, 15, 255);
	parse_ok(&pk, &msg);
	assert_false(msg.has_ndi);
	assert_false(msg.has_uuid);
}

static void test_parse_max_msg_size(void **state UNUSED)
{
	static const struct {
		uint16_t value;
		uint16_t want;
	} cases[] = {
		{ 0, 576 }, { 575, 576 }, { 576, 576 }, { 577, 577 }, { 1500, 1500 },
		{ 65535, 65535 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_start(&pk, 1);
		PUT(&pk, 53, 1, 1, 57, 2);
		pkt_put(&pk, (uint8_t[]){ (uint8_t)(cases[i].value >> 8), (uint8_t)cases[i].value }, 2);
		PUT(&pk, 255);
		parse_ok(&pk, &msg);
		assert_int_equal(msg.max_msg_size, cases[i].want);
	}
}

static void test_user_class_forms(void **state UNUSED)
{
	const struct typed_case cases[] = {
		CASE("yes", 53, 1, 1, 77, 4, 'i', 'P', 'X', 'E', 255),          /* plain, as iPXE */
		CASE("yes", 53, 1, 1, 77, 5, 4, 'i', 'P', 'X', 'E', 255),       /* RFC 3004 */
		CASE("yes", 53, 1, 1, 77, 9, 3, 'f', 'o', 'o', 4, 'i', 'P', 'X', 'E', 255),
		CASE("yes", 53, 1, 1, 77, 2, 4, 'i', 77, 3, 'P', 'X', 'E', 255), /* split (RFC 3396) */
		CASE(NULL, 53, 1, 1, 77, 5, 'i', 'P', 'X', 'E', '2', 255),
		CASE(NULL, 53, 1, 1, 77, 5, 'i', 'P', 'X', 'E', 0, 255),
		CASE(NULL, 53, 1, 1, 77, 6, 4, 'i', 'P', 'X', 'E', 0, 255),     /* empty instance */
		CASE(NULL, 53, 1, 1, 77, 6, 5, 'i', 'P', 'X', 'E', 'x', 255),
		CASE(NULL, 53, 1, 1, 77, 5, 4, 'i', 'p', 'x', 'e', 255),
		CASE(NULL, 53, 1, 1, 77, 5, 9, 'i', 'P', 'X', 'E', 255),        /* overlong instance */
		CASE(NULL, 53, 1, 1, 77, 6, 4, 'i', 'P', 'X', 'E', 9, 255),     /* trailing garbage */
		CASE(NULL, 53, 1, 1, 255),
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_start(&pk, 1);
		pkt_put(&pk, cases[i].opts, cases[i].len);
		parse_ok(&pk, &msg);
		if (dhcp_user_class_is(&msg, "iPXE") != (cases[i].why != NULL))
			fail_msg("user class case %zu", i);
	}
}

static void test_vendor_class_helpers(void **state UNUSED)
{
	static const struct {
		const char *value;
		bool pxe, http;
	} cases[] = {
		{ "PXEClient", true, false },
		{ "PXEClient:Arch:00009:UNDI:003016", true, false },
		{ "HTTPClient:Arch:00016:UNDI:003001", false, true },
		{ "HTTPClient", false, true },
		{ "PXEClien", false, false },
		{ "pxeclient:Arch:00000", false, false },
		{ "MSFT 5.0", false, false },
		{ "HTTPClien", false, false },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pkt_start(&pk, 1);
		PUT(&pk, 53, 1, 1, 60);
		pkt_put(&pk, (uint8_t[]){ (uint8_t)strlen(cases[i].value) }, 1);
		pkt_put_str(&pk, cases[i].value);
		PUT(&pk, 255);
		parse_ok(&pk, &msg);
		assert_int_equal(dhcp_is_pxe_client(&msg), cases[i].pxe);
		assert_int_equal(dhcp_is_http_client(&msg), cases[i].http);
	}
}

/* ---- parsing: overload and long options --------------------------------- */

static void test_parse_overload_file(void **state UNUSED)
{
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 52, 1, 1, 255);
	/* file: options, including an overload option that must be ignored */
	memcpy(pk.b + 108, (uint8_t[]){ 52, 1, 3, 12, 4, 'n', 'o', 'd', 'e', 255 }, 10);
	/* sname: something that would not parse as options */
	memcpy(pk.b + 44, (uint8_t[]){ 60, 200, 'x' }, 3);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.overload, DHCP_OVERLOAD_FILE);
	assert_option(&msg, DHCP_OPT_HOSTNAME, "node", 4);
	assert_option(&msg, DHCP_OPT_OVERLOAD, "\x01", 1); /* the one in the options field */
	assert_no_option(&msg, DHCP_OPT_VENDOR_CLASS);
	assert_memory_equal(msg.file, "\x34\x01\x03\x0c\x04", 5); /* raw field kept */

	/* a broken option inside file fails the parse */
	pk.b[108 + 3] = 12;
	pk.b[108 + 4] = 200;
	parse_fails(&pk, "option runs past the end of its field");

	/* without option 52 the same file is a file name, not options */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 255);
	memcpy(pk.b + 108, (uint8_t[]){ 12, 4, 'n', 'o', 'd', 'e', 255 }, 7);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.overload, 0);
	assert_no_option(&msg, DHCP_OPT_HOSTNAME);
}

static void test_parse_overload_sname_and_both(void **state UNUSED)
{
	/* 2: sname only; file holds junk that is not parsed */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 52, 1, 2, 255);
	memcpy(pk.b + 44, (uint8_t[]){ 0, 0, 66, 3, 't', 'f', 'p' }, 7); /* no end: field ends in pad */
	memcpy(pk.b + 108, (uint8_t[]){ 67, 250 }, 2);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.overload, DHCP_OVERLOAD_SNAME);
	assert_option(&msg, DHCP_OPT_TFTP_SERVER, "tfp", 3);
	assert_no_option(&msg, DHCP_OPT_BOOTFILE);

	/* 3: both, file read before sname */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 52, 1, 3, 255);
	memcpy(pk.b + 108, (uint8_t[]){ 67, 3, 'a', '.', 'b', 255 }, 6);
	memcpy(pk.b + 44, (uint8_t[]){ 66, 2, 'h', 'x', 67, 2, '.', 'c', 255 }, 9);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.overload, DHCP_OVERLOAD_BOTH);
	assert_option(&msg, DHCP_OPT_BOOTFILE, "a.b.c", 5);
	assert_option(&msg, DHCP_OPT_TFTP_SERVER, "hx", 2);

	/* an option filling sname to its last byte, without an end option */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 52, 1, 2, 255);
	pk.b[44] = 12;
	pk.b[45] = 62;
	memset(pk.b + 46, 'h', 62);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.opt[DHCP_OPT_HOSTNAME].len, 62);

	/* one byte longer: runs past the end of sname */
	pk.b[45] = 63;
	parse_fails(&pk, "option runs past the end of its field");
}

static void test_parse_long_options_concatenated(void **state UNUSED)
{
	static const char want[] = "PXEClient:Arch:00000:UNDI:002001";
	uint8_t big[600];

	/* 60 in four pieces: options field (twice, around other options and an
	 * empty piece), file, sname */
	pkt_start(&pk, 1);
	PUT(&pk, 60, 5, 'P', 'X', 'E', 'C', 'l', 53, 1, 1, 60, 0, 12, 1, 'h',
	    60, 4, 'i', 'e', 'n', 't', 52, 1, 3, 255);
	memcpy(pk.b + 108, (uint8_t[]){ 60, 11, ':', 'A', 'r', 'c', 'h', ':', '0', '0', '0', '0',
					 '0', 255 }, 14);
	memcpy(pk.b + 44, (uint8_t[]){ 0, 60, 12, ':', 'U', 'N', 'D', 'I', ':', '0', '0', '2', '0',
					'0', '1' }, 15);
	parse_ok(&pk, &msg);
	assert_option(&msg, DHCP_OPT_VENDOR_CLASS, want, strlen(want));
	assert_option(&msg, DHCP_OPT_HOSTNAME, "h", 1);
	assert_true(dhcp_is_pxe_client(&msg));

	/* a 600-byte option 43 in three instances, 82 after it */
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 5);
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 43, 255);
	pkt_put(&pk, big, 255);
	PUT(&pk, 43, 255);
	pkt_put(&pk, big + 255, 255);
	PUT(&pk, 82, 2, 1, 0, 43, 90);
	pkt_put(&pk, big + 510, 90);
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	assert_option(&msg, DHCP_OPT_VENDOR_OPTS, big, sizeof big);
	assert_option(&msg, DHCP_OPT_RELAY_AGENT, "\x01\x00", 2);

	/* a split 53 is two bytes once concatenated: malformed */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 52, 1, 1, 255);
	memcpy(pk.b + 108, (uint8_t[]){ 53, 1, 1, 255 }, 4);
	parse_fails(&pk, "malformed message type");
}

/* ---- replies: an independent reader ---------------------------------------- */

struct seen {
	uint8_t code;
	size_t off; /* of the code byte in the packet */
	uint8_t len;
};

/* The instances in one option field, in order, through the end option;
 * returns their count and checks the framing. */
static size_t walk(const uint8_t *p, size_t start, size_t end, struct seen *s, size_t max)
{
	size_t i = start, n = 0;

	while (i < end && p[i] != 255) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		assert_true(i + 1 < end && i + 2 + p[i + 1] <= end);
		assert_true(n < max);
		s[n++] = (struct seen){ p[i], i, p[i + 1] };
		i += 2 + (size_t)p[i + 1];
	}
	assert_true(i < end); /* the builder always writes an end option */
	return n;
}

static size_t walk_options(const uint8_t *p, size_t len, struct seen *s, size_t max)
{
	return walk(p, 240, len, s, max);
}

/* A proxyDHCP-style OFFER with boot information for the BIOS ROM. */
static struct dhcp_reply bios_offer(void)
{
	return (struct dhcp_reply){
		.type = DHCPOFFER,
		.yiaddr = ip(10, 33, 1, 150),
		.siaddr = ip(10, 33, 1, 1),
		.server_id = ip(10, 33, 1, 1),
		.file = "undionly.kpxe",
		.lease_time = 3600,
		.renewal_time = 1800,
		.rebinding_time = 3150,
		.subnet_mask = ip(255, 255, 0, 0),
		.router = { ip(10, 33, 1, 254) },
		.n_router = 1,
		.dns = { ip(10, 33, 1, 1) },
		.n_dns = 1,
		.domain_name = "lab.example",
		.tftp_server = "10.33.1.1",
		.bootfile = "undionly.kpxe",
		.vendor_class = "PXEClient",
		.echo_uuid = true,
	};
}

static size_t build_ok(const struct dhcp_msg *req, const struct dhcp_reply *r, size_t cap)
{
	const char *why = NULL;
	size_t len = dhcp_build_reply(out, cap, req, r, &why);

	if (len == 0)
		fail_msg("build failed: %s", why);
	assert_true(len <= cap);
	return len;
}

static void reparse(size_t len)
{
	const char *why = NULL;

	if (dhcp_parse(out, len, &back, &why) != 0)
		fail_msg("reply does not parse: %s", why);
}

static void build_fails(const struct dhcp_msg *req, const struct dhcp_reply *r, size_t cap,
			const char *reason)
{
	const char *why = NULL;

	assert_int_equal(dhcp_build_reply(out, cap, req, r, &why), 0);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

/* ---- building -------------------------------------------------------------- */

static void test_build_offer_exact(void **state UNUSED)
{
	static const uint8_t want_opts[] = {
		53, 1, 2,
		1, 4, 255, 255, 0, 0,                      /* asked for, in PRL order */
		3, 4, 10, 33, 1, 254,
		6, 4, 10, 33, 1, 1,
		15, 11, 'l', 'a', 'b', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		54, 4, 10, 33, 1, 1,
		60, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't',
		67, 13, 'u', 'n', 'd', 'i', 'o', 'n', 'l', 'y', '.', 'k', 'p', 'x', 'e',
		51, 4, 0, 0, 0x0e, 0x10,                   /* then the others */
		58, 4, 0, 0, 0x07, 0x08,
		59, 4, 0, 0, 0x0c, 0x4e,
		66, 9, '1', '0', '.', '3', '3', '.', '1', '.', '1',
		97, 17, 0, 0x8d, 0x3e, 0x1a, 0x56, 0x44, 0x2b, 0x4c, 0x11,
		0x9a, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		255,
	};
	static const uint8_t want_head[] = {
		2, 1, 6, 0, 0x8a, 0x6f, 0x1c, 0x02, 0, 0, 0x80, 0,
		0, 0, 0, 0, 10, 33, 1, 150, 10, 33, 1, 1, 0, 0, 0, 0,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static const uint8_t zero[128];
	struct dhcp_reply r = bios_offer();
	size_t len;

	pxe_bios_discover(&pk);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	assert_int_equal(len, 240 + sizeof want_opts);
	assert_memory_equal(out, want_head, sizeof want_head);
	assert_memory_equal(out + 44, zero, 64);                   /* sname */
	assert_memory_equal(out + 108, "undionly.kpxe", 13);       /* file */
	assert_memory_equal(out + 121, zero, 128 - 13);
	assert_memory_equal(out + 236, "\x63\x82\x53\x63", 4);
	assert_memory_equal(out + 240, want_opts, sizeof want_opts);
}

static void test_build_pads_to_bootp_minimum(void **state UNUSED)
{
	static const uint8_t want_opts[] = {
		53, 1, 6, 54, 4, 10, 33, 1, 1, 56, 12, 'w', 'r', 'o', 'n', 'g', ' ', 's', 'u', 'b', 'n', 'e', 't',
		61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 255,
	};
	static const uint8_t zero[300];
	struct dhcp_reply nak = {
		.type = DHCPNAK, .server_id = ip(10, 33, 1, 1), .message = "wrong subnet",
	};
	size_t len;

	selecting_request(&pk);
	pk.b[12] = 10; /* a renewing client's ciaddr: not copied into a NAK */
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &nak, sizeof out);
	assert_int_equal(len, DHCP_BOOTP_MIN_LEN);
	assert_memory_equal(out + 12, zero, 16);                  /* ciaddr yiaddr siaddr giaddr */
	assert_memory_equal(out + 44, zero, 192);                 /* sname, file */
	assert_memory_equal(out + 240, want_opts, sizeof want_opts);
	assert_memory_equal(out + 240 + sizeof want_opts, zero, 300 - 240 - sizeof want_opts);

	/* exactly 300 bytes of room is enough */
	memset(out, 0xee, sizeof out);
	assert_int_equal(build_ok(&msg, &nak, 300), 300);
	assert_int_equal(out[300], 0xee);
}

static void test_build_prl_order(void **state UNUSED)
{
	static const uint8_t want[] = { 53, 43, 67, 66, 6, 3, 1, 54, 51, 60, 61, 255 };
	static const uint8_t vendor[] = { 6, 1, 8, 10, 4, 0, 'P', 'X', 'E', 255 };
	struct dhcp_reply r = {
		.type = DHCPOFFER, .yiaddr = ip(10, 33, 1, 151), .server_id = ip(10, 33, 1, 1),
		.lease_time = 600, .subnet_mask = ip(255, 255, 255, 0),
		.router = { ip(10, 33, 1, 254) }, .n_router = 1,
		.dns = { ip(10, 33, 1, 1), ip(10, 33, 1, 2) }, .n_dns = 2,
		.tftp_server = "boot", .bootfile = "x.efi", .vendor_class = "PXEClient",
		.vendor_opts = vendor, .vendor_opts_len = sizeof vendor,
	};
	struct seen s[32];
	size_t len, n;

	/* asked: 43 67 66 6 3 1, with a duplicate, 53/82/0/255 and codes not sent */
	pkt_start(&pk, 9);
	PUT(&pk, 53, 1, 1, 61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	    55, 12, 43, 67, 66, 6, 53, 3, 1, 67, 82, 0, 255, 121, 255);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	n = walk_options(out, len, s, 32);
	assert_int_equal(n, sizeof want - 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i].code, want[i]);
	assert_memory_equal(out + s[1].off, "\x2b\x0a", 2);
	assert_memory_equal(out + s[1].off + 2, vendor, sizeof vendor);
	assert_memory_equal(out + s[4].off, "\x06\x08\x0a\x21\x01\x01\x0a\x21\x01\x02", 10);
	assert_int_equal(out[s[n - 1].off + 2 + s[n - 1].len], 255);
}

/* Without option 55 every option goes out in the documented default order. */
static void test_build_default_order(void **state UNUSED)
{
	static const uint8_t want[] = { 53, 54, 51, 58, 59, 1, 3, 6, 15, 12, 66, 67, 60, 43,
					56, 61, 97, 82 };
	static const uint8_t vendor[] = { 71, 4, 0x80, 0, 0, 0, 255 };
	struct dhcp_reply r = bios_offer();
	struct seen s[32];
	size_t len, n;

	r.hostname = "node-1";
	r.vendor_opts = vendor;
	r.vendor_opts_len = sizeof vendor;
	r.message = "hello";
	pkt_start(&pk, 3);
	PUT(&pk, 53, 1, 1, 61, 2, 0, 'x', 57, 2, 0x05, 0xdc, 97, 17, 0);
	pkt_put(&pk, uuid, 16);
	PUT(&pk, 82, 4, 1, 2, 'p', '1', 255);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	n = walk_options(out, len, s, 32);
	assert_int_equal(n, sizeof want);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i].code, want[i]);
}

static void test_build_round_trip(void **state UNUSED)
{
	struct dhcp_reply r = bios_offer();
	const uint8_t *v;
	size_t len, n;

	ipxe_discover(&pk);
	parse_ok(&pk, &msg);
	r.type = DHCPACK;
	r.file = NULL;
	r.sname = "bootward";
	r.hostname = "node-17";
	r.bootfile = "https://10.33.1.1/boot/ipxe.ipxe";
	r.echo_uuid = true; /* the request had no valid 97: nothing to echo */
	len = build_ok(&msg, &r, sizeof out);
	{
		const char *why = NULL;
		assert_int_equal(dhcp_parse(out, len, &back, &why), 0);
	}
	assert_int_equal(back.op, DHCP_BOOTREPLY);
	assert_int_equal(back.type, DHCPACK);
	assert_int_equal(back.xid, msg.xid);
	assert_int_equal(back.htype, 1);
	assert_int_equal(back.hlen, 6);
	assert_memory_equal(back.chaddr, mac, 6);
	assert_ip(back.yiaddr, 10, 33, 1, 150);
	assert_ip(back.siaddr, 10, 33, 1, 1);
	assert_true(back.has_server_id);
	assert_ip(back.server_id, 10, 33, 1, 1);
	assert_true(back.has_lease_time);
	assert_int_equal(back.lease_time, 3600);
	assert_false(back.has_uuid);
	assert_int_equal(back.overload, 0);
	assert_string_equal((const char *)back.sname, "bootward");
	assert_int_equal(back.file[0], 0);
	assert_option(&back, DHCP_OPT_RENEWAL_TIME, "\x00\x00\x07\x08", 4);
	assert_option(&back, DHCP_OPT_REBINDING_TIME, "\x00\x00\x0c\x4e", 4);
	assert_option(&back, DHCP_OPT_SUBNET_MASK, "\xff\xff\x00\x00", 4);
	assert_option(&back, DHCP_OPT_ROUTER, "\x0a\x21\x01\xfe", 4);
	assert_option(&back, DHCP_OPT_DNS, "\x0a\x21\x01\x01", 4);
	assert_option(&back, DHCP_OPT_DOMAIN_NAME, "lab.example", 11);
	assert_option(&back, DHCP_OPT_HOSTNAME, "node-17", 7);
	assert_option(&back, DHCP_OPT_TFTP_SERVER, "10.33.1.1", 9);
	assert_option(&back, DHCP_OPT_BOOTFILE, r.bootfile, strlen(r.bootfile));
	assert_option(&back, DHCP_OPT_VENDOR_CLASS, "PXEClient", 9);
	assert_option(&back, DHCP_OPT_CLIENT_ID, "\x01\x52\x54\x00\x12\x34\x56", 7); /* RFC 6842 */
	assert_no_option(&back, DHCP_OPT_CLIENT_UUID);
	assert_no_option(&back, DHCP_OPT_RELAY_AGENT);
	assert_no_option(&back, DHCP_OPT_VENDOR_OPTS);
	assert_no_option(&back, DHCP_OPT_MESSAGE);
	assert_no_option(&back, DHCP_OPT_USER_CLASS);
	/* the PRL put 1, 3, 6 first */
	assert_true(dhcp_get_option(&back, DHCP_OPT_SUBNET_MASK, &v, &n));
	assert_int_equal(out[243], DHCP_OPT_SUBNET_MASK);
}

static void test_build_header_per_type(void **state UNUSED)
{
	struct dhcp_reply ack = {
		.type = DHCPACK, .server_id = ip(10, 33, 1, 1), .subnet_mask = ip(255, 255, 0, 0),
	};
	size_t len;

	/* ACK to INFORM: ciaddr copied, no yiaddr, no lease time */
	inform(&pk);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &ack, sizeof out);
	assert_memory_equal(out + 12, "\x0a\x21\x01\xa5\x00\x00\x00\x00", 8);
	reparse(len);
	assert_false(back.has_lease_time);
	assert_int_equal(back.flags, 0);

	/* OFFER: ciaddr 0 even when the client put one in; flags and giaddr echoed */
	relayed_discover(&pk);
	memcpy(pk.b + 12, "\x0a\x21\x02\x09", 4);
	pk.b[10] = 0x80;
	parse_ok(&pk, &msg);
	ack.type = DHCPOFFER;
	ack.yiaddr = ip(10, 33, 2, 50);
	len = build_ok(&msg, &ack, sizeof out);
	assert_memory_equal(out + 10, "\x80\x00", 2);
	assert_memory_equal(out + 12, "\x00\x00\x00\x00\x0a\x21\x02\x32", 8);
	assert_memory_equal(out + 24, "\x0a\x21\x02\x01", 4);
	assert_int_equal(out[3], 0); /* hops */
	assert_true(len >= DHCP_BOOTP_MIN_LEN);
}

/* Option 82 comes back byte for byte as the last option of the options field. */
static void test_build_relay_info_echo(void **state UNUSED)
{
	struct dhcp_reply r = bios_offer();
	struct seen s[40];
	size_t len, n;
	uint8_t long82[300];

	relayed_discover(&pk);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	n = walk_options(out, len, s, 40);
	assert_int_equal(s[n - 1].code, 82);
	assert_int_equal(s[n - 1].len, sizeof relay_info);
	assert_memory_equal(out + s[n - 1].off + 2, relay_info, sizeof relay_info);
	assert_int_equal(out[s[n - 1].off + 2 + sizeof relay_info], 255);
	/* the same bytes as in the request, header included */
	assert_memory_equal(out + s[n - 1].off, pk.b + pk.len - 1 - 2 - sizeof relay_info,
			    2 + sizeof relay_info);

	/* a 300-byte 82 sent in two instances comes back in two instances */
	for (size_t i = 0; i < sizeof long82; i++)
		long82[i] = (uint8_t)(255 - i);
	pkt_start(&pk, 5);
	PUT(&pk, 53, 1, 1, 57, 2, 0x05, 0xdc, 82, 255);
	pkt_put(&pk, long82, 255);
	PUT(&pk, 82, 45);
	pkt_put(&pk, long82 + 255, 45);
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	n = walk_options(out, len, s, 40);
	assert_int_equal(s[n - 2].code, 82);
	assert_int_equal(s[n - 2].len, 255);
	assert_int_equal(s[n - 1].code, 82);
	assert_int_equal(s[n - 1].len, 45);
	assert_memory_equal(out + s[n - 2].off, pk.b + 247, 2 + 255 + 2 + 45);
	reparse(len);
	assert_option(&back, DHCP_OPT_RELAY_AGENT, long82, sizeof long82);
}

/* With the default 576-byte limit, a 300-byte option 43 overflows the
 * options field: it fills the field to the brim (RFC 3396 split) and
 * continues in file. */
static void test_build_overload_file(void **state UNUSED)
{
	uint8_t vendor[300];
	struct dhcp_reply r = {
		.type = DHCPOFFER, .server_id = ip(10, 33, 1, 1), .siaddr = ip(10, 33, 1, 1),
		.vendor_class = "PXEClient", .vendor_opts = vendor, .vendor_opts_len = sizeof vendor,
		.bootfile = "pxelinux.0",
	};
	struct seen s[16];
	size_t len, n;

	for (size_t i = 0; i < sizeof vendor; i++)
		vendor[i] = (uint8_t)(i ^ 0x5a);
	relayed_discover(&pk);
	parse_ok(&pk, &msg);
	assert_int_equal(msg.max_msg_size, 576);
	len = build_ok(&msg, &r, sizeof out);
	assert_int_equal(len, 576 - 28); /* the options field is full */

	/* options field: 53, 52, 54, 67, 60, 43 (252 bytes), 82, end */
	n = walk_options(out, len, s, 16);
	assert_int_equal(n, 7);
	assert_int_equal(s[0].code, 53);
	assert_int_equal(s[1].code, 52);
	assert_int_equal(out[s[1].off + 2], DHCP_OVERLOAD_FILE);
	assert_int_equal(s[2].code, 54);
	assert_int_equal(s[3].code, 67);
	assert_int_equal(s[4].code, 60);
	assert_int_equal(s[5].code, 43);
	assert_int_equal(s[5].len, 252);
	assert_memory_equal(out + s[5].off + 2, vendor, 252);
	assert_int_equal(s[6].code, 82);
	assert_memory_equal(out + s[6].off + 2, relay_info, sizeof relay_info);
	assert_int_equal(out[547], 255);
	/* file: the rest of 43, then 61, then end */
	n = walk(out, 108, 236, s, 16);
	assert_int_equal(n, 2);
	assert_int_equal(s[0].code, 43);
	assert_int_equal(s[0].off, 108);
	assert_int_equal(s[0].len, 48);
	assert_memory_equal(out + 110, vendor + 252, 48);
	assert_int_equal(s[1].code, 61);
	assert_int_equal(s[1].off, 158);
	assert_int_equal(out[167], 255);
	/* sname untouched */
	for (size_t i = 44; i < 108; i++)
		assert_int_equal(out[i], 0);

	reparse(len);
	assert_int_equal(back.overload, DHCP_OVERLOAD_FILE);
	assert_option(&back, DHCP_OPT_VENDOR_OPTS, vendor, sizeof vendor);
	assert_option(&back, DHCP_OPT_RELAY_AGENT, relay_info, sizeof relay_info);
	assert_option(&back, DHCP_OPT_CLIENT_ID, "\x01\x52\x54\x00\x12\x34\x56", 7);
	assert_option(&back, DHCP_OPT_BOOTFILE, "pxelinux.0", 10);

	/* a client that accepts 1500 bytes gets it all in the options field */
	relayed_discover(&pk);
	pk.len--;
	PUT(&pk, 57, 2, 0x05, 0xdc, 255);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	reparse(len);
	assert_int_equal(back.overload, 0);
	assert_no_option(&back, DHCP_OPT_OVERLOAD);
	assert_option(&back, DHCP_OPT_VENDOR_OPTS, vendor, sizeof vendor);
}

static void test_build_overload_sname_both_and_full(void **state UNUSED)
{
	uint8_t vendor[560];
	struct dhcp_reply r = {
		.type = DHCPOFFER, .server_id = ip(10, 33, 1, 1),
		.vendor_opts = vendor, .vendor_opts_len = 300, .file = "boot.img",
	};
	size_t len;

	for (size_t i = 0; i < sizeof vendor; i++)
		vendor[i] = (uint8_t)(i * 7);
	pxe_bios_discover(&pk);
	pk.b[245] = 0x02;           /* 57: 1260 -> 576 */
	pk.b[246] = 0x40;
	parse_ok(&pk, &msg);
	assert_int_equal(msg.max_msg_size, 576);

	/* file is taken by the boot file name: sname only */
	len = build_ok(&msg, &r, sizeof out);
	reparse(len);
	assert_int_equal(back.overload, DHCP_OVERLOAD_SNAME);
	assert_memory_equal(back.file, "boot.img", 9);
	assert_option(&back, DHCP_OPT_VENDOR_OPTS, vendor, 300);
	assert_true(len <= 548);

	/* both fields free and needed */
	r.file = NULL;
	r.vendor_opts_len = 375;
	r.hostname = "a-rather-long-host-name-that-needs-room-of-its-own.example";
	len = build_ok(&msg, &r, sizeof out);
	reparse(len);
	assert_int_equal(back.overload, DHCP_OVERLOAD_BOTH);
	assert_option(&back, DHCP_OPT_VENDOR_OPTS, vendor, r.vendor_opts_len);
	assert_option(&back, DHCP_OPT_HOSTNAME, r.hostname, strlen(r.hostname));
	assert_true(len <= 548);

	/* both fields carry boot information: no overload, does not fit */
	r.file = "boot.img";
	r.sname = "server";
	build_fails(&msg, &r, sizeof out, "options do not fit in the reply");

	/* more than the three areas hold */
	r.file = r.sname = NULL;
	r.vendor_opts_len = sizeof vendor;
	build_fails(&msg, &r, sizeof out, "options do not fit in the reply");

	/* the caller's buffer is the limit when smaller than 57 */
	pxe_bios_discover(&pk);
	parse_ok(&pk, &msg);
	r.vendor_opts_len = 300;
	r.hostname = NULL;
	len = build_ok(&msg, &r, sizeof out);
	assert_true(len > 548);
	len = build_ok(&msg, &r, 450);
	assert_true(len <= 450);
	reparse(len);
	assert_int_equal(back.overload, DHCP_OVERLOAD_FILE);
}

static void test_build_long_values_split(void **state UNUSED)
{
	char url[400];
	struct dhcp_reply r = {
		.type = DHCPACK, .server_id = ip(10, 33, 1, 1), .bootfile = url,
	};
	struct seen s[8];
	size_t len, n;

	memset(url, 'u', sizeof url - 1);
	url[sizeof url - 1] = '\0';
	ipxe_discover(&pk);
	parse_ok(&pk, &msg);
	len = build_ok(&msg, &r, sizeof out);
	n = walk_options(out, len, s, 8);
	/* 67 asked for: 255 + 144 bytes in consecutive instances */
	assert_int_equal(s[1].code, 67);
	assert_int_equal(s[1].len, 255);
	assert_int_equal(s[2].code, 67);
	assert_int_equal(s[2].len, 144);
	assert_int_equal(s[2].off, s[1].off + 257);
	assert_int_equal(n, 5); /* 53 67 67 54 61 */
	reparse(len);
	assert_option(&back, DHCP_OPT_BOOTFILE, url, strlen(url));
}

static void test_build_errors(void **state UNUSED)
{
	struct dhcp_reply ok = { .type = DHCPOFFER, .server_id = ip(10, 33, 1, 1) };
	struct dhcp_reply r;
	char longname[200];
	uint8_t big82[400];

	pxe_bios_discover(&pk);
	parse_ok(&pk, &msg);
	build_ok(&msg, &ok, 300);
	build_fails(&msg, &ok, 299, "buffer smaller than a BOOTP packet");
	build_fails(&msg, &ok, 0, "buffer smaller than a BOOTP packet");

	r = ok;
	r.type = DHCPDISCOVER;
	build_fails(&msg, &r, sizeof out, "reply type is not OFFER, ACK or NAK");
	r.type = DHCPINFORM;
	build_fails(&msg, &r, sizeof out, "reply type is not OFFER, ACK or NAK");
	r = ok;
	r.server_id = ip(0, 0, 0, 0);
	build_fails(&msg, &r, sizeof out, "no server identifier");

	r = (struct dhcp_reply){ .type = DHCPNAK, .server_id = ok.server_id, .yiaddr = ip(10, 0, 0, 1) };
	build_fails(&msg, &r, sizeof out, "NAK carries more than a message");
	r = (struct dhcp_reply){ .type = DHCPNAK, .server_id = ok.server_id, .lease_time = 60 };
	build_fails(&msg, &r, sizeof out, "NAK carries more than a message");
	r = (struct dhcp_reply){ .type = DHCPNAK, .server_id = ok.server_id, .bootfile = "x" };
	build_fails(&msg, &r, sizeof out, "NAK carries more than a message");

	memset(longname, 'n', sizeof longname);
	longname[64] = '\0';
	r = ok;
	r.sname = longname;
	build_fails(&msg, &r, sizeof out, "server name longer than the sname field");
	longname[63] = '\0';
	build_ok(&msg, &r, sizeof out);
	memset(longname, 'n', sizeof longname);
	longname[128] = '\0';
	r = ok;
	r.file = longname;
	build_fails(&msg, &r, sizeof out, "boot file name longer than the file field");
	longname[127] = '\0';
	build_ok(&msg, &r, sizeof out);
	assert_int_equal(out[108 + 126], 'n');
	assert_int_equal(out[108 + 127], 0);

	r = ok;
	r.n_dns = DHCP_REPLY_ADDRS_MAX + 1;
	build_fails(&msg, &r, sizeof out, "too many addresses");
	r.n_dns = DHCP_REPLY_ADDRS_MAX;
	build_ok(&msg, &r, sizeof out);

	/* strings and raw values beyond any packet */
	{
		static char huge[DHCP_PACKET_MAX + 2];

		memset(huge, 'h', sizeof huge - 1);
		r = ok;
		r.hostname = huge;
		build_fails(&msg, &r, sizeof out, "option string too long");
		r = ok;
		r.vendor_opts = (const uint8_t *)huge;
		r.vendor_opts_len = DHCP_PACKET_MAX + 1;
		build_fails(&msg, &r, sizeof out, "vendor options too long");
		r.vendor_opts_len = DHCP_PACKET_MAX;
		build_fails(&msg, &r, sizeof out, "options do not fit in the reply");
	}

	/* a request not made by dhcp_parse, with a max size below the minimum:
	 * 576 applies */
	{
		uint8_t vendor[310] = { 0 };

		r = ok;
		r.vendor_opts = vendor;
		r.vendor_opts_len = 280;
		msg.max_msg_size = 0;
		assert_int_equal(build_ok(&msg, &r, sizeof out), 240 + 3 + 284 + 6 + 1);
		msg.max_msg_size = 300;
		assert_int_equal(build_ok(&msg, &r, sizeof out), 240 + 3 + 284 + 6 + 1);
		r.vendor_opts_len = 310;
		assert_int_equal(build_ok(&msg, &r, sizeof out), 548); /* overloaded */
		msg.max_msg_size = 576;
	}

	/* a reply to something that is itself a reply */
	r = ok;
	msg.op = DHCP_BOOTREPLY;
	build_fails(&msg, &r, sizeof out, "request is not a BOOTREQUEST");

	/* lease time in the ACK to an INFORM */
	inform(&pk);
	parse_ok(&pk, &msg);
	r = ok;
	r.type = DHCPACK;
	r.lease_time = 3600;
	build_fails(&msg, &r, sizeof out, "lease time in reply to INFORM");

	/* an option 82 too big for the options field */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 82, 255);
	memset(big82, 0x82, sizeof big82);
	pkt_put(&pk, big82, 255);
	PUT(&pk, 82, 145);
	pkt_put(&pk, big82, 145);
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	build_fails(&msg, &ok, sizeof out, "options do not fit in the reply");

	/* a 55-byte 82 in a 300-byte buffer leaves no room for 53 in the
	 * options field: refused, not moved into file */
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 82, 55);
	pkt_put(&pk, big82, 55);
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	build_fails(&msg, &ok, 300, "options do not fit in the reply");
	/* two bytes less: 53 fits but 54 does not, nor does 52 to overload */
	pk.b[244] = 53;
	pk.len -= 3;
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	build_fails(&msg, &ok, 300, "options do not fit in the reply");
	pkt_start(&pk, 1);
	PUT(&pk, 53, 1, 1, 82, 55);
	pkt_put(&pk, big82, 55);
	PUT(&pk, 255);
	/* five bytes less and 53 and 52 fit; 54 goes to file */
	pk.b[244] = 50;
	pk.len -= 6;
	PUT(&pk, 255);
	parse_ok(&pk, &msg);
	assert_int_equal(build_ok(&msg, &ok, 300), 300);
	assert_memory_equal(out + 240, "\x35\x01\x02\x34\x01\x01\x52\x32", 8);
	assert_memory_equal(out + 248, big82, 50);
	assert_memory_equal(out + 298, "\xff\x00", 2);
	assert_memory_equal(out + 108, "\x36\x04\x0a\x21\x01\x01\xff", 7);
}

/* Whatever the cap, nothing is written past it. */
static void test_build_never_past_cap(void **state UNUSED)
{
	static uint8_t buf[2048];
	uint8_t vendor[700];
	struct dhcp_reply r = bios_offer();
	size_t ok = 0, failed = 0;

	for (size_t i = 0; i < sizeof vendor; i++)
		vendor[i] = (uint8_t)i;
	r.file = NULL;
	r.vendor_opts = vendor;
	r.vendor_opts_len = sizeof vendor;
	relayed_discover(&pk);
	pk.len--;
	PUT(&pk, 57, 2, 0x05, 0xdc, 255);
	parse_ok(&pk, &msg);
	for (size_t cap = 280; cap <= 1200; cap++) {
		const char *why = NULL;
		size_t len;

		memset(buf, 0xa5, sizeof buf);
		len = dhcp_build_reply(buf, cap, &msg, &r, &why);
		for (size_t i = cap; i < sizeof buf; i++)
			if (buf[i] != 0xa5)
				fail_msg("cap %zu: byte %zu written", cap, i);
		if (len == 0) {
			assert_non_null(why);
			failed++;
			continue;
		}
		ok++;
		assert_true(len <= cap && len <= 1500 - 28);
		assert_int_equal(buf[240], DHCP_OPT_MESSAGE_TYPE);
		assert_int_equal(dhcp_parse(buf, len, &back, &why), 0);
		assert_option(&back, DHCP_OPT_VENDOR_OPTS, vendor, sizeof vendor);
		assert_option(&back, DHCP_OPT_RELAY_AGENT, relay_info, sizeof relay_info);
	}
	assert_true(ok > 0 && failed > 0); /* both outcomes were exercised */
}

/* ---- names and formatting ------------------------------------------------- */

static void test_names_and_formatting(void **state UNUSED)
{
	static const uint8_t b[20] = { 0x00, 0x0c, 0x29, 0xf6, 0x07, 0xca, 0xff };
	char s[64];

	assert_string_equal(dhcp_message_type_name(DHCPDISCOVER), "DHCPDISCOVER");
	assert_string_equal(dhcp_message_type_name(DHCPOFFER), "DHCPOFFER");
	assert_string_equal(dhcp_message_type_name(DHCPREQUEST), "DHCPREQUEST");
	assert_string_equal(dhcp_message_type_name(DHCPDECLINE), "DHCPDECLINE");
	assert_string_equal(dhcp_message_type_name(DHCPACK), "DHCPACK");
	assert_string_equal(dhcp_message_type_name(DHCPNAK), "DHCPNAK");
	assert_string_equal(dhcp_message_type_name(DHCPRELEASE), "DHCPRELEASE");
	assert_string_equal(dhcp_message_type_name(DHCPINFORM), "DHCPINFORM");
	assert_string_equal(dhcp_message_type_name(0), "unknown");
	assert_string_equal(dhcp_message_type_name(9), "unknown");
	assert_string_equal(dhcp_message_type_name(-1), "unknown");

	assert_string_equal(dhcp_format_hex(s, sizeof s, b, 6), "00:0c:29:f6:07:ca");
	assert_string_equal(dhcp_format_hex(s, 18, b, 6), "00:0c:29:f6:07:ca"); /* exact fit */
	assert_string_equal(dhcp_format_hex(s, 17, b, 6), "00:0c:29:f6:...");
	assert_string_equal(dhcp_format_hex(s, 10, b, 6), "00:0c:...");
	assert_string_equal(dhcp_format_hex(s, 7, b, 6), "00:...");
	assert_string_equal(dhcp_format_hex(s, 6, b, 6), "...");
	assert_string_equal(dhcp_format_hex(s, 4, b, 6), "...");
	assert_string_equal(dhcp_format_hex(s, 3, b, 6), "");
	assert_string_equal(dhcp_format_hex(s, 1, b, 6), "");
	assert_string_equal(dhcp_format_hex(s, sizeof s, b, 0), "-");
	assert_string_equal(dhcp_format_hex(s, 2, b, 0), "-");
	assert_string_equal(dhcp_format_hex(s, 1, b, 0), "");
	assert_string_equal(dhcp_format_hex(s, 3, b + 6, 1), "ff");
	s[0] = 'x';
	dhcp_format_hex(s, 0, b, 6);
	assert_int_equal(s[0], 'x');
	assert_string_equal(dhcp_format_hex(s, sizeof s, b, 20),
			    "00:0c:29:f6:07:ca:ff:00:00:00:00:00:00:00:00:00:00:00:00:00");
	assert_string_equal(dhcp_format_hex(s, 20, b, 20), "00:0c:29:f6:07:...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pxe_bios_discover),
		cmocka_unit_test(test_parse_uefi_discover),
		cmocka_unit_test(test_parse_ipxe_discover),
		cmocka_unit_test(test_parse_relayed_discover),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_inform),
		cmocka_unit_test(test_parse_truncated),
		cmocka_unit_test(test_parse_bad_header),
		cmocka_unit_test(test_parse_hardware_types),
		cmocka_unit_test(test_parse_option_framing),
		cmocka_unit_test(test_parse_pad_and_end),
		cmocka_unit_test(test_parse_zero_length_options),
		cmocka_unit_test(test_parse_typed_malformed),
		cmocka_unit_test(test_parse_typed_lenient),
		cmocka_unit_test(test_parse_max_msg_size),
		cmocka_unit_test(test_user_class_forms),
		cmocka_unit_test(test_vendor_class_helpers),
		cmocka_unit_test(test_parse_overload_file),
		cmocka_unit_test(test_parse_overload_sname_and_both),
		cmocka_unit_test(test_parse_long_options_concatenated),
		cmocka_unit_test(test_build_offer_exact),
		cmocka_unit_test(test_build_pads_to_bootp_minimum),
		cmocka_unit_test(test_build_prl_order),
		cmocka_unit_test(test_build_default_order),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_build_header_per_type),
		cmocka_unit_test(test_build_relay_info_echo),
		cmocka_unit_test(test_build_overload_file),
		cmocka_unit_test(test_build_overload_sname_both_and_full),
		cmocka_unit_test(test_build_long_values_split),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_build_never_past_cap),
		cmocka_unit_test(test_names_and_formatting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
