/* fuzz_dhcp.c — harness for the DHCP codec.
 *
 * The input is one packet as it arrives on port 67, so the seed corpus is
 * plain packets.  It is parsed and the parsed view checked; when it parses
 * as a request, a reply chosen by bits of its xid is built into a buffer of
 * a chosen size followed by a canary, and the reply is parsed back and
 * compared with what was asked for.  Whether the build must succeed or must
 * fail is worked out here independently from the option sizes.  A violation
 * aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcpd/dhcp.h"

#define CANARY_LEN 64
#define CANARY 0xc5

static struct dhcp_msg req, back;
static uint8_t buf[DHCP_PACKET_MAX + CANARY_LEN];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static size_t wire_size(size_t len)
{
	size_t instances = len == 0 ? 1 : (len + 254) / 255;

	return 2 * instances + len;
}

static bool same_option(const struct dhcp_msg *a, const struct dhcp_msg *b, uint8_t code)
{
	const uint8_t *va, *vb;
	size_t la, lb;
	bool pa = dhcp_get_option(a, code, &va, &la), pb = dhcp_get_option(b, code, &vb, &lb);

	if (!pa || !pb)
		return pa == pb;
	return la == lb && (la == 0 || memcmp(va, vb, la) == 0);
}

static bool option_is(const struct dhcp_msg *m, uint8_t code, const void *want, size_t n)
{
	const uint8_t *v;
	size_t len;

	if (!dhcp_get_option(m, code, &v, &len))
		return n == 0 && want == NULL;
	return want && len == n && (n == 0 || memcmp(v, want, n) == 0);
}

/* ---- the parsed view ------------------------------------------------------ */

static void check_parsed(const struct dhcp_msg *m, size_t len)
{
	const uint8_t *v, *id;
	size_t total = 0, n, idlen;
	char s[DHCP_HWADDR_STR_MAX];

	check(m->op == DHCP_BOOTREQUEST || m->op == DHCP_BOOTREPLY);
	check(m->type >= DHCPDISCOVER && m->type <= DHCPINFORM);
	check(m->hlen <= DHCP_CHADDR_LEN);
	check(m->ethernet == (m->htype == 1 && m->hlen == 6));
	check(m->overload <= DHCP_OVERLOAD_BOTH);
	check(m->max_msg_size >= DHCP_MAX_MSG_DEFAULT);
	for (unsigned c = 1; c < 255; c++) {
		if (!dhcp_get_option(m, (uint8_t)c, &v, &n))
			continue;
		check(v >= m->data && v + n <= m->data + sizeof m->data);
		total += n;
	}
	/* concatenated values are made of distinct bytes of the packet */
	check(total <= len);
	check(!dhcp_get_option(m, 0, &v, &n) && !dhcp_get_option(m, 255, &v, &n));
	n = dhcp_client_identity(m, &id);
	check(n >= 1);
	if (!dhcp_get_option(m, DHCP_OPT_CLIENT_ID, &v, &idlen))
		check(n == 1u + m->hlen && id[0] == m->htype);
	else
		check(n >= 2 && id == v);
	if (m->has_arch)
		check(dhcp_get_option(m, DHCP_OPT_CLIENT_ARCH, &v, &n) && n >= 2 && n % 2 == 0);

	/* helpers and formatters on every cap */
	(void)dhcp_is_pxe_client(m);
	(void)dhcp_is_http_client(m);
	(void)dhcp_user_class_is(m, "iPXE");
	(void)dhcp_has_ipxe_options(m);
	check(strcmp(dhcp_message_type_name(m->type), "unknown") != 0);
	for (size_t cap = 1; cap <= sizeof s; cap += 5) {
		dhcp_format_hwaddr(s, cap, m);
		check(strlen(s) < cap);
		dhcp_format_client_id(s, cap, m);
		check(strlen(s) < cap);
	}
}

/* ---- the reply ------------------------------------------------------------- */

static const char long_text[] =
	"a-long-name-for-a-host-in-a-data-centre-rack-with-many-machines-"
	"that-needs-more-than-one-option-instance-to-be-sent-to-the-client-"
	"because-it-is-longer-than-two-hundred-and-fifty-five-bytes-which-"
	"is-the-most-one-instance-of-a-dhcp-option-can-carry-on-the-wire-x";

struct plan {
	struct dhcp_reply r;
	size_t cap;
	uint8_t vendor[600];
};

/* Reply fields from the bits of xid; option 43's bytes from the packet. */
static void make_plan(struct plan *p, const struct dhcp_msg *m, const uint8_t *data, size_t size)
{
	static const size_t caps[8] = { 300, 320, 400, 548, 576, 1000, 1500, DHCP_PACKET_MAX };
	static const size_t vlens[8] = { 0, 1, 40, 254, 255, 256, 300, 600 };
	static const uint8_t types[4] = { DHCPOFFER, DHCPACK, DHCPNAK, DHCPACK };
	uint32_t x = m->xid;
	struct dhcp_reply *r = &p->r;
	size_t vlen = vlens[(x >> 7) & 7];

	memset(p, 0, sizeof *p);
	p->cap = caps[(x >> 2) & 7];
	r->type = types[x & 3];
	r->server_id.s_addr = 0x0101210a;
	r->message = x >> 16 & 1 ? "no address for you" : NULL;
	if (r->type == DHCPNAK)
		return;
	r->yiaddr.s_addr = m->type == DHCPINFORM ? 0 : 0x9601210a;
	r->siaddr.s_addr = 0x0101210a;
	r->file = x >> 5 & 1 ? (x >> 12 & 1 ? long_text + sizeof long_text - 128 : "undionly.kpxe") : NULL;
	r->sname = x >> 6 & 1 ? "bootward" : NULL;
	for (size_t i = 0; i < vlen; i++)
		p->vendor[i] = size ? data[i % size] : 0;
	r->vendor_opts = vlen ? p->vendor : NULL;
	r->vendor_opts_len = vlen;
	r->echo_uuid = x >> 10 & 1;
	r->hostname = x >> 11 & 1 ? long_text + 100 : "node-17";
	r->bootfile = x >> 12 & 1 ? long_text : "ipxe.efi";
	r->n_dns = x >> 13 & 7;
	for (size_t i = 0; i < r->n_dns; i++)
		r->dns[i].s_addr = (uint32_t)(0x0001210a + (i << 24));
	if (m->type != DHCPINFORM && (x >> 17 & 1)) {
		r->lease_time = 3600;
		r->renewal_time = 1800;
		r->rebinding_time = 3150;
	}
	r->subnet_mask.s_addr = x >> 18 & 1 ? 0x0000ffff : 0;
	r->n_router = x >> 19 & 1;
	r->router[0].s_addr = 0xfe01210a;
	r->vendor_class = x >> 20 & 1 ? "PXEClient" : NULL;
	r->tftp_server = x >> 21 & 1 ? "10.33.1.1" : NULL;
}

static size_t string_wire(const char *s)
{
	return s && s[0] ? wire_size(strlen(s)) : 0;
}

/* Bytes all options take when laid out without overload, end included. */
static size_t options_size(const struct plan *p, const struct dhcp_msg *m)
{
	const struct dhcp_reply *r = &p->r;
	const uint8_t *v;
	size_t n, total = 3 + 6 + 1; /* 53, 54, end */

	total += r->lease_time ? 18 : 0;
	total += r->subnet_mask.s_addr ? 6 : 0;
	total += r->n_router ? wire_size(4 * r->n_router) : 0;
	total += r->n_dns ? wire_size(4 * r->n_dns) : 0;
	total += string_wire(r->hostname) + string_wire(r->bootfile) + string_wire(r->message);
	total += string_wire(r->vendor_class) + string_wire(r->tftp_server);
	total += r->vendor_opts_len ? wire_size(r->vendor_opts_len) : 0;
	if (dhcp_get_option(m, DHCP_OPT_CLIENT_ID, &v, &n))
		total += wire_size(n);
	if (dhcp_get_option(m, DHCP_OPT_RELAY_AGENT, &v, &n))
		total += wire_size(n);
	if (r->echo_uuid && m->has_uuid)
		total += 19;
	return total;
}

/* The options field in order: 53 first, 82 (if any) last, end after. */
static void check_options_field(const uint8_t *p, size_t len, bool relay)
{
	size_t i = DHCP_OPTIONS_OFFSET;
	uint8_t last = 0;

	check(p[i] == DHCP_OPT_MESSAGE_TYPE);
	while (i < len && p[i] != DHCP_OPT_END) {
		check(p[i] != DHCP_OPT_PAD && i + 2 <= len && i + 2 + p[i + 1] <= len);
		check(last != DHCP_OPT_RELAY_AGENT || p[i] == DHCP_OPT_RELAY_AGENT);
		last = p[i];
		i += 2 + (size_t)p[i + 1];
	}
	check(i < len);
	check(relay == (last == DHCP_OPT_RELAY_AGENT));
	for (i++; i < len; i++)
		check(p[i] == 0);
}

static void check_reply(const struct plan *p, const struct dhcp_msg *m, size_t len)
{
	const struct dhcp_reply *r = &p->r;
	const char *why = NULL;
	const uint8_t *v;
	size_t n;

	check(len >= DHCP_BOOTP_MIN_LEN && len <= p->cap);
	check(len <= (size_t)m->max_msg_size - DHCP_IP_UDP_OVERHEAD);
	check(dhcp_parse(buf, len, &back, &why) == 0);
	check_parsed(&back, len);
	check(back.op == DHCP_BOOTREPLY && back.type == r->type);
	check(back.xid == m->xid && back.flags == m->flags && back.secs == 0 && back.hops == 0);
	check(back.htype == m->htype && back.hlen == m->hlen);
	check(memcmp(back.chaddr, m->chaddr, DHCP_CHADDR_LEN) == 0);
	check(back.giaddr.s_addr == m->giaddr.s_addr);
	check(back.yiaddr.s_addr == r->yiaddr.s_addr && back.siaddr.s_addr == r->siaddr.s_addr);
	check(back.ciaddr.s_addr == (r->type == DHCPACK ? m->ciaddr.s_addr : 0));
	check(back.has_server_id && back.server_id.s_addr == r->server_id.s_addr);
	check(same_option(m, &back, DHCP_OPT_RELAY_AGENT));
	check(same_option(m, &back, DHCP_OPT_CLIENT_ID));
	check_options_field(buf, len, dhcp_get_option(m, DHCP_OPT_RELAY_AGENT, &v, &n));
	check(option_is(&back, DHCP_OPT_VENDOR_OPTS, r->vendor_opts, r->vendor_opts_len));
	check(option_is(&back, DHCP_OPT_MESSAGE, r->message, r->message ? strlen(r->message) : 0));
	if (r->type != DHCPNAK) {
		check(option_is(&back, DHCP_OPT_HOSTNAME, r->hostname, strlen(r->hostname)));
		check(option_is(&back, DHCP_OPT_BOOTFILE, r->bootfile, strlen(r->bootfile)));
		check(back.has_lease_time == (r->lease_time != 0));
		check(back.has_uuid == (r->echo_uuid && m->has_uuid));
		if (back.has_uuid)
			check(memcmp(back.uuid, m->uuid, 16) == 0);
	}
	/* fields holding boot information are never overloaded */
	if (r->file) {
		check(!(back.overload & DHCP_OVERLOAD_FILE));
		check(strncmp((const char *)back.file, r->file, DHCP_FILE_LEN) == 0);
	}
	if (r->sname) {
		check(!(back.overload & DHCP_OVERLOAD_SNAME));
		check(strncmp((const char *)back.sname, r->sname, DHCP_SNAME_LEN) == 0);
	}
	/* a reply is no request */
	why = NULL;
	check(dhcp_build_reply(buf, p->cap, &back, r, &why) == 0 && why != NULL);
}

static void fuzz_build(const struct dhcp_msg *m, const uint8_t *data, size_t size)
{
	static struct plan p;
	const char *why = NULL;
	size_t len, limit, need;

	make_plan(&p, m, data, size);
	memset(buf, CANARY, sizeof buf);
	len = dhcp_build_reply(buf, p.cap, m, &p.r, &why);
	for (size_t i = p.cap; i < p.cap + CANARY_LEN; i++)
		check(buf[i] == CANARY);

	limit = (size_t)m->max_msg_size - DHCP_IP_UDP_OVERHEAD;
	if (limit > p.cap)
		limit = p.cap;
	need = options_size(&p, m);
	if (m->op != DHCP_BOOTREQUEST || (m->type == DHCPINFORM && p.r.lease_time)) {
		check(len == 0 && why != NULL);
		return;
	}
	if (need <= limit - DHCP_OPTIONS_OFFSET)
		check(len > 0); /* everything fits in the options field */
	if (need > limit - DHCP_OPTIONS_OFFSET + DHCP_FILE_LEN + DHCP_SNAME_LEN)
		check(len == 0); /* not even with both fields overloaded */
	if (len == 0) {
		check(why != NULL);
		return;
	}
	check_reply(&p, m, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;

	if (dhcp_parse(data, size, &req, &why) != 0) {
		check(why != NULL);
		return 0;
	}
	check_parsed(&req, size);
	fuzz_build(&req, data, size);
	return 0;
}
