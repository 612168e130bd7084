/* test_decide.c — unit tests of the DHCP worker's decision engine.
 *
 * Each test parses a policy, builds a fresh lease table and engine, feeds
 * dhcp_decide() requests written out byte by byte (PXE BIOS, UEFI, UEFI HTTP
 * boot, iPXE, plain clients, relays) and checks the decision field by field.
 * Every decision is also checked the way the worker would act on it: the
 * lease table keeps its invariants, a journal record encodes, and a SEND is
 * built with dhcp_build_reply() and parsed back to see that the bytes on the
 * wire say what the decision said.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/decide.h"

#define UNUSED __attribute__((unused)) /* cmocka's state, not used here */

#define T0 1700000000ull /* a time, seconds since the epoch */

/* ---- policies ------------------------------------------------------------ */

/* Subnets, hosts and classes shared by the authoritative policies.  The
 * user-class classes come after the architecture classes on purpose: only
 * the engine's iPXE pass can then make them win for iPXE clients. */
#define AUTH_BODY \
	"subnet 10.33.0.0/16 {\n" \
	"	range 10.33.1.100 10.33.1.199\n" \
	"	router 10.33.1.254\n" \
	"	dns 10.33.1.1 10.33.1.2\n" \
	"	domain \"lab.example\"\n" \
	"	lease 4000s\n" \
	"}\n" \
	"subnet 10.34.0.0/16 {\n" \
	"	range 10.34.2.10 10.34.2.20\n" \
	"	router 10.34.1.254\n" \
	"	dns 10.34.1.1\n" \
	"	lease 1h\n" \
	"	renew 1000s\n" \
	"	rebind 2000s\n" \
	"}\n" \
	"host web01 mac 00:0c:29:f6:07:ca address 10.33.1.20\n" \
	"host db01 mac 00:0c:29:aa:bb:cc boot tftp \"special/${hostname}-${arch}-${class}.kpxe\"\n" \
	"host long01 mac 00:0c:29:00:00:01 boot tftp \"m/" \
	"${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}" \
	"${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}\"\n" \
	"host big01 mac 00:0c:29:00:00:02 boot http \"/boot/" \
	"0123456789012345678901234567890123456789012345678901234567890123456789" \
	"0123456789012345678901234567890123456789012345678901234567890123456789.efi\"\n" \
	"deny mac 00:0c:29:5e:f2:3f\n" \
	"class bios     match arch 0                    boot tftp \"undionly.kpxe\"\n" \
	"class uefi     match arch 7 9                  boot tftp \"ipxe.efi\"\n" \
	"class httpboot match vendor-class \"HTTPClient\" boot http \"/boot/ipxe.efi\"\n" \
	"class ipxe     match user-class \"iPXE\"         boot https \"/boot/${class}.ipxe\"\n" \
	"class site     match user-class \"site\"         boot tftp \"site/${mac}.cfg\"\n"

static const char auth_policy[] =
	"dhcp authoritative {\n"
	"	offer-hold 30s\n"
	"	discover-rate-per-mac 2\n"
	"	discover-rate 500\n"
	"}\n" AUTH_BODY;

static const char next_server_policy[] =
	"dhcp authoritative {\n"
	"	next-server 10.33.1.5\n"
	"}\n" AUTH_BODY;

static const char overall_rate_policy[] =
	"dhcp authoritative {\n"
	"	discover-rate 3\n"
	"}\n" AUTH_BODY;

/* httpsd on ports of its own: URLs must name them. */
static const char odd_ports_policy[] =
	"https port 8443 plain-http 8080\n"
	"dhcp authoritative\n" AUTH_BODY;

/* Standard ports written out: URLs stay without a port. */
static const char standard_ports_policy[] =
	"https { port 443\n plain-http 80 }\n"
	"dhcp authoritative\n" AUTH_BODY;

/* TLS on another port, plain HTTP on 80. */
static const char tls_port_policy[] =
	"https port 8443 plain-http 80\n"
	"dhcp authoritative {\n"
	"	next-server 10.33.1.5\n"
	"}\n" AUTH_BODY;

static const char proxy_policy[] =
	"dhcp proxy {\n"
	"	discover-rate-per-mac 2\n"
	"	discover-rate 200\n"
	"}\n"
	"deny mac 00:0c:29:5e:f2:3f\n"
	"host kiosk01 mac 3c:52:82:44:55:66 boot tftp \"kiosk/${hostname}.efi\"\n"
	"class ipxe match user-class \"iPXE\" boot http \"/boot/menu.ipxe\"\n"
	"class bios match arch 0           boot tftp \"undionly.kpxe\"\n"
	"class uefi match arch 7 9         boot tftp \"ipxe.efi\"\n";

static struct policy pol; /* large: static */
static struct lease_table leases;
static bool leases_live;
static struct dhcp_engine engine;

static void load(const char *text)
{
	static struct policy_errors errs;
	static const uint8_t key[LEASE_HASH_KEY_SIZE] = {
		0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88,
		0x97, 0xa6, 0xb5, 0xc4, 0xd3, 0xe2, 0xf1, 0x00,
	};
	char buf[2048];
	const char *why = NULL;

	if (policy_parse(text, strlen(text), "test.policy", &pol, &errs) != 0)
		fail_msg("policy rejected:\n%s", policy_errors_format(&errs, buf, sizeof buf));
	if (leases_live)
		lease_table_free(&leases);
	leases_live = false;
	if (lease_table_init(&leases, &pol.dhcp, key, &why) != 0)
		fail_msg("lease table: %s", why);
	leases_live = true;
	memset(&engine, 0, sizeof engine);
	engine.policy = &pol;
	engine.leases = &leases;
}

static int free_leases(void **state UNUSED)
{
	if (leases_live)
		lease_table_free(&leases);
	leases_live = false;
	return 0;
}

/* ---- addresses ----------------------------------------------------------- */

static struct in_addr A(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct in_addr x;

	x.s_addr = htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
	return x;
}

/* Compared in host order so that a failure prints a readable number. */
#define assert_addr(x, a, b, c, d) assert_int_equal(ntohl((x).s_addr), ntohl(A(a, b, c, d).s_addr))
#define assert_same_addr(x, y) assert_int_equal(ntohl((x).s_addr), ntohl((y).s_addr))

static bool in_range(struct in_addr x, struct in_addr lo, struct in_addr hi)
{
	return ntohl(x.s_addr) >= ntohl(lo.s_addr) && ntohl(x.s_addr) <= ntohl(hi.s_addr);
}

/* ---- clients ------------------------------------------------------------- */

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
static const uint8_t mac_c[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x58 };
static const uint8_t mac_web[6] = { 0x00, 0x0c, 0x29, 0xf6, 0x07, 0xca };
static const uint8_t mac_db[6] = { 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc };
static const uint8_t mac_long[6] = { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x01 };
static const uint8_t mac_deny[6] = { 0x00, 0x0c, 0x29, 0x5e, 0xf2, 0x3f };
static const uint8_t mac_kiosk[6] = { 0x3c, 0x52, 0x82, 0x44, 0x55, 0x66 };
static const uint8_t uuid[16] = {
	0x4c, 0x4c, 0x45, 0x44, 0x00, 0x37, 0x31, 0x10,
	0x80, 0x33, 0xb3, 0xc0, 0x4f, 0x42, 0x4d, 0x32,
};

struct pkt {
	uint8_t b[DHCP_PACKET_MAX];
	size_t len;
};

static struct pkt pk;

static void put(struct pkt *p, const void *bytes, size_t n)
{
	assert_true(n <= sizeof p->b - p->len);
	memcpy(p->b + p->len, bytes, n);
	p->len += n;
}

/* One option: code, length, value bytes. */
#define OPT(p, code, ...) do { \
	const uint8_t v_[] = { __VA_ARGS__ }; \
	opt(p, code, v_, sizeof v_); \
} while (0)

static void opt(struct pkt *p, uint8_t code, const void *v, size_t n)
{
	const uint8_t hdr[2] = { code, (uint8_t)n };

	assert_true(n <= 255);
	put(p, hdr, 2);
	put(p, v, n);
}

static void opt_str(struct pkt *p, uint8_t code, const char *s)
{
	opt(p, code, s, strlen(s));
}

static void opt_addr(struct pkt *p, uint8_t code, struct in_addr a)
{
	opt(p, code, &a.s_addr, 4);
}

/* BOOTREQUEST from an Ethernet client, magic cookie, option 53. */
static void start(struct pkt *p, uint8_t type, const uint8_t mac[6], uint32_t xid)
{
	memset(p, 0, sizeof *p);
	p->b[0] = DHCP_BOOTREQUEST;
	p->b[1] = 1;   /* Ethernet */
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
	OPT(p, DHCP_OPT_MESSAGE_TYPE, type);
}

static void set_ciaddr(struct pkt *p, struct in_addr a)
{
	memcpy(p->b + 12, &a.s_addr, 4);
}

static void set_giaddr(struct pkt *p, struct in_addr a)
{
	memcpy(p->b + 24, &a.s_addr, 4);
	p->b[3] = 1; /* hops */
}

static void set_broadcast_flag(struct pkt *p)
{
	p->b[10] = 0x80;
}

/* End option, then zero padding to the BOOTP minimum. */
static void finish(struct pkt *p)
{
	const uint8_t end = DHCP_OPT_END;

	put(p, &end, 1);
	if (p->len < DHCP_BOOTP_MIN_LEN)
		p->len = DHCP_BOOTP_MIN_LEN;
}

/* What a PXE 2.1 BIOS option ROM sends besides option 53. */
static void pxe_bios(struct pkt *p)
{
	OPT(p, DHCP_OPT_MAX_MSG_SIZE, 0x04, 0xec);
	OPT(p, DHCP_OPT_CLIENT_ARCH, 0x00, 0x00);
	OPT(p, DHCP_OPT_CLIENT_NDI, 1, 2, 1);
	OPT(p, DHCP_OPT_CLIENT_UUID, 0, 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x37, 0x31, 0x10,
	    0x80, 0x33, 0xb3, 0xc0, 0x4f, 0x42, 0x4d, 0x32);
	opt_str(p, DHCP_OPT_VENDOR_CLASS, "PXEClient:Arch:00000:UNDI:002001");
	OPT(p, DHCP_OPT_PARAM_REQUEST_LIST, 1, 2, 3, 5, 6, 12, 13, 15, 17, 43, 54, 60, 66, 67);
}

/* UEFI PXE firmware of architecture 7 (x64) or 9 (EBC) and the like. */
static void pxe_uefi(struct pkt *p, uint8_t arch)
{
	char vc[40];

	OPT(p, DHCP_OPT_MAX_MSG_SIZE, 0x05, 0xc0);
	OPT(p, DHCP_OPT_CLIENT_ARCH, 0x00, arch);
	OPT(p, DHCP_OPT_CLIENT_NDI, 1, 3, 0);
	snprintf(vc, sizeof vc, "PXEClient:Arch:%05u:UNDI:003000", (unsigned)arch);
	opt_str(p, DHCP_OPT_VENDOR_CLASS, vc);
}

/* UEFI HTTP boot, x64 (architecture 16). */
static void http_client(struct pkt *p)
{
	OPT(p, DHCP_OPT_CLIENT_ARCH, 0x00, 0x10);
	opt_str(p, DHCP_OPT_VENDOR_CLASS, "HTTPClient:Arch:00016:UNDI:003001");
}

/* iPXE's own options: user class "iPXE" and the encapsulated options 175. */
static void ipxe_user_class(struct pkt *p)
{
	opt_str(p, DHCP_OPT_USER_CLASS, "iPXE");
}

static void ipxe_encap(struct pkt *p)
{
	OPT(p, DHCP_OPT_IPXE_ENCAP, 0xb1, 5, 1, 0x80, 0x86, 0x10, 0x0e, 0xeb, 3, 1, 0, 0, 0x17, 1, 1);
}

/* ---- arrivals ------------------------------------------------------------ */

/* A broadcast on the interface that holds 10.33.1.1. */
static struct dhcp_arrival on_lan(void)
{
	return (struct dhcp_arrival){ .local = A(10, 33, 1, 1), .ifindex = 3, .src = A(0, 0, 0, 0),
				      .src_port = DHCP_CLIENT_PORT, .broadcast = true };
}

/* A unicast from a client that has address src. */
static struct dhcp_arrival unicast_from(struct in_addr src)
{
	struct dhcp_arrival a = on_lan();

	a.src = src;
	a.broadcast = false;
	return a;
}

/* A relayed message: the relay unicasts to us from its address. */
static struct dhcp_arrival from_relay(struct in_addr relay)
{
	struct dhcp_arrival a = on_lan();

	a.src = relay;
	a.src_port = DHCP_SERVER_PORT;
	a.broadcast = false;
	return a;
}

/* The proxy server's interface, 192.168.10.5. */
static struct dhcp_arrival on_proxy_lan(void)
{
	return (struct dhcp_arrival){ .local = A(192, 168, 10, 5), .ifindex = 7, .src = A(0, 0, 0, 0),
				      .src_port = DHCP_CLIENT_PORT, .broadcast = true };
}

/* ---- deciding, and checking what the worker would do with the decision ---- */

static struct dhcp_msg msg, back;
static struct dhcp_decision dec;
static uint8_t wire[DHCP_PACKET_MAX + 32];
static size_t wire_len;

static void parse_ok(const struct pkt *p, struct dhcp_msg *m)
{
	const char *why = NULL;

	if (dhcp_parse(p->b, p->len, m, &why) != 0)
		fail_msg("request does not parse: %s", why);
}

static void assert_u32_option(const struct dhcp_msg *m, uint8_t code, uint32_t want)
{
	const uint8_t *v;
	size_t n;
	bool present = dhcp_get_option(m, code, &v, &n);

	if (!want) {
		if (present)
			fail_msg("option %u sent, but the decision has none", code);
		return;
	}
	if (!present)
		fail_msg("option %u missing", code);
	assert_int_equal(n, 4);
	assert_int_equal((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3], want);
}

static void assert_addrs_option(const struct dhcp_msg *m, uint8_t code, const struct in_addr *a, size_t count)
{
	const uint8_t *v;
	size_t n;
	bool present = dhcp_get_option(m, code, &v, &n);

	if (!count) {
		if (present)
			fail_msg("option %u sent, but the decision has none", code);
		return;
	}
	if (!present)
		fail_msg("option %u missing", code);
	assert_int_equal(n, 4 * count);
	for (size_t i = 0; i < count; i++)
		assert_memory_equal(v + 4 * i, &a[i].s_addr, 4);
}

static void assert_bytes_option(const struct dhcp_msg *m, uint8_t code, const void *want, size_t len)
{
	const uint8_t *v;
	size_t n;
	bool present = dhcp_get_option(m, code, &v, &n);

	if (!want || !len) {
		if (present)
			fail_msg("option %u sent, but the decision has none", code);
		return;
	}
	if (!present)
		fail_msg("option %u missing", code);
	assert_int_equal(n, len);
	assert_memory_equal(v, want, len);
}

static void assert_str_option(const struct dhcp_msg *m, uint8_t code, const char *want)
{
	assert_bytes_option(m, code, want, want ? strlen(want) : 0);
}

/* Build the reply the decision describes, parse it back into `back` and
 * check that every field and option says what the decision said. */
static void check_wire(const struct dhcp_msg *req, const struct dhcp_decision *d)
{
	static const uint8_t zero_file[DHCP_FILE_LEN];
	const struct dhcp_reply *r = &d->reply;
	const char *why = NULL;

	memset(wire, 0xa5, sizeof wire);
	wire_len = dhcp_build_reply(wire, DHCP_PACKET_MAX, req, r, &why);
	if (!wire_len)
		fail_msg("reply not built: %s", why);
	for (size_t i = DHCP_PACKET_MAX; i < sizeof wire; i++)
		assert_int_equal(wire[i], 0xa5);
	if (dhcp_parse(wire, wire_len, &back, &why) != 0)
		fail_msg("reply does not parse: %s", why);

	assert_int_equal(back.op, DHCP_BOOTREPLY);
	assert_int_equal(back.type, r->type);
	assert_int_equal(back.xid, req->xid);
	assert_int_equal(back.flags, req->flags);
	assert_memory_equal(back.chaddr, req->chaddr, DHCP_CHADDR_LEN);
	assert_same_addr(back.giaddr, req->giaddr);
	if (r->type == DHCPACK)
		assert_same_addr(back.ciaddr, req->ciaddr);
	else
		assert_addr(back.ciaddr, 0, 0, 0, 0);
	assert_same_addr(back.yiaddr, r->yiaddr);
	assert_same_addr(back.siaddr, r->siaddr);
	assert_true(back.has_server_id);
	assert_same_addr(back.server_id, r->server_id);

	assert_u32_option(&back, DHCP_OPT_LEASE_TIME, r->lease_time);
	assert_u32_option(&back, DHCP_OPT_RENEWAL_TIME, r->renewal_time);
	assert_u32_option(&back, DHCP_OPT_REBINDING_TIME, r->rebinding_time);
	assert_addrs_option(&back, DHCP_OPT_SUBNET_MASK, &r->subnet_mask, r->subnet_mask.s_addr ? 1 : 0);
	assert_addrs_option(&back, DHCP_OPT_ROUTER, r->router, r->n_router);
	assert_addrs_option(&back, DHCP_OPT_DNS, r->dns, r->n_dns);
	assert_str_option(&back, DHCP_OPT_DOMAIN_NAME, r->domain_name);
	assert_str_option(&back, DHCP_OPT_HOSTNAME, r->hostname);
	assert_str_option(&back, DHCP_OPT_TFTP_SERVER, r->tftp_server);
	assert_str_option(&back, DHCP_OPT_BOOTFILE, r->bootfile);
	assert_str_option(&back, DHCP_OPT_VENDOR_CLASS, r->vendor_class);
	assert_str_option(&back, DHCP_OPT_MESSAGE, r->message);
	assert_bytes_option(&back, DHCP_OPT_VENDOR_OPTS, r->vendor_opts, r->vendor_opts_len);
	assert_true(back.has_uuid == (r->echo_uuid && req->has_uuid));
	if (back.has_uuid)
		assert_memory_equal(back.uuid, req->uuid, 16);

	/* the fixed-header file field (these replies never overload it) */
	assert_int_equal(back.overload, 0);
	if (r->file) {
		assert_true(strlen(r->file) < DHCP_FILE_LEN);
		assert_string_equal((const char *)back.file, r->file);
	} else {
		assert_memory_equal(back.file, zero_file, DHCP_FILE_LEN);
	}
}

/* Decide p as arrived by a at now, into dec; check the lease table, any
 * record and, for a SEND, the reply on the wire. */
static void run(const struct pkt *p, const struct dhcp_arrival *a, uint64_t now)
{
	const char *why = NULL;

	parse_ok(p, &msg);
	memset(&dec, 0x5a, sizeof dec); /* dhcp_decide must fill all of it */
	dhcp_decide(&engine, &msg, a, now, &dec);
	assert_non_null(dec.why);
	assert_non_null(dec.class_name);
	if (lease_check_invariants(&leases, &why) != 0)
		fail_msg("lease table broken: %s", why);
	switch (dec.action) {
	case DHCP_DROP:
		assert_false(dec.has_record);
		break;
	case DHCP_RECORD_ONLY:
		assert_true(dec.has_record);
		break;
	case DHCP_SEND:
		assert_same_addr(dec.reply.server_id, a->local);
		assert_int_equal(dec.ifindex, a->ifindex);
		check_wire(&msg, &dec);
		break;
	default:
		fail_msg("action %d", (int)dec.action);
	}
	if (dec.has_record) {
		uint8_t rec[JOURNAL_RECORD_MAX];

		assert_true(journal_encode(&dec.record, rec, sizeof rec) > 0);
	}
}

static void assert_drop(const char *why)
{
	if (dec.action != DHCP_DROP)
		fail_msg("expected a DROP (%s), got action %d (%s)", why, (int)dec.action, dec.why);
	assert_string_equal(dec.why, why);
}

static void assert_send(uint8_t type, const char *why)
{
	if (dec.action != DHCP_SEND)
		fail_msg("expected a SEND, got action %d (%s)", (int)dec.action, dec.why);
	assert_int_equal(dec.reply.type, type);
	assert_string_equal(dec.why, why);
}

static void assert_to(struct in_addr to, uint16_t port)
{
	assert_same_addr(dec.to, to);
	assert_int_equal(dec.to_port, port);
}

static void assert_broadcast_to_clients(void)
{
	assert_to(A(255, 255, 255, 255), DHCP_CLIENT_PORT);
}

/* DISCOVER from mac with the options kind adds (NULL: a plain client). */
static void discover(struct pkt *p, const uint8_t mac[6], void (*kind)(struct pkt *))
{
	start(p, DHCPDISCOVER, mac, 0x1000u + mac[5]);
	set_broadcast_flag(p);
	if (kind)
		kind(p);
	finish(p);
}

/* SELECTING REQUEST for addr, answering server sid. */
static void selecting(struct pkt *p, const uint8_t mac[6], struct in_addr addr, struct in_addr sid)
{
	start(p, DHCPREQUEST, mac, 0x2000u + mac[5]);
	set_broadcast_flag(p);
	opt_addr(p, DHCP_OPT_REQUESTED_ADDR, addr);
	opt_addr(p, DHCP_OPT_SERVER_ID, sid);
	finish(p);
}

/* DISCOVER then SELECTING for the offered address at now; returns it. */
static struct in_addr bind_plain(const uint8_t mac[6], uint64_t now)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr got;

	discover(&pk, mac, NULL);
	run(&pk, &a, now);
	assert_send(DHCPOFFER, "offer");
	got = dec.reply.yiaddr;
	selecting(&pk, mac, got, a.local);
	run(&pk, &a, now);
	assert_send(DHCPACK, "ack");
	assert_same_addr(dec.reply.yiaddr, got);
	return got;
}

static const struct lease *lease_at(struct in_addr x)
{
	const struct lease *l = lease_find_addr(&leases, ntohl(x.s_addr));

	assert_non_null(l);
	return l;
}

/* ---- OFFER: address and network options ---------------------------------- */

static void test_offer_network_options(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	const struct lease *l;

	load(auth_policy);
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_false(dec.has_record);
	/* the first never-used address of the arrival interface's subnet */
	assert_true(in_range(dec.reply.yiaddr, A(10, 33, 1, 100), A(10, 33, 1, 199)));
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 100);
	assert_addr(dec.reply.server_id, 10, 33, 1, 1);
	assert_int_equal(dec.reply.lease_time, 4000);
	assert_int_equal(dec.reply.renewal_time, 2000);   /* lease / 2 */
	assert_int_equal(dec.reply.rebinding_time, 3500); /* lease * 7 / 8 */
	assert_addr(dec.reply.subnet_mask, 255, 255, 0, 0);
	assert_int_equal(dec.reply.n_router, 1);
	assert_addr(dec.reply.router[0], 10, 33, 1, 254);
	assert_int_equal(dec.reply.n_dns, 2);
	assert_addr(dec.reply.dns[0], 10, 33, 1, 1);
	assert_addr(dec.reply.dns[1], 10, 33, 1, 2);
	assert_string_equal(dec.reply.domain_name, "lab.example");
	assert_null(dec.reply.hostname);
	assert_null(dec.reply.message);
	assert_broadcast_to_clients();
	assert_int_equal(dec.ifindex, 3);

	/* the offer holds the address for offer-hold */
	l = lease_at(dec.reply.yiaddr);
	assert_int_equal(l->state, LEASE_OFFERED);
	assert_int_equal(l->expiry, T0 + 30);
	assert_memory_equal(l->client.mac, mac_a, 6);

	/* and on the wire */
	assert_addr(back.yiaddr, 10, 33, 1, 100);
	assert_u32_option(&back, DHCP_OPT_LEASE_TIME, 4000);
	assert_u32_option(&back, DHCP_OPT_RENEWAL_TIME, 2000);
	assert_u32_option(&back, DHCP_OPT_REBINDING_TIME, 3500);
	assert_bytes_option(&back, DHCP_OPT_SUBNET_MASK, "\xff\xff\x00\x00", 4);
	assert_bytes_option(&back, DHCP_OPT_ROUTER, "\x0a\x21\x01\xfe", 4);
	assert_bytes_option(&back, DHCP_OPT_DNS, "\x0a\x21\x01\x01\x0a\x21\x01\x02", 8);
	assert_str_option(&back, DHCP_OPT_DOMAIN_NAME, "lab.example");

	/* the same client asking again gets the same address; another the next one */
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0 + 1);
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 100);
	discover(&pk, mac_b, pxe_bios);
	run(&pk, &a, T0 + 1);
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 101);
}

/* A client's option 50 is honoured when the address is free in the range. */
static void test_offer_requested_address(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	start(&pk, DHCPDISCOVER, mac_a, 1);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 33, 1, 150));
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 150);

	/* outside the range: ignored */
	start(&pk, DHCPDISCOVER, mac_b, 2);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 33, 9, 9));
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 100);
}

/* ---- boot information by client class ------------------------------------ */

static void test_boot_bios_tftp(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "bios");
	assert_ptr_equal(dhcp_match_class(&pol, &msg), &pol.dhcp.classes[0]);
	assert_string_equal(dec.reply.file, "undionly.kpxe");
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");
	assert_addr(dec.reply.siaddr, 10, 33, 1, 1); /* no next-server: the arrival address */
	assert_string_equal(dec.reply.tftp_server, "10.33.1.1");
	assert_null(dec.reply.vendor_class);
	assert_null(dec.reply.vendor_opts);
	assert_true(dec.reply.echo_uuid);
	/* on the wire: siaddr, file, 66, 67 and the UUID echoed */
	assert_addr(back.siaddr, 10, 33, 1, 1);
	assert_string_equal((const char *)back.file, "undionly.kpxe");
	assert_str_option(&back, DHCP_OPT_TFTP_SERVER, "10.33.1.1");
	assert_str_option(&back, DHCP_OPT_BOOTFILE, "undionly.kpxe");
	assert_true(back.has_uuid);
	assert_memory_equal(back.uuid, uuid, 16);

	/* arriving on another address of ours, that address is the TFTP server */
	a.local = A(10, 33, 7, 7);
	discover(&pk, mac_b, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_addr(dec.reply.siaddr, 10, 33, 7, 7);
	assert_string_equal(dec.reply.tftp_server, "10.33.7.7");
	assert_addr(dec.reply.server_id, 10, 33, 7, 7);
}

static void test_boot_next_server(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(next_server_policy);
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_addr(dec.reply.siaddr, 10, 33, 1, 5);
	assert_string_equal(dec.reply.tftp_server, "10.33.1.5");
	assert_addr(dec.reply.server_id, 10, 33, 1, 1); /* the server is still us */
	assert_addr(back.siaddr, 10, 33, 1, 5);
	assert_str_option(&back, DHCP_OPT_TFTP_SERVER, "10.33.1.5");
}

static void uefi7(struct pkt *p) { pxe_uefi(p, 7); }
static void uefi9(struct pkt *p) { pxe_uefi(p, 9); }
static void arm64(struct pkt *p) { pxe_uefi(p, 11); }

static void test_boot_uefi_arches(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, uefi7);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "uefi");
	assert_string_equal(dec.reply.bootfile, "ipxe.efi");
	assert_string_equal(dec.reply.file, "ipxe.efi");
	assert_false(dec.reply.echo_uuid); /* no option 97 sent */
	assert_string_equal((const char *)back.file, "ipxe.efi");

	discover(&pk, mac_b, uefi9);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "uefi");
	assert_string_equal(dec.reply.bootfile, "ipxe.efi");

	/* a PXE client no class matches gets an address and no boot file */
	discover(&pk, mac_c, arm64);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "-");
	assert_null(dhcp_match_class(&pol, &msg));
	assert_null(dec.reply.bootfile);
	assert_null(dec.reply.file);
	assert_addr(dec.reply.siaddr, 0, 0, 0, 0);
	assert_true(in_range(dec.reply.yiaddr, A(10, 33, 1, 100), A(10, 33, 1, 199)));
}

static void test_boot_http_client(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, http_client);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "httpboot");
	assert_string_equal(dec.reply.bootfile, "http://10.33.1.1/boot/ipxe.efi");
	assert_string_equal(dec.reply.file, "http://10.33.1.1/boot/ipxe.efi");
	assert_string_equal(dec.reply.vendor_class, "HTTPClient"); /* echoed for UEFI HTTP boot */
	assert_addr(dec.reply.siaddr, 0, 0, 0, 0);                  /* no TFTP server */
	assert_null(dec.reply.tftp_server);
	assert_str_option(&back, DHCP_OPT_VENDOR_CLASS, "HTTPClient");
	assert_str_option(&back, DHCP_OPT_BOOTFILE, "http://10.33.1.1/boot/ipxe.efi");
	assert_str_option(&back, DHCP_OPT_TFTP_SERVER, NULL);

	/* next-server names the HTTP host too */
	load(next_server_policy);
	discover(&pk, mac_a, http_client);
	run(&pk, &a, T0);
	assert_string_equal(dec.reply.bootfile, "http://10.33.1.5/boot/ipxe.efi");
}

static void ipxe_bios(struct pkt *p);

/* The URL carries :PORT only when httpsd is not on the scheme's standard
 * port; without an https statement the standard ports are assumed. */
static void test_boot_url_ports(void **state UNUSED)
{
	static const struct {
		const char *policy;
		const char *http, *https;
	} cases[] = {
		{ auth_policy, "http://10.33.1.1/boot/ipxe.efi", "https://10.33.1.1/boot/ipxe.ipxe" },
		{ standard_ports_policy, "http://10.33.1.1/boot/ipxe.efi", "https://10.33.1.1/boot/ipxe.ipxe" },
		{ odd_ports_policy, "http://10.33.1.1:8080/boot/ipxe.efi", "https://10.33.1.1:8443/boot/ipxe.ipxe" },
		{ tls_port_policy, "http://10.33.1.5/boot/ipxe.efi", "https://10.33.1.5:8443/boot/ipxe.ipxe" },
	};
	struct dhcp_arrival a = on_lan();

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		load(cases[i].policy);
		discover(&pk, mac_a, http_client);
		run(&pk, &a, T0);
		assert_send(DHCPOFFER, "offer");
		assert_string_equal(dec.class_name, "httpboot");
		assert_string_equal(dec.reply.bootfile, cases[i].http);
		assert_string_equal(dec.reply.file, cases[i].http);
		assert_str_option(&back, DHCP_OPT_BOOTFILE, cases[i].http);

		discover(&pk, mac_b, ipxe_bios);
		run(&pk, &a, T0);
		assert_send(DHCPOFFER, "offer");
		assert_string_equal(dec.class_name, "ipxe");
		assert_string_equal(dec.reply.bootfile, cases[i].https);
		assert_str_option(&back, DHCP_OPT_BOOTFILE, cases[i].https);
	}
}

static void ipxe_bios(struct pkt *p)
{
	pxe_bios(p);
	ipxe_user_class(p);
	ipxe_encap(p);
}

static void ipxe_user_class_only(struct pkt *p)
{
	pxe_bios(p);
	ipxe_user_class(p);
}

/* iPXE reports the firmware's architecture 0 too; it must be matched to its
 * script by user class, although the bios class comes first in the file. */
static void test_boot_ipxe_user_class_first(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, ipxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "ipxe");
	assert_ptr_equal(dhcp_match_class(&pol, &msg), &pol.dhcp.classes[3]);
	assert_string_equal(dec.reply.bootfile, "https://10.33.1.1/boot/ipxe.ipxe");
	assert_null(dec.reply.vendor_class); /* not a UEFI HTTP client */
	assert_addr(dec.reply.siaddr, 0, 0, 0, 0);
	assert_str_option(&back, DHCP_OPT_BOOTFILE, "https://10.33.1.1/boot/ipxe.ipxe");

	/* the user class alone is enough */
	discover(&pk, mac_b, ipxe_user_class_only);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "ipxe");
	assert_string_equal(dec.reply.bootfile, "https://10.33.1.1/boot/ipxe.ipxe");

	/* the BIOS ROM that loaded it gets the bios class */
	discover(&pk, mac_c, pxe_bios);
	run(&pk, &a, T0);
	assert_string_equal(dec.class_name, "bios");
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");
}

static void site_user_class(struct pkt *p)
{
	pxe_bios(p);
	opt_str(p, DHCP_OPT_USER_CLASS, "site");
}

static void site_user_class_ipxe(struct pkt *p)
{
	site_user_class(p);
	ipxe_encap(p);
}

static void ipxe_without_user_class(struct pkt *p)
{
	pxe_bios(p);
	ipxe_encap(p);
}

/* An iPXE that says so only with option 175 (no option 77) still gets the
 * "iPXE" class, not the BIOS class that would load iPXE again. */
static void test_boot_ipxe_175_only(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, ipxe_without_user_class);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "ipxe");
}

/* Option 175 alone marks iPXE: user-class classes are then tried first. */
static void test_boot_ipxe_option_175(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, site_user_class_ipxe);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "site");
	assert_string_equal(dec.reply.bootfile, "site/52:54:00:12:34:56.cfg");
	assert_addr(dec.reply.siaddr, 10, 33, 1, 1);

	/* without 175 it is no iPXE: file order, and bios comes first */
	discover(&pk, mac_a, site_user_class);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_string_equal(dec.class_name, "bios");
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");
}

static void test_boot_non_pxe_client(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_a, NULL);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_null(dec.reply.bootfile);
	assert_null(dec.reply.file);
	assert_null(dec.reply.tftp_server);
	assert_null(dec.reply.vendor_class);
	assert_addr(dec.reply.siaddr, 0, 0, 0, 0);
	assert_false(dec.reply.echo_uuid);
	assert_str_option(&back, DHCP_OPT_BOOTFILE, NULL);
	assert_str_option(&back, DHCP_OPT_TFTP_SERVER, NULL);
	assert_int_equal(back.file[0], 0);

	/* a plain client with a vendor class of its own is no PXE client either */
	start(&pk, DHCPDISCOVER, mac_b, 9);
	opt_str(&pk, DHCP_OPT_VENDOR_CLASS, "MSFT 5.0");
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_null(dec.reply.bootfile);

	/* nor does a host's own boot target make it one */
	discover(&pk, mac_db, NULL);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_null(dec.reply.bootfile);
	assert_string_equal(dec.reply.hostname, "db01");
}

/* ---- boot paths: variables ----------------------------------------------- */

static void test_expand_path(void **state UNUSED)
{
	char out[160];

	discover(&pk, mac_a, uefi7);
	parse_ok(&pk, &msg);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "boot/${class}/${mac}-${arch}-${ip}-${hostname}.cfg",
					  "uefi", &msg, "web01", A(10, 33, 1, 150)), 0);
	assert_string_equal(out, "boot/uefi/52:54:00:12:34:56-7-10.33.1.150-web01.cfg");
	/* twice, adjacent, and at both ends */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${arch}${arch}/x/${class}", "c", &msg, "",
					  A(0, 0, 0, 0)), 0);
	assert_string_equal(out, "77/x/c");
	/* no variable at all; lone '$' and '{' are text */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "a$b{c}$", "c", &msg, NULL, A(0, 0, 0, 0)), 0);
	assert_string_equal(out, "a$b{c}$");
	/* NULL class and hostname expand to nothing; the address 0 to 0.0.0.0 */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "[${class}][${hostname}][${ip}]", NULL, &msg, NULL,
					  A(0, 0, 0, 0)), 0);
	assert_string_equal(out, "[][][0.0.0.0]");
	/* a client without option 93 has architecture 0 */
	discover(&pk, mac_b, NULL);
	parse_ok(&pk, &msg);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${mac}/${arch}", "x", &msg, NULL, A(0, 0, 0, 0)), 0);
	assert_string_equal(out, "52:54:00:12:34:57/0");
	/* an empty path */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "", "x", &msg, NULL, A(0, 0, 0, 0)), 0);
	assert_string_equal(out, "");
}

static void test_expand_path_errors(void **state UNUSED)
{
	char out[64], name[64];

	discover(&pk, mac_a, uefi7);
	parse_ok(&pk, &msg);
	/* unknown variables, in any spelling */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${user}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "a/${MAC}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${class }", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${classy}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	/* unterminated */
	assert_int_equal(dhcp_expand_path(out, sizeof out, "x${mac", "c", &msg, "h", A(1, 2, 3, 4)), -1);

	/* capacity: the result and its NUL fit exactly, or -1 */
	assert_int_equal(dhcp_expand_path(out, 5, "${class}", "uefi", &msg, "h", A(1, 2, 3, 4)), 0);
	assert_string_equal(out, "uefi");
	assert_int_equal(dhcp_expand_path(out, 4, "${class}", "uefi", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, 18, "${mac}", "c", &msg, "h", A(1, 2, 3, 4)), 0);
	assert_string_equal(out, "52:54:00:12:34:56");
	assert_int_equal(dhcp_expand_path(out, 17, "${mac}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, 4, "abc", "c", &msg, "h", A(1, 2, 3, 4)), 0);
	assert_string_equal(out, "abc");
	assert_int_equal(dhcp_expand_path(out, 3, "abc", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, 10, "ab${ip}", "c", &msg, "h", A(1, 2, 3, 4)), 0);
	assert_string_equal(out, "ab1.2.3.4");
	assert_int_equal(dhcp_expand_path(out, 9, "ab${ip}", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(dhcp_expand_path(out, 10, "ab${ip}x", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	/* the longest hostname, 63 characters, fits in 64 */
	memset(name, 'h', 63);
	name[63] = '\0';
	assert_int_equal(dhcp_expand_path(out, sizeof out, "${hostname}", "c", &msg, name, A(1, 2, 3, 4)), 0);
	assert_string_equal(out, name);
	assert_int_equal(dhcp_expand_path(out, sizeof out, "/${hostname}", "c", &msg, name, A(1, 2, 3, 4)), -1);
	/* no room at all: the buffer is not touched */
	out[0] = 'x';
	assert_int_equal(dhcp_expand_path(out, 0, "", "c", &msg, "h", A(1, 2, 3, 4)), -1);
	assert_int_equal(out[0], 'x');
}

static void test_host_boot_override(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_db, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	/* the host's target, with its name and the class it would have had */
	assert_string_equal(dec.reply.bootfile, "special/db01-0-bios.kpxe");
	assert_string_equal(dec.reply.file, "special/db01-0-bios.kpxe");
	assert_string_equal(dec.class_name, "bios");
	assert_string_equal(dec.reply.hostname, "db01");
	assert_str_option(&back, DHCP_OPT_HOSTNAME, "db01");
	assert_str_option(&back, DHCP_OPT_BOOTFILE, "special/db01-0-bios.kpxe");
	/* no fixed address: from the range */
	assert_true(in_range(dec.reply.yiaddr, A(10, 33, 1, 100), A(10, 33, 1, 199)));

	/* as a UEFI machine, the same target with its architecture */
	discover(&pk, mac_db, uefi7);
	run(&pk, &a, T0 + 1);
	assert_string_equal(dec.reply.bootfile, "special/db01-7-uefi.kpxe");
}

/* long01's target expands ${mac} twenty times: 340 characters, more than a
 * boot path may hold. */
static void test_boot_path_too_long(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_long, pxe_bios);
	run(&pk, &a, T0);
	assert_drop("boot path too long");

	/* the address was reserved all the same (the offer lapses unanswered);
	 * a REQUEST is granted, without boot information */
	assert_int_equal(lease_at(A(10, 33, 1, 100))->state, LEASE_OFFERED);
	start(&pk, DHCPREQUEST, mac_long, 5);
	pxe_bios(&pk);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 33, 1, 100));
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPACK, "ack");
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 100);
	assert_true(dec.has_record);
	assert_null(dec.reply.bootfile);
	assert_null(dec.reply.file);
	assert_str_option(&back, DHCP_OPT_BOOTFILE, NULL);
}

/* A URL of 128 characters or more goes in option 67 only: the file field
 * holds 127 and a NUL. */
static void test_boot_long_url_option_only(void **state UNUSED)
{
	static const uint8_t mac_big[6] = { 0x00, 0x0c, 0x29, 0x00, 0x00, 0x02 };
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_big, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_int_equal(strlen(dec.reply.bootfile), strlen("http://10.33.1.1/boot/") + 140 + 4);
	assert_true(strncmp(dec.reply.bootfile, "http://10.33.1.1/boot/0123456789", 32) == 0);
	assert_null(dec.reply.file);
	assert_int_equal(back.file[0], 0);
	assert_str_option(&back, DHCP_OPT_BOOTFILE, dec.reply.bootfile);
}

/* ---- hosts, deny, hardware ----------------------------------------------- */

static void test_fixed_host(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_web, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 20);
	assert_string_equal(dec.reply.hostname, "web01");
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe"); /* by class */
	assert_addr(back.yiaddr, 10, 33, 1, 20);
	assert_str_option(&back, DHCP_OPT_HOSTNAME, "web01");

	/* asking for a range address does not change that */
	start(&pk, DHCPDISCOVER, mac_web, 2);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 33, 1, 150));
	finish(&pk);
	run(&pk, &a, T0 + 1);
	assert_addr(dec.reply.yiaddr, 10, 33, 1, 20);

	selecting(&pk, mac_web, A(10, 33, 1, 20), a.local);
	run(&pk, &a, T0 + 1);
	assert_send(DHCPACK, "ack");
	assert_int_equal(dec.record.type, JOURNAL_BIND);
	assert_int_equal(dec.record.addr, ntohl(A(10, 33, 1, 20).s_addr));
	assert_string_equal(dec.record.hostname, "web01");
	assert_string_equal(dec.reply.hostname, "web01");

	/* nobody else gets it */
	start(&pk, DHCPREQUEST, mac_a, 3);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 33, 1, 20));
	finish(&pk);
	run(&pk, &a, T0 + 2);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "address reserved for another client");
}

static void test_deny(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	discover(&pk, mac_deny, pxe_bios);
	run(&pk, &a, T0);
	assert_drop("denied by policy");
	selecting(&pk, mac_deny, A(10, 33, 1, 100), a.local);
	run(&pk, &a, T0);
	assert_drop("denied by policy");
	start(&pk, DHCPINFORM, mac_deny, 4);
	set_ciaddr(&pk, A(10, 33, 1, 165));
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("denied by policy");
	/* nothing was reserved for it */
	assert_int_equal(leases.count[LEASE_OFFERED] + leases.count[LEASE_BOUND], 0);
	assert_int_equal(lease_at(A(10, 33, 1, 100))->state, LEASE_FREE);
}

static void test_not_served(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy);
	/* token ring */
	discover(&pk, mac_a, pxe_bios);
	pk.b[1] = 6;
	run(&pk, &a, T0);
	assert_drop("not Ethernet");
	/* Ethernet type with an 8-byte address */
	discover(&pk, mac_a, pxe_bios);
	pk.b[2] = 8;
	run(&pk, &a, T0);
	assert_drop("not Ethernet");
	/* a BOOTREPLY seen on port 67 */
	discover(&pk, mac_a, pxe_bios);
	pk.b[0] = DHCP_BOOTREPLY;
	run(&pk, &a, T0);
	assert_drop("not a BOOTREQUEST");
	/* a server message type from a client */
	start(&pk, DHCPOFFER, mac_a, 1);
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("not a client message type");
	/* port 4011 belongs to proxy mode */
	a.pxe_port = true;
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_drop("port 4011 is for proxy mode");
	/* an interface in none of the subnets */
	a = on_lan();
	a.local = A(192, 168, 99, 1);
	run(&pk, &a, T0);
	assert_drop("no subnet for this client");
	assert_int_equal(leases.count[LEASE_OFFERED], 0);
}

/* ---- REQUEST ------------------------------------------------------------- */

static const uint8_t client_id[7] = { 0xff, 'n', 'o', 'd', 'e', '-', '7' };

static void test_request_selecting_binds(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr offered;
	const struct lease *l;

	load(auth_policy);
	start(&pk, DHCPDISCOVER, mac_a, 0x77);
	opt(&pk, DHCP_OPT_CLIENT_ID, client_id, sizeof client_id);
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	offered = dec.reply.yiaddr;

	start(&pk, DHCPREQUEST, mac_a, 0x78);
	opt(&pk, DHCP_OPT_CLIENT_ID, client_id, sizeof client_id);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, offered);
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	opt_str(&pk, DHCP_OPT_HOSTNAME, "node7");
	finish(&pk);
	run(&pk, &a, T0 + 5);
	assert_send(DHCPACK, "ack");
	assert_same_addr(dec.reply.yiaddr, offered);
	assert_int_equal(dec.reply.lease_time, 4000);
	assert_int_equal(dec.reply.renewal_time, 2000);
	assert_int_equal(dec.reply.rebinding_time, 3500);
	assert_null(dec.reply.hostname); /* the client's own name is not sent back */
	assert_broadcast_to_clients();

	assert_true(dec.has_record);
	assert_int_equal(dec.record.type, JOURNAL_BIND);
	assert_int_equal(dec.record.addr, ntohl(offered.s_addr));
	assert_int_equal(dec.record.expiry, T0 + 5 + 4000);
	assert_int_equal(dec.record.client.id_len, sizeof client_id);
	assert_memory_equal(dec.record.client.id, client_id, sizeof client_id);
	assert_memory_equal(dec.record.client.mac, mac_a, 6);
	assert_string_equal(dec.record.hostname, "node7");

	/* the table holds the binding already */
	l = lease_at(offered);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expiry, T0 + 5 + 4000);
	assert_string_equal(l->hostname, "node7");

	/* on the wire: an ACK for a client without an address yet */
	assert_same_addr(back.yiaddr, offered);
	assert_addr(back.ciaddr, 0, 0, 0, 0);
	assert_bytes_option(&back, DHCP_OPT_CLIENT_ID, client_id, sizeof client_id);

	/* a hostname that is no valid name is not recorded */
	start(&pk, DHCPREQUEST, mac_a, 0x79);
	opt(&pk, DHCP_OPT_CLIENT_ID, client_id, sizeof client_id);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, offered);
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	opt_str(&pk, DHCP_OPT_HOSTNAME, "my node");
	finish(&pk);
	run(&pk, &a, T0 + 6);
	assert_send(DHCPACK, "ack");
	assert_string_equal(dec.record.hostname, "");
}

static void test_request_selecting_refused(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr offered;

	load(auth_policy);
	discover(&pk, mac_a, NULL);
	run(&pk, &a, T0);
	offered = dec.reply.yiaddr;

	/* it chose another server: silence, and our offer just lapses */
	selecting(&pk, mac_a, offered, A(10, 33, 1, 9));
	run(&pk, &a, T0 + 1);
	assert_drop("client chose another server");
	assert_int_equal(lease_at(offered)->state, LEASE_OFFERED);

	/* SELECTING must name the address */
	start(&pk, DHCPREQUEST, mac_a, 1);
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	finish(&pk);
	run(&pk, &a, T0 + 1);
	assert_drop("SELECTING without a requested address");

	/* no server id, no option 50, no ciaddr */
	start(&pk, DHCPREQUEST, mac_a, 2);
	finish(&pk);
	run(&pk, &a, T0 + 1);
	assert_drop("REQUEST names no address");

	/* an address another client was offered */
	selecting(&pk, mac_b, offered, A(10, 33, 1, 1));
	run(&pk, &a, T0 + 1);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "address in use by another client");
	assert_false(dec.has_record);
}

static void test_request_init_reboot(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr bound;

	load(auth_policy);
	bound = bind_plain(mac_a, T0);

	/* rebooted, it asks for its address again */
	start(&pk, DHCPREQUEST, mac_a, 0x31);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, bound);
	finish(&pk);
	run(&pk, &a, T0 + 100);
	assert_send(DHCPACK, "ack");
	assert_same_addr(dec.reply.yiaddr, bound);
	assert_true(dec.has_record);
	assert_int_equal(dec.record.type, JOURNAL_BIND);
	assert_int_equal(dec.record.addr, ntohl(bound.s_addr));
	assert_int_equal(dec.record.expiry, T0 + 100 + 4000);
	assert_broadcast_to_clients();

	/* moved to this network from the other subnet: NAK, broadcast */
	start(&pk, DHCPREQUEST, mac_b, 0x32);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 34, 2, 10));
	finish(&pk);
	run(&pk, &a, T0 + 100);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "wrong network");
	assert_false(dec.has_record);
	assert_addr(dec.reply.yiaddr, 0, 0, 0, 0);
	assert_int_equal(dec.reply.lease_time, 0);
	assert_null(dec.reply.bootfile);
	assert_broadcast_to_clients();
	assert_addr(back.yiaddr, 0, 0, 0, 0);
	assert_str_option(&back, DHCP_OPT_MESSAGE, "wrong network");
	assert_int_equal(lease_at(A(10, 34, 2, 10))->state, LEASE_FREE);

	/* the same through a relay on this network: the relay's subnet
	 * decides, and the NAK goes back to the relay */
	start(&pk, DHCPREQUEST, mac_b, 0x33);
	set_giaddr(&pk, A(10, 33, 5, 1));
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 34, 2, 10));
	finish(&pk);
	a = from_relay(A(10, 33, 5, 1));
	run(&pk, &a, T0 + 100);
	assert_send(DHCPNAK, "nak");
	assert_to(A(10, 33, 5, 1), DHCP_SERVER_PORT);
}

static void test_request_renewing_unicast(void **state UNUSED)
{
	struct in_addr bound;
	struct dhcp_arrival a;

	load(auth_policy);
	bound = bind_plain(mac_a, T0);
	a = unicast_from(bound);

	start(&pk, DHCPREQUEST, mac_a, 0x41);
	set_ciaddr(&pk, bound);
	finish(&pk);
	run(&pk, &a, T0 + 2000);
	assert_send(DHCPACK, "ack");
	assert_same_addr(dec.reply.yiaddr, bound);
	assert_to(bound, DHCP_CLIENT_PORT); /* unicast to the client's address */
	assert_true(dec.has_record);
	assert_int_equal(dec.record.addr, ntohl(bound.s_addr));
	assert_int_equal(dec.record.expiry, T0 + 2000 + 4000);
	assert_int_equal(lease_at(bound)->expiry, T0 + 2000 + 4000);
	/* the ACK echoes ciaddr */
	assert_same_addr(back.ciaddr, bound);
	assert_same_addr(back.yiaddr, bound);

	/* another client cannot renew it */
	start(&pk, DHCPREQUEST, mac_b, 0x42);
	set_ciaddr(&pk, bound);
	finish(&pk);
	run(&pk, &a, T0 + 2001);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "address in use by another client");
	assert_broadcast_to_clients(); /* a NAK never goes to ciaddr */
}

static void test_request_rebinding(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr bound;

	load(auth_policy);
	bound = bind_plain(mac_a, T0);

	/* T2 passed: the client broadcasts, still with its address in ciaddr */
	start(&pk, DHCPREQUEST, mac_a, 0x51);
	set_ciaddr(&pk, bound);
	finish(&pk);
	a.src = bound;
	run(&pk, &a, T0 + 3500);
	assert_send(DHCPACK, "ack");
	assert_same_addr(dec.reply.yiaddr, bound);
	assert_to(bound, DHCP_CLIENT_PORT);
	assert_int_equal(dec.record.expiry, T0 + 3500 + 4000);

	/* after the lease ran out, a rebinding client gets the free address back */
	run(&pk, &a, T0 + 3500 + 4000 + 10);
	assert_send(DHCPACK, "ack");
	assert_int_equal(dec.record.expiry, T0 + 3500 + 4000 + 10 + 4000);

	/* rebinding with an address of the subnet that no range or host holds */
	start(&pk, DHCPREQUEST, mac_b, 0x52);
	set_ciaddr(&pk, A(10, 34, 9, 9));
	finish(&pk);
	run(&pk, &a, T0 + 3600);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "address not in the pool");
	assert_broadcast_to_clients();
}

/* ---- RELEASE, DECLINE ---------------------------------------------------- */

static void release(struct pkt *p, const uint8_t mac[6], struct in_addr addr, struct in_addr sid)
{
	start(p, DHCPRELEASE, mac, 0x61);
	set_ciaddr(p, addr);
	opt_addr(p, DHCP_OPT_SERVER_ID, sid);
	finish(p);
}

static void test_release(void **state UNUSED)
{
	struct in_addr bound;
	struct dhcp_arrival a;

	load(auth_policy);
	bound = bind_plain(mac_a, T0);
	a = unicast_from(bound);

	release(&pk, mac_a, bound, A(10, 33, 1, 9));
	run(&pk, &a, T0 + 10);
	assert_drop("for another server");

	release(&pk, mac_b, bound, A(10, 33, 1, 1));
	run(&pk, &a, T0 + 10);
	assert_drop("RELEASE of an address not leased to this client");
	assert_int_equal(lease_at(bound)->state, LEASE_BOUND);

	release(&pk, mac_a, bound, A(10, 33, 1, 1));
	run(&pk, &a, T0 + 10);
	assert_int_equal(dec.action, DHCP_RECORD_ONLY);
	assert_string_equal(dec.why, "release");
	assert_true(dec.has_record);
	assert_int_equal(dec.record.type, JOURNAL_RELEASE);
	assert_int_equal(dec.record.addr, ntohl(bound.s_addr));
	assert_int_equal(dec.record.client.id_len, 7);
	assert_int_equal(dec.record.client.id[0], 1);
	assert_memory_equal(dec.record.client.id + 1, mac_a, 6);
	assert_int_equal(lease_at(bound)->state, LEASE_RELEASED);

	/* once only */
	run(&pk, &a, T0 + 11);
	assert_drop("RELEASE of an address not leased to this client");
}

static void decline(struct pkt *p, const uint8_t mac[6], struct in_addr addr)
{
	start(p, DHCPDECLINE, mac, 0x71);
	opt_addr(p, DHCP_OPT_REQUESTED_ADDR, addr);
	opt_addr(p, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	finish(p);
}

static void discover_asking(struct pkt *p, const uint8_t mac[6], struct in_addr want)
{
	start(p, DHCPDISCOVER, mac, 0x81);
	opt_addr(p, DHCP_OPT_REQUESTED_ADDR, want);
	finish(p);
}

static void test_decline_quarantines(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();
	struct in_addr bad;

	load(auth_policy);
	bad = bind_plain(mac_a, T0);

	/* only its holder may decline it */
	decline(&pk, mac_b, bad);
	run(&pk, &a, T0 + 1);
	assert_drop("DECLINE of an address not leased to this client");
	start(&pk, DHCPDECLINE, mac_a, 1);
	finish(&pk);
	run(&pk, &a, T0 + 1);
	assert_drop("DECLINE names no address");

	decline(&pk, mac_a, bad);
	run(&pk, &a, T0 + 1);
	assert_int_equal(dec.action, DHCP_RECORD_ONLY);
	assert_string_equal(dec.why, "decline");
	assert_true(dec.has_record);
	assert_int_equal(dec.record.type, JOURNAL_DECLINE);
	assert_int_equal(dec.record.addr, ntohl(bad.s_addr));
	assert_int_equal(dec.record.expiry, T0 + 1 + DECIDE_QUARANTINE_S);
	assert_int_equal(lease_at(bad)->state, LEASE_DECLINED);

	/* neither the decliner nor anyone else is offered it, even when asking */
	discover_asking(&pk, mac_a, bad);
	run(&pk, &a, T0 + 2);
	assert_send(DHCPOFFER, "offer");
	assert_int_not_equal(ntohl(dec.reply.yiaddr.s_addr), ntohl(bad.s_addr));
	discover_asking(&pk, mac_c, bad);
	run(&pk, &a, T0 + 2);
	assert_send(DHCPOFFER, "offer");
	assert_int_not_equal(ntohl(dec.reply.yiaddr.s_addr), ntohl(bad.s_addr));
	/* nor granted it */
	start(&pk, DHCPREQUEST, mac_c, 2);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, bad);
	finish(&pk);
	run(&pk, &a, T0 + 600);
	assert_send(DHCPNAK, "nak");
	assert_string_equal(dec.reply.message, "address quarantined");

	/* after the quarantine it can be offered again */
	discover_asking(&pk, mac_b, bad);
	run(&pk, &a, T0 + 1 + DECIDE_QUARANTINE_S);
	assert_send(DHCPOFFER, "offer");
	assert_same_addr(dec.reply.yiaddr, bad);
}

/* ---- INFORM -------------------------------------------------------------- */

static void test_inform(void **state UNUSED)
{
	struct dhcp_arrival a = unicast_from(A(10, 33, 1, 165));

	load(auth_policy);
	start(&pk, DHCPINFORM, mac_a, 0x91);
	set_ciaddr(&pk, A(10, 33, 1, 165));
	OPT(&pk, DHCP_OPT_PARAM_REQUEST_LIST, 1, 3, 6, 15);
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPACK, "inform-ack");
	assert_false(dec.has_record);
	assert_addr(dec.reply.yiaddr, 0, 0, 0, 0);
	assert_int_equal(dec.reply.lease_time, 0);
	assert_int_equal(dec.reply.renewal_time, 0);
	assert_int_equal(dec.reply.rebinding_time, 0);
	assert_addr(dec.reply.subnet_mask, 255, 255, 0, 0);
	assert_int_equal(dec.reply.n_router, 1);
	assert_addr(dec.reply.router[0], 10, 33, 1, 254);
	assert_int_equal(dec.reply.n_dns, 2);
	assert_string_equal(dec.reply.domain_name, "lab.example");
	assert_to(A(10, 33, 1, 165), DHCP_CLIENT_PORT);
	assert_same_addr(back.ciaddr, A(10, 33, 1, 165));
	assert_addr(back.yiaddr, 0, 0, 0, 0);
	assert_false(back.has_lease_time);
	/* the table is not touched */
	assert_int_equal(leases.count[LEASE_FREE], lease_slot_count(&leases));

	/* the subnet is ciaddr's, not the arrival interface's */
	start(&pk, DHCPINFORM, mac_a, 0x92);
	set_ciaddr(&pk, A(10, 34, 3, 3));
	finish(&pk);
	a = unicast_from(A(10, 34, 3, 3));
	run(&pk, &a, T0);
	assert_send(DHCPACK, "inform-ack");
	assert_addr(dec.reply.router[0], 10, 34, 1, 254);
	assert_null(dec.reply.domain_name);

	start(&pk, DHCPINFORM, mac_a, 0x93);
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("INFORM without ciaddr");
}

/* ---- relays -------------------------------------------------------------- */

static const uint8_t relay_info[] = {
	1, 6, 'g', 'e', '-', '0', '/', '7',
	2, 6, 0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e,
};

static void test_relayed(void **state UNUSED)
{
	struct dhcp_arrival a = from_relay(A(10, 34, 2, 1));

	load(auth_policy);
	start(&pk, DHCPDISCOVER, mac_a, 0xa1);
	set_giaddr(&pk, A(10, 34, 2, 1));
	pxe_uefi(&pk, 7);
	opt(&pk, DHCP_OPT_RELAY_AGENT, relay_info, sizeof relay_info);
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	/* the relay's subnet, not the arrival interface's */
	assert_true(in_range(dec.reply.yiaddr, A(10, 34, 2, 10), A(10, 34, 2, 20)));
	assert_addr(dec.reply.yiaddr, 10, 34, 2, 10);
	assert_addr(dec.reply.subnet_mask, 255, 255, 0, 0);
	assert_addr(dec.reply.router[0], 10, 34, 1, 254);
	assert_int_equal(dec.reply.n_dns, 1);
	assert_addr(dec.reply.dns[0], 10, 34, 1, 1);
	assert_null(dec.reply.domain_name);
	assert_int_equal(dec.reply.lease_time, 3600);
	assert_int_equal(dec.reply.renewal_time, 1000); /* given in the policy */
	assert_int_equal(dec.reply.rebinding_time, 2000);
	assert_addr(dec.reply.server_id, 10, 33, 1, 1);
	assert_to(A(10, 34, 2, 1), DHCP_SERVER_PORT);
	/* the boot server is still the address the relay reached */
	assert_addr(dec.reply.siaddr, 10, 33, 1, 1);
	assert_string_equal(dec.reply.bootfile, "ipxe.efi");
	/* on the wire: giaddr and option 82 come back */
	assert_addr(back.giaddr, 10, 34, 2, 1);
	assert_bytes_option(&back, DHCP_OPT_RELAY_AGENT, relay_info, sizeof relay_info);

	/* the REQUEST through the same relay is ACKed to the relay */
	start(&pk, DHCPREQUEST, mac_a, 0xa2);
	set_giaddr(&pk, A(10, 34, 2, 1));
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(10, 34, 2, 10));
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(10, 33, 1, 1));
	finish(&pk);
	run(&pk, &a, T0 + 1);
	assert_send(DHCPACK, "ack");
	assert_to(A(10, 34, 2, 1), DHCP_SERVER_PORT);
	assert_int_equal(dec.record.expiry, T0 + 1 + 3600);

	/* a relay on a network we do not serve */
	start(&pk, DHCPDISCOVER, mac_b, 0xa3);
	set_giaddr(&pk, A(192, 168, 5, 1));
	finish(&pk);
	a = from_relay(A(192, 168, 5, 1));
	run(&pk, &a, T0);
	assert_drop("no subnet for this client");
}

/* ---- rate limits --------------------------------------------------------- */

static void test_rate_per_mac(void **state UNUSED)
{
	struct dhcp_arrival a = on_lan();

	load(auth_policy); /* discover-rate-per-mac 2 */
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	run(&pk, &a, T0);
	assert_drop("rate limited");
	run(&pk, &a, T0);
	assert_drop("rate limited");
	/* other clients are not held back */
	discover(&pk, mac_b, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "offer");
	/* the next second starts afresh */
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0 + 1);
	assert_send(DHCPOFFER, "offer");
	run(&pk, &a, T0 + 1);
	assert_send(DHCPOFFER, "offer");
	run(&pk, &a, T0 + 1);
	assert_drop("rate limited");
	/* REQUESTs are not counted */
	selecting(&pk, mac_a, A(10, 33, 1, 100), a.local);
	run(&pk, &a, T0 + 1);
	assert_send(DHCPACK, "ack");
}

static void test_rate_overall(void **state UNUSED)
{
	static const uint8_t macs[5][6] = {
		{ 0x02, 0, 0, 0, 0, 1 }, { 0x02, 0, 0, 0, 0, 2 }, { 0x02, 0, 0, 0, 0, 3 },
		{ 0x02, 0, 0, 0, 0, 4 }, { 0x02, 0, 0, 0, 0, 5 },
	};
	struct dhcp_arrival a = on_lan();

	load(overall_rate_policy); /* discover-rate 3 */
	for (int i = 0; i < 3; i++) {
		discover(&pk, macs[i], NULL);
		run(&pk, &a, T0);
		assert_send(DHCPOFFER, "offer");
	}
	discover(&pk, macs[3], NULL);
	run(&pk, &a, T0);
	assert_drop("rate limited");
	discover(&pk, macs[4], NULL);
	run(&pk, &a, T0);
	assert_drop("rate limited");
	/* the next second starts afresh */
	discover(&pk, macs[3], NULL);
	run(&pk, &a, T0 + 1);
	assert_send(DHCPOFFER, "offer");
	/* a dropped DISCOVER reserved nothing */
	assert_int_equal(leases.count[LEASE_OFFERED], 4);
}

/* ---- proxyDHCP ----------------------------------------------------------- */

static void assert_proxy_reply(void)
{
	static const uint8_t pxe_opts[] = { 6, 1, 8, 255 };

	assert_addr(dec.reply.yiaddr, 0, 0, 0, 0);
	assert_int_equal(dec.reply.lease_time, 0);
	assert_int_equal(dec.reply.renewal_time, 0);
	assert_int_equal(dec.reply.rebinding_time, 0);
	assert_addr(dec.reply.subnet_mask, 0, 0, 0, 0);
	assert_int_equal(dec.reply.n_router, 0);
	assert_int_equal(dec.reply.n_dns, 0);
	assert_false(dec.has_record);
	assert_int_equal(dec.reply.vendor_opts_len, sizeof pxe_opts);
	assert_memory_equal(dec.reply.vendor_opts, pxe_opts, sizeof pxe_opts);
	assert_addr(back.yiaddr, 0, 0, 0, 0);
	assert_false(back.has_lease_time);
	assert_bytes_option(&back, DHCP_OPT_VENDOR_OPTS, pxe_opts, sizeof pxe_opts);
	assert_str_option(&back, DHCP_OPT_SUBNET_MASK, NULL);
	assert_str_option(&back, DHCP_OPT_ROUTER, NULL);
}

static void test_proxy_offer(void **state UNUSED)
{
	struct dhcp_arrival a = on_proxy_lan();

	load(proxy_policy);
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	assert_proxy_reply();
	assert_string_equal(dec.reply.vendor_class, "PXEClient");
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");
	assert_string_equal(dec.reply.file, "undionly.kpxe");
	assert_addr(dec.reply.siaddr, 192, 168, 10, 5);
	assert_addr(dec.reply.server_id, 192, 168, 10, 5);
	assert_string_equal(dec.reply.tftp_server, "192.168.10.5");
	assert_string_equal(dec.class_name, "bios");
	assert_broadcast_to_clients();
	assert_int_equal(dec.ifindex, 7);
	assert_str_option(&back, DHCP_OPT_VENDOR_CLASS, "PXEClient");
	assert_str_option(&back, DHCP_OPT_BOOTFILE, "undionly.kpxe");
	assert_string_equal((const char *)back.file, "undionly.kpxe");
	assert_addr(back.siaddr, 192, 168, 10, 5);

	/* iPXE: its script, over HTTP */
	discover(&pk, mac_b, ipxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	assert_proxy_reply();
	assert_string_equal(dec.reply.bootfile, "http://192.168.10.5/boot/menu.ipxe");
	assert_string_equal(dec.reply.vendor_class, "PXEClient");

	/* a host's own target, with its name */
	discover(&pk, mac_kiosk, uefi7);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	assert_proxy_reply();
	assert_string_equal(dec.reply.bootfile, "kiosk/kiosk01.efi");

	/* relayed: back to the relay */
	start(&pk, DHCPDISCOVER, mac_c, 0xb1);
	set_giaddr(&pk, A(192, 168, 20, 1));
	pxe_bios(&pk);
	finish(&pk);
	a.src = A(192, 168, 20, 1);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	assert_to(A(192, 168, 20, 1), DHCP_SERVER_PORT);

	/* no lease table state in proxy mode */
	assert_int_equal(lease_slot_count(&leases), 0);
}

static void test_proxy_drops(void **state UNUSED)
{
	struct dhcp_arrival a = on_proxy_lan();

	load(proxy_policy);
	discover(&pk, mac_a, NULL);
	run(&pk, &a, T0);
	assert_drop("not a PXE client (proxy mode)");

	discover(&pk, mac_a, arm64); /* architecture 11: no class */
	run(&pk, &a, T0);
	assert_drop("no class matches this client");

	discover(&pk, mac_deny, pxe_bios);
	run(&pk, &a, T0);
	assert_drop("denied by policy");

	/* the client took the other server's offer */
	start(&pk, DHCPREQUEST, mac_a, 0xc1);
	pxe_bios(&pk);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(192, 168, 10, 77));
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(192, 168, 10, 1));
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("for the other DHCP server (proxy mode)");

	/* no server id at all: not for us either */
	start(&pk, DHCPREQUEST, mac_a, 0xc2);
	pxe_bios(&pk);
	opt_addr(&pk, DHCP_OPT_REQUESTED_ADDR, A(192, 168, 10, 77));
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("for the other DHCP server (proxy mode)");

	/* RELEASE and the like belong to the other server */
	start(&pk, DHCPRELEASE, mac_a, 0xc3);
	pxe_bios(&pk);
	set_ciaddr(&pk, A(192, 168, 10, 77));
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("for the other DHCP server (proxy mode)");

	/* a REQUEST naming us on port 67 is answered */
	start(&pk, DHCPREQUEST, mac_a, 0xc4);
	pxe_bios(&pk);
	opt_addr(&pk, DHCP_OPT_SERVER_ID, A(192, 168, 10, 5));
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPACK, "proxy-ack");
	assert_proxy_reply();
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");
	assert_broadcast_to_clients();

	/* only REQUEST and INFORM on port 4011 */
	a.pxe_port = true;
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_drop("unexpected message on port 4011");
}

/* The boot server on port 4011: the client has its address from the other
 * server and unicasts; the ACK goes back to where the request came from. */
static void test_proxy_pxe_port(void **state UNUSED)
{
	struct dhcp_arrival a = on_proxy_lan();

	load(proxy_policy);
	a.pxe_port = true;
	a.broadcast = false;
	a.src = A(192, 168, 10, 78);
	a.src_port = 4011;
	start(&pk, DHCPREQUEST, mac_a, 0xd1);
	set_ciaddr(&pk, A(192, 168, 10, 77));
	pxe_uefi(&pk, 7);
	finish(&pk);
	run(&pk, &a, T0);
	assert_send(DHCPACK, "proxy-ack");
	assert_proxy_reply();
	assert_to(A(192, 168, 10, 78), 4011);
	assert_string_equal(dec.reply.bootfile, "ipxe.efi");
	assert_string_equal(dec.reply.vendor_class, "PXEClient");
	assert_same_addr(back.ciaddr, A(192, 168, 10, 77));

	/* INFORM too */
	start(&pk, DHCPINFORM, mac_a, 0xd2);
	set_ciaddr(&pk, A(192, 168, 10, 77));
	pxe_bios(&pk);
	finish(&pk);
	a.src_port = 68;
	run(&pk, &a, T0);
	assert_send(DHCPACK, "proxy-ack");
	assert_to(A(192, 168, 10, 78), 68);
	assert_string_equal(dec.reply.bootfile, "undionly.kpxe");

	/* still PXE clients only */
	start(&pk, DHCPREQUEST, mac_a, 0xd3);
	set_ciaddr(&pk, A(192, 168, 10, 77));
	finish(&pk);
	run(&pk, &a, T0);
	assert_drop("not a PXE client (proxy mode)");
}

/* Proxy mode applies discover-rate-per-mac and discover-rate too: the third
 * DISCOVER from one MAC in one second is dropped. */
static void test_proxy_discover_rate(void **state UNUSED)
{
	struct dhcp_arrival a = on_proxy_lan();

	load(proxy_policy); /* discover-rate-per-mac 2 */
	discover(&pk, mac_a, pxe_bios);
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	run(&pk, &a, T0);
	assert_send(DHCPOFFER, "proxy-offer");
	run(&pk, &a, T0);
	assert_drop("rate limited");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_network_options),
		cmocka_unit_test(test_offer_requested_address),
		cmocka_unit_test(test_boot_bios_tftp),
		cmocka_unit_test(test_boot_next_server),
		cmocka_unit_test(test_boot_uefi_arches),
		cmocka_unit_test(test_boot_http_client),
		cmocka_unit_test(test_boot_url_ports),
		cmocka_unit_test(test_boot_ipxe_user_class_first),
		cmocka_unit_test(test_boot_ipxe_option_175),
		cmocka_unit_test(test_boot_non_pxe_client),
		cmocka_unit_test(test_expand_path),
		cmocka_unit_test(test_expand_path_errors),
		cmocka_unit_test(test_host_boot_override),
		cmocka_unit_test(test_boot_path_too_long),
		cmocka_unit_test(test_boot_long_url_option_only),
		cmocka_unit_test(test_fixed_host),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_not_served),
		cmocka_unit_test(test_request_selecting_binds),
		cmocka_unit_test(test_request_selecting_refused),
		cmocka_unit_test(test_request_init_reboot),
		cmocka_unit_test(test_request_renewing_unicast),
		cmocka_unit_test(test_request_rebinding),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_decline_quarantines),
		cmocka_unit_test(test_inform),
		cmocka_unit_test(test_relayed),
		cmocka_unit_test(test_rate_per_mac),
		cmocka_unit_test(test_rate_overall),
		cmocka_unit_test(test_proxy_offer),
		cmocka_unit_test(test_proxy_drops),
		cmocka_unit_test(test_proxy_pxe_port),
		cmocka_unit_test(test_proxy_discover_rate),
		cmocka_unit_test(test_boot_ipxe_175_only),
	};
	return cmocka_run_group_tests_name("decide", tests, NULL, free_leases);
}
