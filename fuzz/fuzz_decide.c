/* fuzz_decide.c — harness for the DHCP worker's decision engine.
 *
 * An input is a control byte, a four-byte time and a packet:
 *
 *   byte 0    bit 0     policy: 0 authoritative, 1 proxy
 *             bit 1     arrived as a broadcast
 *             bit 2     arrived on port 4011
 *             bits 3-4  our address on the arrival interface (local[])
 *             bits 5-6  the UDP source (src[]: none, ciaddr, giaddr, a
 *                       client on port 4011)
 *   bytes 1-4 big-endian t: now = T0 + t when t's top bit is set (any time),
 *             else T0 + (t & 1023) (a short window, so that rate limits,
 *             offer holds and quarantines come into play)
 *   the rest  the packet, as it arrives on port 67 or 4011
 *
 * The packet is parsed; when it parses it is decided with the chosen
 * policy's engine, and the decision is checked against what the engine
 * promises; a SEND is built into a buffer followed by a canary and parsed
 * back.  The lease tables carry over from input to input, as in the worker,
 * and are checked after every step; they are rebuilt every RESET_EVERY
 * inputs and when the pool runs out.  A violation aborts.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/decide.h"

#define T0 1700000000ull
#define RESET_EVERY 4096
#define CANARY_LEN 64
#define CANARY 0xc5

/* Three subnets: one with a large range, one with a small range and its own
 * renew and rebind times, one for fixed hosts only.  Hosts with fixed
 * addresses, boot overrides, a boot path that cannot be expanded (sixteen
 * MACs) and one whose URL is too long for the file field. */
static const char auth_text[] =
	"dhcp authoritative {\n"
	"	offer-hold 10s\n"
	"	discover-rate-per-mac 3\n"
	"	discover-rate 40\n"
	"}\n"
	"subnet 10.33.0.0/16 {\n"
	"	range 10.33.1.100 10.33.1.131\n"
	"	router 10.33.1.254\n"
	"	dns 10.33.1.1 10.33.1.2\n"
	"	domain \"lab.example\"\n"
	"	lease 120s\n"
	"}\n"
	"subnet 10.34.0.0/16 {\n"
	"	range 10.34.2.10 10.34.2.17\n"
	"	router 10.34.1.254\n"
	"	lease 1h\n"
	"	renew 100s\n"
	"	rebind 200s\n"
	"}\n"
	"subnet 10.35.0.0/24 {\n"
	"	router 10.35.0.1\n"
	"}\n"
	"host web01 mac 00:0c:29:f6:07:ca address 10.33.1.20\n"
	"host db01 mac 00:0c:29:aa:bb:cc boot tftp \"special/${hostname}/${mac}-${arch}-${ip}.kpxe\"\n"
	"host lab01 mac 00:0c:29:11:22:33 address 10.35.0.7 boot https \"/hosts/${hostname}/${class}.ipxe\"\n"
	"host lab02 mac 00:0c:29:11:22:34 address 10.34.1.8\n"
	"host long01 mac 00:0c:29:00:00:01 boot tftp \"m/"
	"${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}"
	"${mac}${mac}${mac}${mac}${mac}${mac}${mac}${mac}\"\n"
	"host big01 mac 00:0c:29:00:00:02 boot http \"/${mac}/${mac}/${mac}/${mac}/${mac}/${mac}/x.efi\"\n"
	"deny mac 00:0c:29:5e:f2:3f\n"
	"class ipxe     match user-class \"iPXE\"         boot https \"/boot/${class}-${arch}.ipxe\"\n"
	"class httpboot match vendor-class \"HTTPClient\" boot http \"/boot/${arch}/ipxe.efi\"\n"
	"class bios     match arch 0                    boot tftp \"undionly.kpxe\"\n"
	"class uefi     match arch 7 9                  boot tftp \"uefi/${mac}.efi\"\n"
	"class arm      match arch 11 match vendor-class \"PXEClient\" boot tftp \"arm64/ipxe.efi\"\n"
	"class lab      match user-class \"lab\" match arch 7 boot tftp \"lab/${hostname}.efi\"\n"
	"class fallback match any                       boot tftp \"fallback/${ip}.bin\"\n";

static const char proxy_text[] =
	"dhcp proxy {\n"
	"	next-server 192.168.10.9\n"
	"	discover-rate-per-mac 2\n"
	"	discover-rate 100\n"
	"}\n"
	"deny mac 00:0c:29:5e:f2:3f\n"
	"host kiosk01 mac 3c:52:82:44:55:66 boot tftp \"kiosk/${hostname}.efi\"\n"
	"host web01 mac 00:0c:29:f6:07:ca boot http \"/hosts/${mac}/${ip}.ipxe\"\n"
	"class ipxe match user-class \"iPXE\"          boot http \"/boot/menu.ipxe\"\n"
	"class http match vendor-class \"HTTPClient\"  boot http \"/boot/${arch}.efi\"\n"
	"class bios match arch 0                     boot tftp \"undionly.kpxe\"\n"
	"class uefi match arch 7 9                   boot tftp \"ipxe.efi\"\n";

struct world {
	struct policy policy;
	struct lease_table leases;
	struct dhcp_engine engine;
	bool live;
};

static struct world auth, proxy;
static struct dhcp_msg req, back;
static struct dhcp_decision dec;
static uint8_t buf[DHCP_PACKET_MAX + CANARY_LEN];
static unsigned long inputs;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static struct in_addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct in_addr x;

	x.s_addr = htonl((uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d);
	return x;
}

static void world_reset(struct world *w)
{
	static const uint8_t key[LEASE_HASH_KEY_SIZE] = { 7, 6, 5, 4, 3, 2, 1, 0, 8, 9, 10, 11, 12, 13, 14, 15 };
	const char *why = NULL;

	if (w->live)
		lease_table_free(&w->leases);
	w->live = false;
	if (lease_table_init(&w->leases, &w->policy.dhcp, key, &why) != 0) {
		fprintf(stderr, "fuzz_decide: lease table: %s\n", why);
		abort();
	}
	w->live = true;
	memset(&w->engine, 0, sizeof w->engine);
	w->engine.policy = &w->policy;
	w->engine.leases = &w->leases;
}

static void world_init(struct world *w, const char *text, enum policy_dhcp_mode mode)
{
	static struct policy_errors errs;
	static char msg[4096];

	if (policy_parse(text, strlen(text), "fuzz.policy", &w->policy, &errs) != 0) {
		fprintf(stderr, "fuzz_decide: policy:\n%s", policy_errors_format(&errs, msg, sizeof msg));
		abort();
	}
	check(w->policy.dhcp.mode == mode);
	world_reset(w);
}

/* ---- what the engine promises -------------------------------------------------------- */

static uint32_t mask_of(const struct policy_subnet *s)
{
	return s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
}

static bool in_subnet(const struct policy_subnet *s, struct in_addr a)
{
	return (ntohl(a.s_addr) & mask_of(s)) == ntohl(s->network.s_addr);
}

/* The subnet a message is about (RFC 2131 §4.3.1): the relay's, else the
 * client's address's, else the arrival interface's. */
static const struct policy_subnet *subnet_for(const struct policy *p, const struct dhcp_msg *m,
					      const struct dhcp_arrival *a)
{
	struct in_addr key = m->giaddr.s_addr ? m->giaddr : m->ciaddr.s_addr ? m->ciaddr : a->local;

	for (size_t i = 0; i < p->dhcp.n_subnets; i++)
		if (in_subnet(&p->dhcp.subnets[i], key))
			return &p->dhcp.subnets[i];
	return NULL;
}

static bool in_range(const struct policy_subnet *s, struct in_addr a)
{
	uint32_t x = ntohl(a.s_addr);

	return s->range_low.s_addr && x >= ntohl(s->range_low.s_addr) && x <= ntohl(s->range_high.s_addr);
}

static const struct policy_host *host_with_address(const struct policy *p, struct in_addr a)
{
	for (size_t i = 0; i < p->dhcp.n_hosts; i++)
		if (p->dhcp.hosts[i].address.s_addr && p->dhcp.hosts[i].address.s_addr == a.s_addr)
			return &p->dhcp.hosts[i];
	return NULL;
}

static bool denied(const struct policy *p, const struct dhcp_msg *m)
{
	for (size_t i = 0; i < p->dhcp.n_deny; i++)
		if (memcmp(p->dhcp.deny[i], m->chaddr, 6) == 0)
			return true;
	return false;
}

static bool same_bytes(const struct dhcp_msg *m, uint8_t code, const void *want, size_t n)
{
	const uint8_t *v;
	size_t len;

	if (!dhcp_get_option(m, code, &v, &len))
		return want == NULL || n == 0;
	return want && len == n && memcmp(v, want, n) == 0;
}

static bool same_string(const struct dhcp_msg *m, uint8_t code, const char *s)
{
	return same_bytes(m, code, s && s[0] ? s : NULL, s ? strlen(s) : 0);
}

/* An address the engine handed out in authoritative mode: in the subnet the
 * message is about, and in its range or the client's own fixed address. */
static void check_address(const struct policy *p, const struct policy_subnet *s, struct in_addr yi)
{
	const struct policy_host *h = host_with_address(p, yi);

	check(s && in_subnet(s, yi));
	if (h)
		check(memcmp(h->mac, req.chaddr, 6) == 0);
	else
		check(in_range(s, yi));
}

static void check_times(const struct policy_subnet *s, const struct dhcp_reply *r)
{
	check(r->lease_time == s->lease_s);
	check(r->renewal_time == (s->renew_s ? s->renew_s : s->lease_s / 2));
	check(r->rebinding_time == (s->rebind_s ? s->rebind_s : (uint32_t)((uint64_t)s->lease_s * 7 / 8)));
	check(r->renewal_time < r->rebinding_time && r->rebinding_time < r->lease_time);
}

static void check_destination(const struct dhcp_arrival *a)
{
	check(dec.ifindex == a->ifindex);
	if (a->pxe_port) {
		check(dec.to.s_addr == a->src.s_addr && dec.to_port == a->src_port);
	} else if (req.giaddr.s_addr) {
		check(dec.to.s_addr == req.giaddr.s_addr && dec.to_port == DHCP_SERVER_PORT);
	} else if (req.ciaddr.s_addr && dec.reply.type != DHCPNAK) {
		check(dec.to.s_addr == req.ciaddr.s_addr && dec.to_port == DHCP_CLIENT_PORT);
	} else {
		check(dec.to.s_addr == htonl(INADDR_BROADCAST) && dec.to_port == DHCP_CLIENT_PORT);
	}
}

static void check_record(const struct world *w, uint64_t now)
{
	uint8_t rec[JOURNAL_RECORD_MAX];
	const struct lease *l;

	/* the worker exits when a record cannot be journaled */
	check(journal_encode(&dec.record, rec, sizeof rec) > 0);
	switch (dec.record.type) {
	case JOURNAL_BIND:
		check(req.type == DHCPREQUEST && dec.action == DHCP_SEND && dec.reply.type == DHCPACK);
		check(dec.record.addr == ntohl(dec.reply.yiaddr.s_addr));
		check(dec.record.expiry > now);
		check(memcmp(dec.record.client.mac, req.chaddr, 6) == 0);
		l = lease_find_addr(&w->leases, dec.record.addr);
		check(l && l->state == LEASE_BOUND && l->expiry == dec.record.expiry);
		check(lease_client_same(&l->client, &dec.record.client));
		check(strcmp(l->hostname, dec.record.hostname) == 0);
		break;
	case JOURNAL_RELEASE:
		check(req.type == DHCPRELEASE && dec.action == DHCP_RECORD_ONLY);
		check(dec.record.addr == ntohl(req.ciaddr.s_addr));
		l = lease_find_addr(&w->leases, dec.record.addr);
		check(l && l->state == LEASE_RELEASED);
		break;
	case JOURNAL_DECLINE:
		check(req.type == DHCPDECLINE && dec.action == DHCP_RECORD_ONLY);
		check(dec.record.addr == ntohl(req.requested_addr.s_addr));
		check(dec.record.expiry == now + DECIDE_QUARANTINE_S);
		l = lease_find_addr(&w->leases, dec.record.addr);
		check(l && l->state == LEASE_DECLINED && l->expiry == dec.record.expiry);
		break;
	default:
		check(false);
	}
}

static void check_boot(const struct policy *p)
{
	const struct dhcp_reply *r = &dec.reply;
	const struct policy_class *c = dhcp_match_class(p, &req);

	if (r->type == DHCPNAK)
		return;
	/* the class the engine logs is the one it matched */
	check(!c || (c >= p->dhcp.classes && c < p->dhcp.classes + p->dhcp.n_classes));
	check(strcmp(dec.class_name, c ? c->name : "-") == 0);
	if (!r->bootfile) {
		check(!r->file && !r->tftp_server && !r->siaddr.s_addr);
		return;
	}
	check(strlen(r->bootfile) < sizeof dec.bootfile);
	if (r->file)
		check(strcmp(r->file, r->bootfile) == 0 && strlen(r->file) < DHCP_FILE_LEN);
	else
		check(strlen(r->bootfile) >= DHCP_FILE_LEN);
	if (r->tftp_server) /* TFTP: the server is named twice, the same */
		check(r->siaddr.s_addr && inet_addr(r->tftp_server) == r->siaddr.s_addr);
	else
		check(strncmp(r->bootfile, "http://", 7) == 0 || strncmp(r->bootfile, "https://", 8) == 0);
}

/* Build the reply, check the canary, parse it back and compare. */
static void check_wire(void)
{
	const struct dhcp_reply *r = &dec.reply;
	const char *why = NULL;
	size_t len;

	memset(buf, CANARY, sizeof buf);
	len = dhcp_build_reply(buf, DHCP_PACKET_MAX, &req, r, &why);
	for (size_t i = DHCP_PACKET_MAX; i < sizeof buf; i++)
		check(buf[i] == CANARY);
	if (len == 0) {
		/* only a client's own long options (82, 61) can crowd a reply out */
		check(why && strcmp(why, "options do not fit in the reply") == 0);
		return;
	}
	why = NULL;
	check(dhcp_parse(buf, len, &back, &why) == 0);
	check(back.op == DHCP_BOOTREPLY && back.type == r->type && back.xid == req.xid);
	check(back.yiaddr.s_addr == r->yiaddr.s_addr && back.siaddr.s_addr == r->siaddr.s_addr);
	check(back.giaddr.s_addr == req.giaddr.s_addr);
	check(back.has_server_id && back.server_id.s_addr == r->server_id.s_addr);
	check(back.has_lease_time == (r->lease_time != 0));
	if (back.has_lease_time)
		check(back.lease_time == r->lease_time);
	check(same_string(&back, DHCP_OPT_BOOTFILE, r->bootfile));
	check(same_string(&back, DHCP_OPT_TFTP_SERVER, r->tftp_server));
	check(same_string(&back, DHCP_OPT_VENDOR_CLASS, r->vendor_class));
	check(same_string(&back, DHCP_OPT_MESSAGE, r->message));
	check(same_bytes(&back, DHCP_OPT_VENDOR_OPTS, r->vendor_opts, r->vendor_opts_len));
	if (r->file)
		check(strncmp((const char *)back.file, r->file, DHCP_FILE_LEN) == 0);
}

static void check_send(const struct world *w, const struct dhcp_arrival *a, bool is_proxy)
{
	static const uint8_t pxe_opts[] = { 6, 1, 8, 255 };
	const struct policy *p = &w->policy;
	const struct dhcp_reply *r = &dec.reply;
	const struct policy_subnet *s;
	struct lease_client who;
	const uint8_t *id;
	size_t id_len;

	/* the identity leases are keyed by: option 61, else htype and chaddr */
	if (!dhcp_get_option(&req, DHCP_OPT_CLIENT_ID, &id, &id_len) ||
	    lease_client_make(&who, id, id_len, req.htype, req.chaddr, req.hlen) < 0)
		check(lease_client_make(&who, NULL, 0, req.htype, req.chaddr, req.hlen) == 0);

	check(r->server_id.s_addr != 0 && r->server_id.s_addr == a->local.s_addr);
	check(r->type == DHCPOFFER || r->type == DHCPACK || r->type == DHCPNAK);
	check(req.op == DHCP_BOOTREQUEST && req.ethernet && !denied(p, &req));
	check_destination(a);
	if (r->type == DHCPNAK) {
		check(!is_proxy && req.type == DHCPREQUEST && !dec.has_record);
		check(!r->yiaddr.s_addr && !r->siaddr.s_addr && !r->lease_time && !r->bootfile && !r->file);
		check(r->message && r->message[0]);
	} else {
		check_boot(p);
	}
	if (is_proxy) {
		check(!r->yiaddr.s_addr && !r->lease_time && !r->subnet_mask.s_addr && !r->n_router);
		check(r->bootfile != NULL);
		check(r->vendor_opts_len == sizeof pxe_opts && memcmp(r->vendor_opts, pxe_opts, sizeof pxe_opts) == 0);
		check(r->vendor_class && (strcmp(r->vendor_class, "PXEClient") == 0 ||
					  strcmp(r->vendor_class, "HTTPClient") == 0));
		check(r->type == (req.type == DHCPDISCOVER && !a->pxe_port ? DHCPOFFER : DHCPACK));
		check(!dec.has_record);
	} else {
		s = subnet_for(p, &req, a);
		check(s != NULL && !a->pxe_port);
		if (r->type == DHCPOFFER) {
			const struct lease *l = lease_find_addr(&w->leases, ntohl(r->yiaddr.s_addr));

			check(req.type == DHCPDISCOVER && !dec.has_record);
			check_address(p, s, r->yiaddr);
			check_times(s, r);
			check(l && (l->state == LEASE_OFFERED || l->state == LEASE_BOUND));
			check(lease_client_same(&l->client, &who));
		} else if (r->type == DHCPACK && req.type == DHCPINFORM) {
			check(!r->yiaddr.s_addr && !r->lease_time && !dec.has_record && req.ciaddr.s_addr);
		} else if (r->type == DHCPACK) {
			check(req.type == DHCPREQUEST && dec.has_record);
			check_address(p, s, r->yiaddr);
			check_times(s, r);
		}
	}
	check_wire();
}

static void check_decision(const struct world *w, const struct dhcp_arrival *a, uint64_t now, bool is_proxy)
{
	const char *why = NULL;

	check(dec.why != NULL && dec.class_name != NULL);
	switch (dec.action) {
	case DHCP_DROP:
		check(!dec.has_record);
		break;
	case DHCP_RECORD_ONLY:
		check(!is_proxy && dec.has_record);
		check(dec.record.type == JOURNAL_RELEASE || dec.record.type == JOURNAL_DECLINE);
		break;
	case DHCP_SEND:
		check_send(w, a, is_proxy);
		break;
	default:
		check(false);
	}
	if (dec.has_record)
		check_record(w, now);
	if (denied(&w->policy, &req) && req.op == DHCP_BOOTREQUEST && req.ethernet)
		check(dec.action == DHCP_DROP && strcmp(dec.why, "denied by policy") == 0);
	check(lease_check_invariants(&auth.leases, &why) == 0);
	check(lease_check_invariants(&proxy.leases, &why) == 0);
}

/* Boot path expansion on a template taken from the input's tail, into a
 * buffer of a size taken from its length. */
static void fuzz_expand(const uint8_t *data, size_t size)
{
	char tmpl[64], out[128 + CANARY_LEN];
	size_t n = size < sizeof tmpl - 1 ? size : sizeof tmpl - 1, cap = size % 129;
	int rc;

	memcpy(tmpl, data + size - n, n);
	tmpl[n] = '\0';
	memset(out, CANARY, sizeof out);
	rc = dhcp_expand_path(out, cap, tmpl, "uefi", &req, "node-1", req.ciaddr);
	for (size_t i = cap; i < sizeof out; i++)
		check((uint8_t)out[i] == CANARY);
	check(rc == 0 || rc == -1);
	if (rc == 0) {
		check(cap > 0 && strlen(out) < cap);
		if (!strstr(tmpl, "${"))
			check(strcmp(out, tmpl) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *why = NULL;
	struct dhcp_arrival a;
	struct world *w;
	uint32_t t;
	uint64_t now;
	uint8_t c;

	if (!ready) {
		world_init(&auth, auth_text, POLICY_DHCP_AUTHORITATIVE);
		world_init(&proxy, proxy_text, POLICY_DHCP_PROXY);
		ready = true;
	}
	if (++inputs % RESET_EVERY == 0) {
		world_reset(&auth);
		world_reset(&proxy);
	}
	if (size < 5)
		return 0;
	c = data[0];
	t = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
	now = T0 + (t & 0x80000000u ? t & 0x7fffffffu : t & 1023u);
	data += 5;
	size -= 5;

	if (dhcp_parse(data, size, &req, &why) != 0) {
		check(why != NULL);
		return 0;
	}

	w = c & 1 ? &proxy : &auth;
	memset(&a, 0, sizeof a);
	a.broadcast = c >> 1 & 1;
	a.pxe_port = c >> 2 & 1;
	a.ifindex = 2 + (c >> 3 & 3);
	switch (c >> 3 & 3) {
	case 0: a.local = addr4(10, 33, 1, 1); break;
	case 1: a.local = addr4(10, 34, 1, 1); break;
	case 2: a.local = addr4(192, 168, 10, 5); break;
	default: a.local = addr4(10, 35, 0, 2); break;
	}
	switch (c >> 5 & 3) {
	case 0: a.src = addr4(0, 0, 0, 0); a.src_port = DHCP_CLIENT_PORT; break;
	case 1: a.src = req.ciaddr; a.src_port = DHCP_CLIENT_PORT; break;
	case 2: a.src = req.giaddr; a.src_port = DHCP_SERVER_PORT; break;
	default: a.src = addr4(10, 33, 1, 77); a.src_port = DHCP_PXE_PORT; break;
	}

	memset(&dec, 0xa5, sizeof dec); /* dhcp_decide must fill it */
	dhcp_decide(&w->engine, &req, &a, now, &dec);
	check_decision(w, &a, now, w == &proxy);
	if (dec.action == DHCP_DROP && strcmp(dec.why, "no free address") == 0)
		world_reset(w);
	fuzz_expand(data, size);
	return 0;
}
