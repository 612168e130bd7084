/* decide.c — the DHCP server's answers (RFC 2131 §4.3), proxyDHCP (PXE 2.1)
 * and the boot decision by client class. */
#include "dhcpd/decide.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* PXE vendor options for proxy replies: discovery control (6) = 8, "boot the
 * file named in this packet, do not discover boot servers", then end. */
static const uint8_t pxe_vendor_opts[] = { 6, 1, 8, 255 };

static const struct policy_host *find_host(const struct policy *p, const struct dhcp_msg *m)
{
	if (!m->ethernet)
		return NULL;
	for (size_t i = 0; i < p->dhcp.n_hosts; i++)
		if (memcmp(p->dhcp.hosts[i].mac, m->chaddr, 6) == 0)
			return &p->dhcp.hosts[i];
	return NULL;
}

static bool is_denied(const struct policy *p, const struct dhcp_msg *m)
{
	for (size_t i = 0; i < p->dhcp.n_deny; i++)
		if (memcmp(p->dhcp.deny[i], m->chaddr, 6) == 0)
			return true;
	return false;
}

static bool in_subnet(const struct policy_subnet *s, struct in_addr a)
{
	uint32_t mask = s->prefix_len ? ~0u << (32 - s->prefix_len) : 0;
	return (ntohl(a.s_addr) & mask) == ntohl(s->network.s_addr);
}

/* The subnet a message is about: the relay's, else the client's current
 * address's, else the arrival interface's (RFC 2131 §4.3.1). */
static int subnet_for(const struct policy *p, const struct dhcp_msg *m, const struct dhcp_arrival *a)
{
	struct in_addr key = m->giaddr.s_addr ? m->giaddr : m->ciaddr.s_addr ? m->ciaddr : a->local;

	for (size_t i = 0; i < p->dhcp.n_subnets; i++)
		if (in_subnet(&p->dhcp.subnets[i], key))
			return (int)i;
	return -1;
}

static bool client_is_ipxe(const struct dhcp_msg *m)
{
	return dhcp_user_class_is(m, "iPXE") || dhcp_has_ipxe_options(m);
}

static bool client_is_pxe(const struct dhcp_msg *m)
{
	return dhcp_is_pxe_client(m) || dhcp_is_http_client(m) || m->has_arch || client_is_ipxe(m);
}

static bool vendor_class_starts(const struct dhcp_msg *m, const char *prefix)
{
	const uint8_t *v;
	size_t len, n = strlen(prefix);
	return dhcp_get_option(m, DHCP_OPT_VENDOR_CLASS, &v, &len) && len >= n && memcmp(v, prefix, n) == 0;
}

static bool class_matches(const struct policy_class *c, const struct dhcp_msg *m)
{
	if (c->n_arch) {
		bool any = false;
		for (size_t i = 0; i < c->n_arch && m->has_arch; i++)
			any |= c->arch[i] == m->arch;
		if (!any)
			return false;
	}
	if (c->user_class[0] && !dhcp_user_class_is(m, c->user_class))
		return false;
	if (c->vendor_class[0] && !vendor_class_starts(m, c->vendor_class))
		return false;
	return true;
}

const struct policy_class *dhcp_match_class(const struct policy *p, const struct dhcp_msg *m)
{
	const struct policy_dhcp *d = &p->dhcp;

	/* iPXE sends the firmware's architecture too: without these passes a
	 * BIOS class would hand it undionly.kpxe again, forever.  First the
	 * user class it sent; then, for an iPXE that said so only with option
	 * 175, the classes for user class "iPXE". */
	if (client_is_ipxe(m)) {
		for (size_t i = 0; i < d->n_classes; i++)
			if (d->classes[i].user_class[0] && class_matches(&d->classes[i], m))
				return &d->classes[i];
		for (size_t i = 0; i < d->n_classes; i++) {
			struct policy_class c = d->classes[i];
			if (strcmp(c.user_class, "iPXE") != 0)
				continue;
			c.user_class[0] = '\0'; /* the rest of its criteria must still match */
			if (class_matches(&c, m))
				return &d->classes[i];
		}
	}
	for (size_t i = 0; i < d->n_classes; i++)
		if (class_matches(&d->classes[i], m))
			return &d->classes[i];
	return NULL;
}

static bool append(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	if (*o + n >= cap)
		return false;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return true;
}

int dhcp_expand_path(char *out, size_t cap, const char *path, const char *class_name,
		     const struct dhcp_msg *m, const char *hostname, struct in_addr ip)
{
	size_t o = 0;

	if (!cap)
		return -1;
	out[0] = '\0';
	for (const char *s = path; *s;) {
		if (s[0] != '$' || s[1] != '{') {
			if (!append(out, cap, &o, s, 1))
				return -1;
			s++;
			continue;
		}
		const char *end = strchr(s, '}');
		if (!end)
			return -1;
		char val[64];
		size_t name_len = (size_t)(end - s - 2);
		const char *name = s + 2;
		if (name_len == 5 && !memcmp(name, "class", 5))
			snprintf(val, sizeof val, "%s", class_name ? class_name : "");
		else if (name_len == 3 && !memcmp(name, "mac", 3))
			dhcp_format_hwaddr(val, sizeof val, m);
		else if (name_len == 8 && !memcmp(name, "hostname", 8))
			snprintf(val, sizeof val, "%s", hostname ? hostname : "");
		else if (name_len == 2 && !memcmp(name, "ip", 2))
			inet_ntop(AF_INET, &ip, val, sizeof val);
		else if (name_len == 4 && !memcmp(name, "arch", 4))
			snprintf(val, sizeof val, "%u", m->has_arch ? (unsigned)m->arch : 0u);
		else
			return -1;
		if (!append(out, cap, &o, val, strlen(val)))
			return -1;
		s = end + 1;
	}
	return 0;
}

static void drop(struct dhcp_decision *d, const char *why)
{
	d->action = DHCP_DROP;
	d->why = why;
}

/* RFC 2131 §4.1: to the relay; else to a client that has an address; else
 * broadcast on the arrival interface. */
static void set_destination(struct dhcp_decision *d, const struct dhcp_msg *m, const struct dhcp_arrival *a)
{
	d->ifindex = a->ifindex;
	if (a->pxe_port) {
		d->to = a->src;
		d->to_port = a->src_port;
	} else if (m->giaddr.s_addr) {
		d->to = m->giaddr;
		d->to_port = DHCP_SERVER_PORT;
	} else if (m->ciaddr.s_addr && d->reply.type != DHCPNAK) {
		d->to = m->ciaddr;
		d->to_port = DHCP_CLIENT_PORT;
	} else {
		d->to.s_addr = htonl(INADDR_BROADCAST);
		d->to_port = DHCP_CLIENT_PORT;
	}
}

static void network_options(struct dhcp_decision *d, const struct policy_subnet *s, bool with_lease)
{
	struct dhcp_reply *r = &d->reply;

	r->subnet_mask.s_addr = htonl(s->prefix_len ? ~0u << (32 - s->prefix_len) : 0);
	if (s->router.s_addr)
		r->router[r->n_router++] = s->router;
	for (size_t i = 0; i < s->n_dns && i < DHCP_REPLY_ADDRS_MAX; i++)
		r->dns[r->n_dns++] = s->dns[i];
	if (s->domain[0])
		r->domain_name = s->domain;
	if (with_lease) {
		r->lease_time = s->lease_s;
		r->renewal_time = s->renew_s ? s->renew_s : s->lease_s / 2;
		r->rebinding_time = s->rebind_s ? s->rebind_s : (uint32_t)((uint64_t)s->lease_s * 7 / 8);
	}
}

/* Boot information for a PXE, UEFI HTTP or iPXE client; nothing for others. */
static int boot_options(struct dhcp_decision *d, const struct policy *p, const struct dhcp_msg *m,
			const struct dhcp_arrival *a, const struct policy_host *host, struct in_addr ip)
{
	struct dhcp_reply *r = &d->reply;
	const struct policy_class *c = dhcp_match_class(p, m);
	const struct policy_boot *boot = host && host->boot.proto != POLICY_BOOT_NONE ? &host->boot :
					 c ? &c->boot : NULL;
	struct in_addr server = p->dhcp.next_server.s_addr ? p->dhcp.next_server : a->local;
	char path[POLICY_PATH_MAX];

	d->class_name = c ? c->name : "-";
	if (!client_is_pxe(m) || !boot)
		return 0;
	if (dhcp_expand_path(path, sizeof path, boot->path, d->class_name, m, d->hostname, ip) < 0)
		return -1;
	inet_ntop(AF_INET, &server, d->tftp_server, sizeof d->tftp_server);
	if (boot->proto == POLICY_BOOT_TFTP) {
		snprintf(d->bootfile, sizeof d->bootfile, "%s", path);
		r->siaddr = server;
		r->tftp_server = d->tftp_server;
	} else {
		bool tls = boot->proto == POLICY_BOOT_HTTPS;
		/* The scheme's own port is left out; without an https statement
		 * (HTTP served elsewhere at this address) it is the standard one. */
		unsigned port = tls ? p->https.port :
				p->https.enabled && p->https.plain_port ? p->https.plain_port : 80;
		char colon_port[8] = "";
		if (port != (tls ? 443u : 80u))
			snprintf(colon_port, sizeof colon_port, ":%u", port);
		int n = snprintf(d->bootfile, sizeof d->bootfile, "%s://%s%s%s", tls ? "https" : "http",
				 d->tftp_server, colon_port, path);
		if (n < 0 || (size_t)n >= sizeof d->bootfile)
			return -1;
		if (dhcp_is_http_client(m))
			r->vendor_class = "HTTPClient"; /* UEFI HTTP boot needs it echoed */
	}
	if (strlen(d->bootfile) < DHCP_FILE_LEN)
		r->file = d->bootfile;
	r->bootfile = d->bootfile;
	r->echo_uuid = m->has_uuid;
	return 0;
}

static bool rate_ok(struct dhcp_engine *e, const struct dhcp_msg *m, uint64_t now)
{
	const struct policy_dhcp *pd = &e->policy->dhcp;

	if (e->second != now) {
		e->second = now;
		e->discovers = 0;
	}
	if (pd->max_discover_per_s && e->discovers >= pd->max_discover_per_s)
		return false;
	/* One slot per MAC hash: a collision can only make the limit stricter. */
	uint32_t h = 2166136261u;
	for (int i = 0; i < 6; i++)
		h = (h ^ m->chaddr[i]) * 16777619u;
	struct decide_rate *r = &e->rate[h % DECIDE_RATE_SLOTS];
	if (memcmp(r->mac, m->chaddr, 6) != 0 || r->second != now) {
		memcpy(r->mac, m->chaddr, 6);
		r->second = now;
		r->count = 0;
	}
	if (pd->max_discover_per_mac_s && r->count >= pd->max_discover_per_mac_s)
		return false;
	r->count++;
	e->discovers++;
	return true;
}

static void make_client(struct lease_client *c, const struct dhcp_msg *m)
{
	const uint8_t *id = NULL;
	size_t len = 0;
	if (!dhcp_get_option(m, DHCP_OPT_CLIENT_ID, &id, &len))
		id = NULL, len = 0;
	if (lease_client_make(c, id, len, m->htype, m->chaddr, m->hlen) < 0)
		lease_client_make(c, NULL, 0, m->htype, m->chaddr, m->hlen);
}

/* The hostname a lease records: the policy's for a known host, else the
 * client's option 12 when it is a valid name. */
static void pick_hostname(struct dhcp_decision *d, const struct dhcp_msg *m, const struct policy_host *host)
{
	const uint8_t *v;
	size_t len;

	d->hostname[0] = '\0';
	if (host) {
		snprintf(d->hostname, sizeof d->hostname, "%s", host->name);
		return;
	}
	if (dhcp_get_option(m, DHCP_OPT_HOSTNAME, &v, &len) && len < sizeof d->hostname) {
		memcpy(d->hostname, v, len);
		d->hostname[len] = '\0';
		if (!lease_hostname_ok(d->hostname))
			d->hostname[0] = '\0';
	}
}

static void reply_base(struct dhcp_decision *d, uint8_t type, const struct dhcp_arrival *a)
{
	d->action = DHCP_SEND;
	d->reply.type = type;
	d->reply.server_id = a->local;
}

/* ---- proxyDHCP: boot information only, never an address ---------------- */

static void decide_proxy(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
			 uint64_t now, struct dhcp_decision *d)
{
	const struct policy *p = e->policy;
	const struct policy_host *host = find_host(p, m);

	if (!client_is_pxe(m))
		return drop(d, "not a PXE client (proxy mode)");
	if (a->pxe_port) {
		if (m->type != DHCPREQUEST && m->type != DHCPINFORM)
			return drop(d, "unexpected message on port 4011");
		reply_base(d, DHCPACK, a);
	} else if (m->type == DHCPDISCOVER) {
		if (!rate_ok(e, m, now))
			return drop(d, "rate limited");
		reply_base(d, DHCPOFFER, a);
	} else if (m->type == DHCPREQUEST && m->has_server_id && m->server_id.s_addr == a->local.s_addr) {
		reply_base(d, DHCPACK, a);
	} else {
		return drop(d, "for the other DHCP server (proxy mode)");
	}
	pick_hostname(d, m, host);
	if (boot_options(d, p, m, a, host, m->ciaddr) < 0)
		return drop(d, "boot path too long");
	if (!d->reply.bootfile)
		return drop(d, "no class matches this client");
	/* PXE 2.1: a proxy offer names itself PXEClient and says "no discovery". */
	if (!d->reply.vendor_class)
		d->reply.vendor_class = "PXEClient";
	memcpy(d->vendor_opts, pxe_vendor_opts, sizeof pxe_vendor_opts);
	d->reply.vendor_opts = d->vendor_opts;
	d->reply.vendor_opts_len = sizeof pxe_vendor_opts;
	d->why = m->type == DHCPDISCOVER ? "proxy-offer" : "proxy-ack";
	set_destination(d, m, a);
}

/* ---- authoritative ----------------------------------------------------- */

static void decide_discover(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
			    int subnet, const struct policy_host *host, const struct lease_client *c,
			    uint64_t now, struct dhcp_decision *d)
{
	const struct policy *p = e->policy;

	if (!rate_ok(e, m, now))
		return drop(d, "rate limited");
	uint32_t requested = m->has_requested_addr ? ntohl(m->requested_addr.s_addr) : 0;
	const struct lease *l = lease_offer(e->leases, (size_t)subnet, c, requested, now, p->dhcp.offer_hold_s);
	if (!l)
		return drop(d, "no free address");
	reply_base(d, DHCPOFFER, a);
	d->reply.yiaddr.s_addr = htonl(l->addr);
	network_options(d, &p->dhcp.subnets[subnet], true);
	pick_hostname(d, m, host);
	if (host)
		d->reply.hostname = d->hostname;
	if (boot_options(d, p, m, a, host, d->reply.yiaddr) < 0)
		return drop(d, "boot path too long");
	d->why = "offer";
	set_destination(d, m, a);
}

static void decide_request(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
			   int subnet, const struct policy_host *host, const struct lease_client *c,
			   uint64_t now, struct dhcp_decision *d)
{
	const struct policy *p = e->policy;
	enum lease_request_kind kind;
	uint32_t addr;

	if (m->has_server_id) {
		/* It chose another server: our offer simply lapses after offer-hold. */
		if (m->server_id.s_addr != a->local.s_addr)
			return drop(d, "client chose another server");
		if (!m->has_requested_addr)
			return drop(d, "SELECTING without a requested address");
		kind = LEASE_SELECTING;
		addr = ntohl(m->requested_addr.s_addr);
	} else if (m->has_requested_addr && !m->ciaddr.s_addr) {
		kind = LEASE_INIT_REBOOT;
		addr = ntohl(m->requested_addr.s_addr);
	} else if (m->ciaddr.s_addr) {
		kind = a->broadcast ? LEASE_REBINDING : LEASE_RENEWING;
		addr = ntohl(m->ciaddr.s_addr);
	} else {
		return drop(d, "REQUEST names no address");
	}

	const struct lease *l = NULL;
	const char *why = NULL;
	enum lease_verdict v = lease_request(e->leases, kind, (size_t)subnet, c, addr, now,
					     p->dhcp.offer_hold_s, &l, &why);
	if (v == LEASE_IGNORE)
		return drop(d, why ? why : "not ours to answer");
	if (v == LEASE_NAK) {
		reply_base(d, DHCPNAK, a);
		d->reply.message = why ? why : "address not available";
		d->why = "nak";
		set_destination(d, m, a);
		return;
	}
	const struct policy_subnet *s = &p->dhcp.subnets[subnet];
	uint64_t expiry = now + s->lease_s;
	pick_hostname(d, m, host);
	d->record = (struct journal_record){ .type = JOURNAL_BIND, .client = *c, .addr = addr, .expiry = expiry };
	snprintf(d->record.hostname, sizeof d->record.hostname, "%s", d->hostname);
	if (lease_bind(e->leases, c, addr, expiry, d->hostname) < 0)
		return drop(d, "lease table refused the binding");
	d->has_record = true;
	reply_base(d, DHCPACK, a);
	d->reply.yiaddr.s_addr = htonl(addr);
	network_options(d, s, true);
	if (host)
		d->reply.hostname = d->hostname;
	if (boot_options(d, p, m, a, host, d->reply.yiaddr) < 0)
		d->reply.file = d->reply.bootfile = NULL; /* the lease stands; no boot information */
	d->why = "ack";
	set_destination(d, m, a);
}

static void decide_decline_release(struct dhcp_engine *e, const struct dhcp_msg *m,
				   const struct dhcp_arrival *a, const struct lease_client *c,
				   uint64_t now, struct dhcp_decision *d)
{
	if (m->has_server_id && m->server_id.s_addr != a->local.s_addr)
		return drop(d, "for another server");
	if (m->type == DHCPDECLINE) {
		uint64_t until = 0;
		if (!m->has_requested_addr)
			return drop(d, "DECLINE names no address");
		uint32_t addr = ntohl(m->requested_addr.s_addr);
		if (lease_decline(e->leases, c, addr, now, DECIDE_QUARANTINE_S, &until) < 0)
			return drop(d, "DECLINE of an address not leased to this client");
		d->record = (struct journal_record){ .type = JOURNAL_DECLINE, .addr = addr, .expiry = until };
		d->why = "decline";
	} else {
		uint32_t addr = ntohl(m->ciaddr.s_addr);
		if (!addr || lease_release(e->leases, c, addr) < 0)
			return drop(d, "RELEASE of an address not leased to this client");
		d->record = (struct journal_record){ .type = JOURNAL_RELEASE, .client = *c, .addr = addr };
		d->why = "release";
	}
	d->has_record = true;
	d->action = DHCP_RECORD_ONLY;
}

static void decide_inform(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
			  int subnet, const struct policy_host *host, struct dhcp_decision *d)
{
	if (!m->ciaddr.s_addr)
		return drop(d, "INFORM without ciaddr");
	reply_base(d, DHCPACK, a);
	network_options(d, &e->policy->dhcp.subnets[subnet], false);
	pick_hostname(d, m, host);
	if (boot_options(d, e->policy, m, a, host, m->ciaddr) < 0)
		return drop(d, "boot path too long");
	d->why = "inform-ack";
	set_destination(d, m, a);
}

void dhcp_decide(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
		 uint64_t now, struct dhcp_decision *d)
{
	const struct policy *p = e->policy;

	memset(d, 0, sizeof *d);
	d->class_name = "-";
	if (m->op != DHCP_BOOTREQUEST)
		return drop(d, "not a BOOTREQUEST");
	if (!m->ethernet)
		return drop(d, "not Ethernet");
	if (is_denied(p, m))
		return drop(d, "denied by policy");
	if (p->dhcp.mode == POLICY_DHCP_PROXY)
		return decide_proxy(e, m, a, now, d);
	if (a->pxe_port)
		return drop(d, "port 4011 is for proxy mode");

	int subnet = subnet_for(p, m, a);
	if (subnet < 0)
		return drop(d, "no subnet for this client");
	const struct policy_host *host = find_host(p, m);
	struct lease_client c;
	make_client(&c, m);

	switch (m->type) {
	case DHCPDISCOVER:
		return decide_discover(e, m, a, subnet, host, &c, now, d);
	case DHCPREQUEST:
		return decide_request(e, m, a, subnet, host, &c, now, d);
	case DHCPDECLINE:
	case DHCPRELEASE:
		return decide_decline_release(e, m, a, &c, now, d);
	case DHCPINFORM:
		return decide_inform(e, m, a, subnet, host, d);
	default:
		return drop(d, "not a client message type");
	}
}
