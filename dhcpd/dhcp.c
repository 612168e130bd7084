/* dhcp.c — DHCP wire codec (see dhcp.h).
 *
 * Parsing walks the option fields twice: the first walk checks the framing
 * and adds up each code's total length, the second copies every instance to
 * its place in dhcp_msg.data, so instances of one code end up concatenated
 * (RFC 3396) however they were interleaved with others.
 *
 * Building lays options out one after another in up to three areas (the
 * options field, then 'file', then 'sname'), moving to the next area when
 * an option does not fit in what is left of the current one.
 */
#include "dhcpd/dhcp.h"
#include "common/bytes.h"

#include <string.h>

/* Offsets in the fixed header (RFC 2131 §2, figure 1). */
enum {
	OFF_OP = 0, OFF_HTYPE = 1, OFF_HLEN = 2, OFF_HOPS = 3, OFF_XID = 4,
	OFF_SECS = 8, OFF_FLAGS = 10, OFF_CIADDR = 12, OFF_YIADDR = 16,
	OFF_SIADDR = 20, OFF_GIADDR = 24, OFF_CHADDR = 28, OFF_SNAME = 44,
	OFF_FILE = 108, OFF_COOKIE = 236,
};

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

#define OPT_VALUE_MAX 255 /* one instance's value */

/* ---- small helpers ------------------------------------------------------ */





/* Addresses stay in network byte order: copy the four bytes as they are. */
static struct in_addr get_addr(const uint8_t *p)
{
	struct in_addr a;

	memcpy(&a.s_addr, p, 4);
	return a;
}

static void put_addr(uint8_t *p, struct in_addr a)
{
	memcpy(p, &a.s_addr, 4);
}

/* ---- parsing ------------------------------------------------------------ */

/* One option field: the options area, 'file' or 'sname'. */
struct field {
	const uint8_t *p;
	size_t len;
	bool main; /* the options area: the only place option 52 counts */
};

enum walk_pass { WALK_COUNT, WALK_COPY };

struct walk {
	struct dhcp_msg *m;
	enum walk_pass pass;
	uint16_t filled[256]; /* WALK_COPY: bytes of each code copied so far */
	bool seen_overload;
	const char *why;
};

static int take_instance(struct walk *w, const struct field *f, uint8_t code,
			 const uint8_t *val, size_t len)
{
	struct dhcp_opt_span *s = &w->m->opt[code];

	if (code == DHCP_OPT_OVERLOAD) {
		if (!f->main)
			return 0; /* overload inside file/sname means nothing */
		if (w->pass == WALK_COUNT) {
			if (w->seen_overload || len != 1) {
				w->why = "malformed option overload";
				return -1;
			}
			w->seen_overload = true;
			w->m->overload = val[0];
		}
	}
	if (w->pass == WALK_COUNT) {
		/* every value lies inside the packet, so the sum stays below
		 * DHCP_PACKET_MAX: no overflow of the 16-bit total */
		s->present = true;
		s->len = (uint16_t)(s->len + len);
		return 0;
	}
	memcpy(w->m->data + s->off + w->filled[code], val, len);
	w->filled[code] = (uint16_t)(w->filled[code] + len);
	return 0;
}

/* Walk one field's options up to the end option (RFC 2132 §2-3). */
static int walk_field(struct walk *w, const struct field *f)
{
	size_t i = 0;

	while (i < f->len) {
		uint8_t code = f->p[i], len;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return 0;
		if (f->len - i < 2) {
			w->why = "option length missing";
			return -1;
		}
		len = f->p[i + 1];
		if (len > f->len - i - 2) {
			w->why = "option runs past the end of its field";
			return -1;
		}
		if (take_instance(w, f, code, f->p + i + 2, len) < 0)
			return -1;
		i += 2 + (size_t)len;
	}
	return 0; /* no end option: tolerated when the last option fills the field */
}

/* The fields holding options, in the order RFC 2131 §4.1 reads them. */
static size_t option_fields(const uint8_t *pkt, size_t len, uint8_t overload,
			    struct field f[3])
{
	size_t n = 0;

	f[n++] = (struct field){ pkt + DHCP_OPTIONS_OFFSET, len - DHCP_OPTIONS_OFFSET, true };
	if (overload & DHCP_OVERLOAD_FILE)
		f[n++] = (struct field){ pkt + OFF_FILE, DHCP_FILE_LEN, false };
	if (overload & DHCP_OVERLOAD_SNAME)
		f[n++] = (struct field){ pkt + OFF_SNAME, DHCP_SNAME_LEN, false };
	return n;
}

static int collect_options(const uint8_t *pkt, size_t len, struct dhcp_msg *m,
			   const char **why)
{
	struct walk w = { .m = m, .pass = WALK_COUNT };
	struct field f[3];
	size_t nf, off = 0;

	/* the options area first: it says whether file and sname hold options */
	option_fields(pkt, len, 0, f);
	if (walk_field(&w, &f[0]) < 0)
		goto fail;
	if (m->overload > DHCP_OVERLOAD_BOTH || (w.seen_overload && m->overload == 0)) {
		w.why = "malformed option overload";
		goto fail;
	}
	nf = option_fields(pkt, len, m->overload, f);
	for (size_t i = 1; i < nf; i++)
		if (walk_field(&w, &f[i]) < 0)
			goto fail;

	for (size_t c = 0; c < 256; c++) {
		m->opt[c].off = (uint16_t)off;
		off += m->opt[c].len;
	}
	if (off > sizeof m->data) { /* cannot happen: values are disjoint bytes of pkt */
		w.why = "option data too long";
		goto fail;
	}

	w.pass = WALK_COPY;
	for (size_t i = 0; i < nf; i++)
		if (walk_field(&w, &f[i]) < 0)
			goto fail;
	return 0;
fail:
	*why = w.why;
	return -1;
}

static void parse_header(const uint8_t *pkt, struct dhcp_msg *m)
{
	m->op = pkt[OFF_OP];
	m->htype = pkt[OFF_HTYPE];
	m->hlen = pkt[OFF_HLEN];
	m->hops = pkt[OFF_HOPS];
	m->xid = get32(pkt + OFF_XID);
	m->secs = get16(pkt + OFF_SECS);
	m->flags = get16(pkt + OFF_FLAGS);
	m->ciaddr = get_addr(pkt + OFF_CIADDR);
	m->yiaddr = get_addr(pkt + OFF_YIADDR);
	m->siaddr = get_addr(pkt + OFF_SIADDR);
	m->giaddr = get_addr(pkt + OFF_GIADDR);
	memcpy(m->chaddr, pkt + OFF_CHADDR, DHCP_CHADDR_LEN);
	memcpy(m->sname, pkt + OFF_SNAME, DHCP_SNAME_LEN);
	memcpy(m->file, pkt + OFF_FILE, DHCP_FILE_LEN);
	m->ethernet = m->htype == 1 && m->hlen == 6;
}

/* An option that must have exactly n bytes: NULL when absent or malformed;
 * *bad tells the two apart. */
static const uint8_t *fixed_option(const struct dhcp_msg *m, uint8_t code, size_t n, bool *bad)
{
	const uint8_t *v;
	size_t len;

	*bad = false;
	if (!dhcp_get_option(m, code, &v, &len))
		return NULL;
	if (len != n) {
		*bad = true;
		return NULL;
	}
	return v;
}

/* Options whose malformation fails the whole parse (see dhcp.h). */
static int extract_strict(struct dhcp_msg *m, const char **why)
{
	const uint8_t *v;
	size_t len;
	bool bad;

	v = fixed_option(m, DHCP_OPT_MESSAGE_TYPE, 1, &bad);
	if (!v) {
		*why = bad ? "malformed message type" : "no message type (BOOTP)";
		return -1;
	}
	if (v[0] < DHCPDISCOVER || v[0] > DHCPINFORM) {
		*why = "unknown message type";
		return -1;
	}
	m->type = v[0];

	v = fixed_option(m, DHCP_OPT_REQUESTED_ADDR, 4, &bad);
	if (bad) {
		*why = "malformed requested address";
		return -1;
	}
	if (v) {
		m->has_requested_addr = true;
		m->requested_addr = get_addr(v);
	}

	v = fixed_option(m, DHCP_OPT_SERVER_ID, 4, &bad);
	if (bad) {
		*why = "malformed server identifier";
		return -1;
	}
	if (v) {
		m->has_server_id = true;
		m->server_id = get_addr(v);
	}

	if (dhcp_get_option(m, DHCP_OPT_CLIENT_ID, &v, &len) && len < 2) {
		*why = "malformed client identifier";
		return -1;
	}

	if (dhcp_get_option(m, DHCP_OPT_CLIENT_ARCH, &v, &len)) {
		if (len < 2 || len % 2 != 0) {
			*why = "malformed client architecture";
			return -1;
		}
		m->has_arch = true;
		m->arch = get16(v);
	}
	return 0;
}

/* Options whose malformation makes them count as absent (see dhcp.h). */
static void extract_lenient(struct dhcp_msg *m)
{
	const uint8_t *v;
	bool bad;

	v = fixed_option(m, DHCP_OPT_LEASE_TIME, 4, &bad);
	if (v) {
		m->has_lease_time = true;
		m->lease_time = get32(v);
	}

	m->max_msg_size = DHCP_MAX_MSG_DEFAULT;
	v = fixed_option(m, DHCP_OPT_MAX_MSG_SIZE, 2, &bad);
	if (v && get16(v) >= DHCP_MAX_MSG_DEFAULT)
		m->max_msg_size = get16(v);

	v = fixed_option(m, DHCP_OPT_CLIENT_NDI, 3, &bad);
	if (v && v[0] == 1) {
		m->has_ndi = true;
		m->ndi_major = v[1];
		m->ndi_minor = v[2];
	}

	v = fixed_option(m, DHCP_OPT_CLIENT_UUID, 17, &bad);
	if (v && v[0] == 0) {
		m->has_uuid = true;
		memcpy(m->uuid, v + 1, sizeof m->uuid);
	}
}

int dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m, const char **why)
{
	memset(m, 0, offsetof(struct dhcp_msg, data));
	if (len > DHCP_PACKET_MAX) {
		*why = "packet too long";
		return -1;
	}
	if (len < DHCP_OPTIONS_OFFSET) {
		*why = "shorter than the fixed header and magic cookie";
		return -1;
	}
	if (memcmp(pkt + OFF_COOKIE, magic_cookie, sizeof magic_cookie) != 0) {
		*why = "bad magic cookie";
		return -1;
	}
	parse_header(pkt, m);
	if (m->op != DHCP_BOOTREQUEST && m->op != DHCP_BOOTREPLY) {
		*why = "bad op";
		return -1;
	}
	if (m->hlen > DHCP_CHADDR_LEN) {
		*why = "hardware address longer than 16 bytes";
		return -1;
	}
	m->hw_identity[0] = m->htype;
	memcpy(m->hw_identity + 1, m->chaddr, m->hlen);

	if (collect_options(pkt, len, m, why) < 0)
		return -1;
	if (extract_strict(m, why) < 0)
		return -1;
	extract_lenient(m);
	return 0;
}

/* ---- accessors and helpers ---------------------------------------------- */

bool dhcp_get_option(const struct dhcp_msg *m, uint8_t code, const uint8_t **val, size_t *len)
{
	const struct dhcp_opt_span *s = &m->opt[code];

	if (code == DHCP_OPT_PAD || code == DHCP_OPT_END || !s->present)
		return false;
	*val = m->data + s->off;
	*len = s->len;
	return true;
}

size_t dhcp_client_identity(const struct dhcp_msg *m, const uint8_t **id)
{
	size_t len;

	if (dhcp_get_option(m, DHCP_OPT_CLIENT_ID, id, &len))
		return len;
	*id = m->hw_identity;
	return 1 + (size_t)m->hlen;
}

static bool vendor_class_starts(const struct dhcp_msg *m, const char *prefix)
{
	const uint8_t *v;
	size_t len, n = strlen(prefix);

	return dhcp_get_option(m, DHCP_OPT_VENDOR_CLASS, &v, &len) && len >= n &&
	       memcmp(v, prefix, n) == 0;
}

bool dhcp_is_pxe_client(const struct dhcp_msg *m)
{
	return vendor_class_starts(m, "PXEClient");
}

bool dhcp_is_http_client(const struct dhcp_msg *m)
{
	return vendor_class_starts(m, "HTTPClient");
}

/* RFC 3004 §2: instances of a one-byte length (>= 1) and that many bytes,
 * filling the value exactly. */
static bool user_class_list_has(const uint8_t *v, size_t len, const char *name, size_t n)
{
	bool found = false;
	size_t i = 0;

	while (i < len) {
		size_t ilen = v[i];

		if (ilen == 0 || ilen > len - i - 1)
			return false;
		if (ilen == n && memcmp(v + i + 1, name, n) == 0)
			found = true;
		i += 1 + ilen;
	}
	return found;
}

bool dhcp_user_class_is(const struct dhcp_msg *m, const char *name)
{
	const uint8_t *v;
	size_t len, n = strlen(name);

	if (!dhcp_get_option(m, DHCP_OPT_USER_CLASS, &v, &len))
		return false;
	if (len == n && memcmp(v, name, n) == 0)
		return true;
	return user_class_list_has(v, len, name, n);
}

bool dhcp_has_ipxe_options(const struct dhcp_msg *m)
{
	return m->opt[DHCP_OPT_IPXE_ENCAP].present;
}

const char *dhcp_message_type_name(int type)
{
	static const char *const names[] = {
		[DHCPDISCOVER] = "DHCPDISCOVER", [DHCPOFFER] = "DHCPOFFER",
		[DHCPREQUEST] = "DHCPREQUEST", [DHCPDECLINE] = "DHCPDECLINE",
		[DHCPACK] = "DHCPACK", [DHCPNAK] = "DHCPNAK",
		[DHCPRELEASE] = "DHCPRELEASE", [DHCPINFORM] = "DHCPINFORM",
	};

	if (type < DHCPDISCOVER || type > DHCPINFORM)
		return "unknown";
	return names[type];
}

const char *dhcp_format_hex(char *out, size_t cap, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	bool cut = len > cap / 3; /* the whole is 3 * len - 1 characters and a NUL */
	size_t n = len, o = 0;

	if (cap == 0)
		return out;
	if (len == 0) {
		if (cap >= 2)
			out[o++] = '-';
		out[o] = '\0';
		return out;
	}
	if (cut)
		n = cap >= 4 ? (cap - 4) / 3 : 0; /* "xx:" each, then "..." and the NUL */
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ':';
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	if (cut && cap >= 4) {
		if (n > 0)
			out[o++] = ':';
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *dhcp_format_hwaddr(char *out, size_t cap, const struct dhcp_msg *m)
{
	return dhcp_format_hex(out, cap, m->chaddr, m->hlen);
}

const char *dhcp_format_client_id(char *out, size_t cap, const struct dhcp_msg *m)
{
	const uint8_t *id;
	size_t len = dhcp_client_identity(m, &id);

	return dhcp_format_hex(out, cap, id, len);
}

/* ---- building ----------------------------------------------------------- */

/* One option to send, before it is cut into instances. */
struct item {
	uint8_t code;
	const uint8_t *val;
	size_t len;
	bool sent;
};

#define ITEMS_MAX 20

/* An area options are laid out in: [off, off + cap) of buf, where cap
 * leaves room for the end option. */
struct area {
	size_t off, cap, used;
};

struct packer {
	uint8_t *buf;
	struct area area[3]; /* options field, file, sname */
	size_t n_area, cur;
	size_t reserve;      /* bytes of the options field kept for option 82 */
};

/* Bytes a value of len takes on the wire, split into instances. */
static size_t wire_size(size_t len)
{
	size_t instances = len == 0 ? 1 : (len + OPT_VALUE_MAX - 1) / OPT_VALUE_MAX;

	return 2 * instances + len;
}

static size_t room(const struct packer *pk, size_t i)
{
	const struct area *a = &pk->area[i];
	size_t cap = i == 0 ? a->cap - pk->reserve : a->cap;

	return cap - a->used;
}

/* Place one instance whole in the current area or a later one. */
static bool place(struct packer *pk, uint8_t code, const uint8_t *val, size_t len)
{
	for (; pk->cur < pk->n_area; pk->cur++) {
		struct area *a = &pk->area[pk->cur];
		uint8_t *p = pk->buf + a->off + a->used;

		if (room(pk, pk->cur) < 2 + len)
			continue;
		p[0] = code;
		p[1] = (uint8_t)len;
		if (len)
			memcpy(p + 2, val, len);
		a->used += 2 + len;
		return true;
	}
	return false;
}

/* A value of up to 255 bytes goes out as one instance, never split: clients
 * without RFC 3396 support still read it.  A longer one is split anyway, so
 * its instances fill each area to the brim. */
static bool place_item(struct packer *pk, const struct item *it)
{
	size_t left = it->len;
	const uint8_t *v = it->val;

	if (left <= OPT_VALUE_MAX)
		return place(pk, it->code, v, left);
	while (left > 0) {
		size_t n = left > OPT_VALUE_MAX ? OPT_VALUE_MAX : left;

		while (pk->cur < pk->n_area && room(pk, pk->cur) < 3)
			pk->cur++;
		if (pk->cur == pk->n_area)
			return false;
		if (n > room(pk, pk->cur) - 2)
			n = room(pk, pk->cur) - 2;
		if (!place(pk, it->code, v, n))
			return false;
		v += n;
		left -= n;
	}
	return true;
}

/* Everything dhcp_build_reply() works with. */
struct build {
	const struct dhcp_msg *req;
	const struct dhcp_reply *r;
	struct item items[ITEMS_MAX];
	size_t n_items;
	uint8_t type;
	uint8_t num[4 * (5 + 2 * DHCP_REPLY_ADDRS_MAX)]; /* encoded numbers and addresses */
	size_t num_used;
	const uint8_t *relay;   /* option 82 from the request */
	size_t relay_len;
	bool has_relay;
};

static void add_item(struct build *b, uint8_t code, const void *val, size_t len)
{
	/* the callers add at most ITEMS_MAX items, one per code */
	b->items[b->n_items++] = (struct item){ code, val, len, false };
}

static uint8_t *num_space(struct build *b, size_t n)
{
	uint8_t *p = b->num + b->num_used;

	b->num_used += n; /* bounded by the fixed set of numeric options */
	return p;
}

static void add_u32(struct build *b, uint8_t code, uint32_t v)
{
	uint8_t *p;

	if (v == 0)
		return;
	p = num_space(b, 4);
	put32(p, v);
	add_item(b, code, p, 4);
}

static void add_addr(struct build *b, uint8_t code, struct in_addr a)
{
	uint8_t *p;

	if (a.s_addr == 0)
		return;
	p = num_space(b, 4);
	put_addr(p, a);
	add_item(b, code, p, 4);
}

static void add_addrs(struct build *b, uint8_t code, const struct in_addr *a, size_t n)
{
	uint8_t *p;

	if (n == 0)
		return;
	p = num_space(b, 4 * n);
	for (size_t i = 0; i < n; i++)
		put_addr(p + 4 * i, a[i]);
	add_item(b, code, p, 4 * n);
}

static void add_string(struct build *b, uint8_t code, const char *s)
{
	if (s && s[0])
		add_item(b, code, s, strlen(s)); /* lengths checked in check_strings() */
}

/* The options after 53, in the order sent when the client does not ask. */
static void collect_items(struct build *b)
{
	const struct dhcp_reply *r = b->r;
	const uint8_t *v;
	size_t len;

	add_addr(b, DHCP_OPT_SERVER_ID, r->server_id);
	add_u32(b, DHCP_OPT_LEASE_TIME, r->lease_time);
	add_u32(b, DHCP_OPT_RENEWAL_TIME, r->renewal_time);
	add_u32(b, DHCP_OPT_REBINDING_TIME, r->rebinding_time);
	add_addr(b, DHCP_OPT_SUBNET_MASK, r->subnet_mask);
	add_addrs(b, DHCP_OPT_ROUTER, r->router, r->n_router);
	add_addrs(b, DHCP_OPT_DNS, r->dns, r->n_dns);
	add_string(b, DHCP_OPT_DOMAIN_NAME, r->domain_name);
	add_string(b, DHCP_OPT_HOSTNAME, r->hostname);
	add_string(b, DHCP_OPT_TFTP_SERVER, r->tftp_server);
	add_string(b, DHCP_OPT_BOOTFILE, r->bootfile);
	add_string(b, DHCP_OPT_VENDOR_CLASS, r->vendor_class);
	if (r->vendor_opts && r->vendor_opts_len)
		add_item(b, DHCP_OPT_VENDOR_OPTS, r->vendor_opts, r->vendor_opts_len);
	add_string(b, DHCP_OPT_MESSAGE, r->message);
	if (dhcp_get_option(b->req, DHCP_OPT_CLIENT_ID, &v, &len))
		add_item(b, DHCP_OPT_CLIENT_ID, v, len);
	if (r->echo_uuid && b->req->has_uuid &&
	    dhcp_get_option(b->req, DHCP_OPT_CLIENT_UUID, &v, &len))
		add_item(b, DHCP_OPT_CLIENT_UUID, v, len);
}

/* Lay out 53, the placeholder for 52, the items and 82.  Returns false when
 * something does not fit; *overload_at is where 52 goes when used. */
static bool pack_options(struct build *b, struct packer *pk, bool overload, size_t *overload_at)
{
	const uint8_t *prl;
	size_t n_prl = 0;

	/* 53 and 52 belong in the options field: a client reads 52 there
	 * before it knows file and sname hold options */
	if (!place(pk, DHCP_OPT_MESSAGE_TYPE, &b->type, 1) || pk->cur != 0)
		return false;
	if (overload) {
		static const uint8_t zero;

		*overload_at = pk->area[0].off + pk->area[0].used;
		if (!place(pk, DHCP_OPT_OVERLOAD, &zero, 1) || pk->cur != 0)
			return false;
	}
	for (size_t i = 0; i < b->n_items; i++)
		b->items[i].sent = false;
	if (!dhcp_get_option(b->req, DHCP_OPT_PARAM_REQUEST_LIST, &prl, &n_prl))
		n_prl = 0;
	for (size_t k = 0; k < n_prl; k++) {
		for (size_t i = 0; i < b->n_items; i++) {
			struct item *it = &b->items[i];

			if (it->code != prl[k] || it->sent)
				continue;
			if (!place_item(pk, it))
				return false;
			it->sent = true;
		}
	}
	for (size_t i = 0; i < b->n_items; i++) {
		if (b->items[i].sent)
			continue;
		if (!place_item(pk, &b->items[i]))
			return false;
		b->items[i].sent = true;
	}
	if (b->has_relay) {
		struct item relay = { DHCP_OPT_RELAY_AGENT, b->relay, b->relay_len, false };

		/* last in the options field, in the space kept for it */
		pk->reserve = 0;
		pk->cur = 0;
		if (!place_item(pk, &relay) || pk->cur != 0)
			return false;
	}
	return true;
}

/* Try to lay out the options, with file and sname as extra areas when
 * overload is set.  Returns the packet length, or 0. */
static size_t try_layout(struct build *b, uint8_t *buf, size_t limit, bool overload)
{
	struct packer pk = { .buf = buf };
	size_t overload_at = 0, len;
	uint8_t bits = 0;

	memset(buf + DHCP_OPTIONS_OFFSET, 0, limit - DHCP_OPTIONS_OFFSET);
	pk.area[pk.n_area++] = (struct area){ DHCP_OPTIONS_OFFSET, limit - DHCP_OPTIONS_OFFSET - 1, 0 };
	if (overload) {
		if (!(b->r->file && b->r->file[0]))
			pk.area[pk.n_area++] = (struct area){ OFF_FILE, DHCP_FILE_LEN - 1, 0 };
		if (!(b->r->sname && b->r->sname[0]))
			pk.area[pk.n_area++] = (struct area){ OFF_SNAME, DHCP_SNAME_LEN - 1, 0 };
		for (size_t i = 1; i < pk.n_area; i++)
			memset(buf + pk.area[i].off, 0, pk.area[i].cap + 1);
	}
	if (b->has_relay) {
		pk.reserve = wire_size(b->relay_len);
		if (pk.reserve > pk.area[0].cap)
			return 0;
	}
	if (!pack_options(b, &pk, overload, &overload_at))
		return 0;

	for (size_t i = 1; i < pk.n_area; i++) {
		struct area *a = &pk.area[i];

		if (a->used == 0)
			continue;
		buf[a->off + a->used] = DHCP_OPT_END;
		bits |= a->off == OFF_FILE ? DHCP_OVERLOAD_FILE : DHCP_OVERLOAD_SNAME;
	}
	if (bits)
		buf[overload_at + 2] = bits;
	else if (overload)
		memset(buf + overload_at, DHCP_OPT_PAD, 3); /* nothing spilled over */
	len = DHCP_OPTIONS_OFFSET + pk.area[0].used;
	buf[len++] = DHCP_OPT_END;
	return len < DHCP_BOOTP_MIN_LEN ? DHCP_BOOTP_MIN_LEN : len;
}

/* A string for a fixed-header field of size n must leave room for a NUL. */
static bool header_string_fits(const char *s, size_t n)
{
	return !s || strnlen(s, n) < n;
}

static bool option_string_fits(const char *s)
{
	return !s || strnlen(s, DHCP_PACKET_MAX + 1) <= DHCP_PACKET_MAX;
}

static const char *check_strings(const struct dhcp_reply *r)
{
	const char *opts[] = {
		r->domain_name, r->hostname, r->tftp_server, r->bootfile,
		r->vendor_class, r->message,
	};

	if (!header_string_fits(r->sname, DHCP_SNAME_LEN))
		return "server name longer than the sname field";
	if (!header_string_fits(r->file, DHCP_FILE_LEN))
		return "boot file name longer than the file field";
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!option_string_fits(opts[i]))
			return "option string too long";
	if (r->vendor_opts_len > DHCP_PACKET_MAX)
		return "vendor options too long";
	if (r->n_router > DHCP_REPLY_ADDRS_MAX || r->n_dns > DHCP_REPLY_ADDRS_MAX)
		return "too many addresses";
	return NULL;
}

static bool is_set(const char *s)
{
	return s && s[0];
}

/* RFC 2131 §4.3.1 table 3: a NAK says no and why, nothing else. */
static bool nak_is_bare(const struct dhcp_reply *r)
{
	return !r->yiaddr.s_addr && !r->siaddr.s_addr && !is_set(r->sname) &&
	       !is_set(r->file) && !r->lease_time && !r->renewal_time &&
	       !r->rebinding_time && !r->subnet_mask.s_addr && !r->n_router &&
	       !r->n_dns && !is_set(r->domain_name) && !is_set(r->hostname) &&
	       !is_set(r->tftp_server) && !is_set(r->bootfile) &&
	       !is_set(r->vendor_class) && !(r->vendor_opts && r->vendor_opts_len) &&
	       !r->echo_uuid;
}

static const char *check_reply(const struct dhcp_msg *req, const struct dhcp_reply *r)
{
	if (req->op != DHCP_BOOTREQUEST)
		return "request is not a BOOTREQUEST";
	if (r->type != DHCPOFFER && r->type != DHCPACK && r->type != DHCPNAK)
		return "reply type is not OFFER, ACK or NAK";
	if (r->server_id.s_addr == 0)
		return "no server identifier";
	if (r->type == DHCPNAK && !nak_is_bare(r))
		return "NAK carries more than a message";
	if (req->type == DHCPINFORM && r->lease_time)
		return "lease time in reply to INFORM";
	return check_strings(r);
}

static void put_header_string(uint8_t *p, const char *s, size_t n)
{
	memset(p, 0, n);
	if (s)
		memcpy(p, s, strnlen(s, n - 1));
}

static void write_header(uint8_t *buf, const struct dhcp_msg *req, const struct dhcp_reply *r)
{
	struct in_addr none = { 0 };

	memset(buf, 0, DHCP_OPTIONS_OFFSET);
	buf[OFF_OP] = DHCP_BOOTREPLY;
	buf[OFF_HTYPE] = req->htype;
	buf[OFF_HLEN] = req->hlen;
	put32(buf + OFF_XID, req->xid);
	put16(buf + OFF_FLAGS, req->flags);
	put_addr(buf + OFF_CIADDR, r->type == DHCPACK ? req->ciaddr : none);
	put_addr(buf + OFF_YIADDR, r->yiaddr);
	put_addr(buf + OFF_SIADDR, r->siaddr);
	put_addr(buf + OFF_GIADDR, req->giaddr);
	memcpy(buf + OFF_CHADDR, req->chaddr, DHCP_CHADDR_LEN);
	put_header_string(buf + OFF_SNAME, r->sname, DHCP_SNAME_LEN);
	put_header_string(buf + OFF_FILE, r->file, DHCP_FILE_LEN);
	memcpy(buf + OFF_COOKIE, magic_cookie, sizeof magic_cookie);
}

size_t dhcp_build_reply(uint8_t *buf, size_t cap, const struct dhcp_msg *request,
			const struct dhcp_reply *reply, const char **why)
{
	struct build b = { .req = request, .r = reply, .type = reply->type };
	size_t limit = request->max_msg_size, len;
	const char *bad;

	if (cap < DHCP_BOOTP_MIN_LEN) {
		*why = "buffer smaller than a BOOTP packet";
		return 0;
	}
	bad = check_reply(request, reply);
	if (bad) {
		*why = bad;
		return 0;
	}
	if (limit < DHCP_MAX_MSG_DEFAULT) /* dhcp_parse never leaves less */
		limit = DHCP_MAX_MSG_DEFAULT;
	limit -= DHCP_IP_UDP_OVERHEAD;
	if (limit > cap)
		limit = cap;
	b.has_relay = dhcp_get_option(request, DHCP_OPT_RELAY_AGENT, &b.relay, &b.relay_len);
	collect_items(&b);
	write_header(buf, request, reply);
	len = try_layout(&b, buf, limit, false);
	if (len == 0 && !(is_set(reply->file) && is_set(reply->sname)))
		len = try_layout(&b, buf, limit, true);
	if (len == 0)
		*why = "options do not fit in the reply";
	return len;
}
