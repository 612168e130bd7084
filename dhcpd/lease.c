/* lease.c — the DHCP lease table (see lease.h).
 *
 * Storage is one block: the slots (one per address), a binary min-heap of the
 * slots whose expiry is running (offers, bindings, quarantines), the client
 * index (open addressing, linear probing, at most half full, keyed SipHash so
 * that probe chains stay short whatever identities clients choose) and the
 * fixed slots sorted by MAC.  Each subnet keeps a cursor over its never-used
 * range slots (they never become never-used again, so it only moves forward)
 * and a list of free slots in the order they were freed.
 *
 * Every change of a slot's state goes through begin_change()/end_change(),
 * which keep the counters, the heap and the free lists in step with it.
 */
#include "dhcpd/lease.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define HASH_MIN 16

static const uint8_t zero_mac[6];

/* ---- small helpers ------------------------------------------------------- */

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static bool client_valid(const struct lease_client *c)
{
	return c && c->id_len >= 1 && c->id_len <= LEASE_CLIENT_ID_MAX;
}

bool lease_client_same(const struct lease_client *a, const struct lease_client *b)
{
	return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0;
}

int lease_client_make(struct lease_client *c, const uint8_t *client_id, size_t id_len,
		      uint8_t htype, const uint8_t *chaddr, size_t hlen)
{
	memset(c, 0, sizeof *c);
	if (hlen > 16 || (hlen && !chaddr))
		return -1;
	memcpy(c->mac, chaddr ? chaddr : zero_mac, hlen < 6 ? hlen : 6);
	if (client_id && id_len) {
		if (id_len > LEASE_CLIENT_ID_MAX)
			return -1;
		memcpy(c->id, client_id, id_len);
		c->id_len = (uint8_t)id_len;
		return 0;
	}
	if (hlen == 0)
		return -1;
	c->id[0] = htype;
	memcpy(c->id + 1, chaddr, hlen);
	c->id_len = (uint8_t)(hlen + 1);
	return 0;
}

bool lease_hostname_ok(const char *s)
{
	size_t n;

	if (!s)
		return true;
	for (n = 0; s[n] != '\0'; n++)
		if (n >= LEASE_HOSTNAME_MAX || s[n] <= 0x20 || s[n] >= 0x7f)
			return false;
	return true;
}

static bool is_live(const struct lease *l, uint64_t now)
{
	return (l->state == LEASE_OFFERED || l->state == LEASE_BOUND) && l->expiry > now;
}

/* May be handed to a new client: unused, given back, or run out. */
static bool is_free(const struct lease *l, uint64_t now)
{
	switch (l->state) {
	case LEASE_FREE:
	case LEASE_RELEASED:
	case LEASE_EXPIRED:
		return true;
	default:
		return l->expiry <= now;
	}
}

static bool in_heap_state(enum lease_state s)
{
	return s == LEASE_OFFERED || s == LEASE_BOUND || s == LEASE_DECLINED;
}

static bool reusable(const struct lease *l)
{
	return (l->state == LEASE_EXPIRED || l->state == LEASE_RELEASED) && !l->fixed;
}

unsigned lease_snapshot_kind(const struct lease *l)
{
	switch (l->state) {
	case LEASE_BOUND:
		return LEASE_SNAP_BIND;
	case LEASE_DECLINED:
		return LEASE_SNAP_DECLINE;
	case LEASE_EXPIRED:
		if (l->client.id_len == 0)
			return LEASE_SNAP_DECLINE; /* a quarantine that ended */
		return l->bound ? LEASE_SNAP_BIND : 0;
	case LEASE_RELEASED:
		return l->bound ? LEASE_SNAP_BIND | LEASE_SNAP_RELEASE : 0;
	default:
		return 0;
	}
}

static unsigned snapshot_records(const struct lease *l)
{
	unsigned k = lease_snapshot_kind(l);

	return (k & LEASE_SNAP_BIND ? 1u : 0u) + (k & LEASE_SNAP_RELEASE ? 1u : 0u) +
	       (k & LEASE_SNAP_DECLINE ? 1u : 0u);
}

/* ---- SipHash-2-4 (keyed hash of the client index) ------------------------ */

static uint64_t rotl64(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl64(v[1], 13) ^ v[0];
	v[0] = rotl64(v[0], 32);
	v[2] += v[3];
	v[3] = rotl64(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl64(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl64(v[1], 17) ^ v[2];
	v[2] = rotl64(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void sip_block(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

static uint64_t siphash24(const uint64_t key[2], const uint8_t *p, size_t len)
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(v, load_le64(p + i, 8));
	sip_block(v, load_le64(p + i, len - i) | (uint64_t)len << 56);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t client_hash(const struct lease_table *t, size_t subnet,
			    const struct lease_client *c)
{
	uint8_t buf[2 + LEASE_CLIENT_ID_MAX];

	buf[0] = (uint8_t)(subnet >> 8);
	buf[1] = (uint8_t)subnet;
	memcpy(buf + 2, c->id, c->id_len);
	return (uint32_t)siphash24(t->key, buf, 2 + (size_t)c->id_len);
}

/* ---- client index ---------------------------------------------------------- */

/* Position of the entry for (subnet, c), or of the empty entry ending its chain. */
static uint32_t index_probe(const struct lease_table *t, size_t subnet,
			    const struct lease_client *c, uint32_t h)
{
	uint32_t i = h & t->hash_mask;

	for (;;) {
		const struct lease_hash_entry *e = &t->hash[i];
		const struct lease *l;

		if (e->slot1 == 0)
			return i;
		l = &t->slots[e->slot1 - 1];
		if (e->hash == h && l->subnet == subnet && lease_client_same(&l->client, c))
			return i;
		i = (i + 1) & t->hash_mask;
	}
}

static uint32_t index_find(const struct lease_table *t, size_t subnet,
			   const struct lease_client *c)
{
	uint32_t i = index_probe(t, subnet, c, client_hash(t, subnet, c));

	return t->hash[i].slot1 ? t->hash[i].slot1 - 1 : NONE;
}

/* Point the entry of slot s's client at s. */
static void index_set(struct lease_table *t, uint32_t s)
{
	const struct lease *l = &t->slots[s];
	uint32_t h = client_hash(t, l->subnet, &l->client);
	uint32_t i = index_probe(t, l->subnet, &l->client, h);

	if (t->hash[i].slot1 == 0)
		t->hash_used++;
	t->hash[i] = (struct lease_hash_entry){ s + 1, h };
}

/* Empty entry i, moving later entries of the chain back into the gap. */
static void index_erase(struct lease_table *t, uint32_t i)
{
	uint32_t j = i;

	t->hash_used--;
	for (;;) {
		uint32_t home;

		t->hash[i].slot1 = 0;
		for (;;) {
			j = (j + 1) & t->hash_mask;
			if (t->hash[j].slot1 == 0)
				return;
			home = t->hash[j].hash & t->hash_mask;
			/* moves back unless its home lies cyclically in (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		t->hash[i] = t->hash[j];
		i = j;
	}
}

/* Forget slot s's client's entry if it points at s. */
static void index_drop(struct lease_table *t, uint32_t s)
{
	const struct lease *l = &t->slots[s];
	uint32_t i;

	if (l->client.id_len == 0)
		return;
	i = index_probe(t, l->subnet, &l->client, client_hash(t, l->subnet, &l->client));
	if (t->hash[i].slot1 == s + 1)
		index_erase(t, i);
}

/* ---- expiry heap ------------------------------------------------------------ */

static void heap_place(struct lease_table *t, uint32_t i, uint32_t s)
{
	t->heap[i] = s;
	t->slots[s].heap_pos = i;
}

static bool heap_before(const struct lease_table *t, uint32_t a, uint32_t b)
{
	return t->slots[a].expiry < t->slots[b].expiry;
}

static uint32_t heap_up(struct lease_table *t, uint32_t i)
{
	uint32_t s = t->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!heap_before(t, s, t->heap[parent]))
			break;
		heap_place(t, i, t->heap[parent]);
		i = parent;
	}
	heap_place(t, i, s);
	return i;
}

static void heap_down(struct lease_table *t, uint32_t i)
{
	uint32_t s = t->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= t->heap_len)
			break;
		if (c + 1 < t->heap_len && heap_before(t, t->heap[c + 1], t->heap[c]))
			c++;
		if (!heap_before(t, t->heap[c], s))
			break;
		heap_place(t, i, t->heap[c]);
		i = c;
	}
	heap_place(t, i, s);
}

static void heap_fix(struct lease_table *t, uint32_t s)
{
	heap_down(t, heap_up(t, t->slots[s].heap_pos));
}

static void heap_insert(struct lease_table *t, uint32_t s)
{
	heap_place(t, t->heap_len++, s);
	heap_up(t, t->heap_len - 1);
}

static void heap_remove(struct lease_table *t, uint32_t s)
{
	uint32_t i = t->slots[s].heap_pos, last = t->heap[--t->heap_len];

	t->slots[s].heap_pos = NONE;
	if (i == t->heap_len)
		return;
	heap_place(t, i, last);
	heap_fix(t, last);
}

/* ---- free lists ------------------------------------------------------------- */

static void fifo_append(struct lease_table *t, uint32_t s)
{
	struct lease *l = &t->slots[s];
	struct lease_subnet *sn = &t->subnets[l->subnet];

	l->in_fifo = true;
	l->fifo_prev = sn->fifo_tail;
	l->fifo_next = NONE;
	if (sn->fifo_tail == NONE)
		sn->fifo_head = s;
	else
		t->slots[sn->fifo_tail].fifo_next = s;
	sn->fifo_tail = s;
}

static void fifo_remove(struct lease_table *t, uint32_t s)
{
	struct lease *l = &t->slots[s];
	struct lease_subnet *sn = &t->subnets[l->subnet];

	if (l->fifo_prev == NONE)
		sn->fifo_head = l->fifo_next;
	else
		t->slots[l->fifo_prev].fifo_next = l->fifo_next;
	if (l->fifo_next == NONE)
		sn->fifo_tail = l->fifo_prev;
	else
		t->slots[l->fifo_next].fifo_prev = l->fifo_prev;
	l->in_fifo = false;
	l->fifo_prev = l->fifo_next = NONE;
}

/* ---- state changes ---------------------------------------------------------- */

static void begin_change(struct lease_table *t, uint32_t s)
{
	const struct lease *l = &t->slots[s];

	t->count[l->state]--;
	t->persist_records -= snapshot_records(l);
}

static void end_change(struct lease_table *t, uint32_t s)
{
	struct lease *l = &t->slots[s];
	bool want_fifo = reusable(l);

	t->count[l->state]++;
	t->persist_records += snapshot_records(l);
	if (in_heap_state(l->state)) {
		if (l->heap_pos == NONE)
			heap_insert(t, s);
		else
			heap_fix(t, s);
	} else if (l->heap_pos != NONE) {
		heap_remove(t, s);
	}
	if (want_fifo && !l->in_fifo)
		fifo_append(t, s);
	else if (!want_fifo && l->in_fifo)
		fifo_remove(t, s);
}

/* Hand slot s to client c as an offer running at least until `until`; a
 * binding of c stays a binding (a reservation for its renewal).  A running
 * expiry is never shortened. */
static const struct lease *claim(struct lease_table *t, uint32_t s, const struct lease_client *c,
				 uint64_t now, uint64_t until)
{
	struct lease *l = &t->slots[s];
	bool same = lease_client_same(&l->client, c), live = is_live(l, now);

	begin_change(t, s);
	if (!same) {
		index_drop(t, s);
		l->hostname[0] = '\0';
		l->bound = false;
	}
	l->client = *c;
	if (!(same && live && l->state == LEASE_BOUND))
		l->state = LEASE_OFFERED;
	if (!live || l->expiry < until)
		l->expiry = until;
	end_change(t, s);
	index_set(t, s);
	return l;
}

/* ---- address lookups -------------------------------------------------------- */

static uint32_t range_slot_of(const struct lease_table *t, uint32_t addr)
{
	size_t lo = 0, hi = t->n_ranges;

	/* the last range starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].low <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && addr <= t->ranges[lo - 1].high)
		return t->ranges[lo - 1].base + (addr - t->ranges[lo - 1].low);
	return NONE;
}

static uint32_t slot_of_addr(const struct lease_table *t, uint32_t addr)
{
	uint32_t a, b, s = range_slot_of(t, addr);

	if (s != NONE)
		return s;
	a = t->n_range_slots;
	b = t->n_slots;
	while (a < b) {
		uint32_t mid = a + (b - a) / 2;

		if (t->slots[mid].addr == addr)
			return mid;
		if (t->slots[mid].addr < addr)
			a = mid + 1;
		else
			b = mid;
	}
	return NONE;
}

const struct lease *lease_find_addr(const struct lease_table *t, uint32_t addr)
{
	uint32_t s = t ? slot_of_addr(t, addr) : NONE;

	return s == NONE ? NULL : &t->slots[s];
}

const struct lease *lease_find_client(const struct lease_table *t, size_t subnet,
				      const struct lease_client *c)
{
	uint32_t s;

	if (!t || subnet >= t->n_subnets || !client_valid(c))
		return NULL;
	s = index_find(t, subnet, c);
	return s == NONE ? NULL : &t->slots[s];
}

static int subnet_of(const struct lease_subnet *subnets, size_t n, uint32_t addr)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if ((addr & subnets[i].mask) == subnets[i].network &&
		    (best < 0 || subnets[i].mask > subnets[best].mask))
			best = (int)i;
	return best;
}

int lease_subnet_of(const struct lease_table *t, uint32_t addr)
{
	return t ? subnet_of(t->subnets, t->n_subnets, addr) : -1;
}

static int mac_subnet_cmp(const uint8_t *mac, uint16_t subnet, const struct lease *l)
{
	int r = memcmp(mac, l->fixed_mac, 6);

	if (r)
		return r;
	return subnet < l->subnet ? -1 : subnet > l->subnet;
}

/* The fixed slot reserved for mac in subnet (the lowest address), or NONE. */
static uint32_t fixed_slot_for(const struct lease_table *t, size_t subnet, const uint8_t *mac)
{
	uint32_t lo = 0, hi = t->n_fixed;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (mac_subnet_cmp(mac, (uint16_t)subnet, &t->slots[t->fixed_by_mac[mid]]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n_fixed &&
	    mac_subnet_cmp(mac, (uint16_t)subnet, &t->slots[t->fixed_by_mac[lo]]) == 0)
		return t->fixed_by_mac[lo];
	return NONE;
}

/* A never-used slot of the subnet's range, or NONE. */
static uint32_t never_used_slot(struct lease_table *t, size_t subnet)
{
	struct lease_subnet *sn = &t->subnets[subnet];

	for (; sn->cursor < sn->size; sn->cursor++) {
		const struct lease *l = &t->slots[sn->base + sn->cursor];

		if (l->state == LEASE_FREE && !l->fixed)
			return sn->base + sn->cursor;
	}
	return NONE;
}

/* ---- set-up ------------------------------------------------------------------- */

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static int range_cmp(const void *a, const void *b)
{
	const struct lease_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

static int config_subnets(struct lease_table *t, const struct policy_dhcp *dhcp, const char **why)
{
	uint64_t total = 0;

	for (size_t i = 0; i < dhcp->n_subnets; i++) {
		const struct policy_subnet *ps = &dhcp->subnets[i];
		struct lease_subnet *sn = &t->subnets[i];
		uint32_t low = ntohl(ps->range_low.s_addr), high = ntohl(ps->range_high.s_addr);

		if (ps->prefix_len > 32)
			return fail(why, "subnet prefix longer than 32");
		sn->mask = prefix_mask(ps->prefix_len);
		sn->network = ntohl(ps->network.s_addr);
		sn->fifo_head = sn->fifo_tail = NONE;
		if (sn->network & ~sn->mask)
			return fail(why, "subnet address has host bits set");
		if (low == 0 && high == 0)
			continue;
		if (ps->prefix_len > 30)
			return fail(why, "range in a subnet smaller than /30");
		if (low > high)
			return fail(why, "range ends before it starts");
		if ((low & sn->mask) != sn->network || (high & sn->mask) != sn->network)
			return fail(why, "range outside its subnet");
		if (low == sn->network || high == (sn->network | ~sn->mask))
			return fail(why, "range holds the subnet's network or broadcast address");
		sn->base = (uint32_t)total;
		sn->size = high - low + 1;
		total += sn->size;
		if (total > LEASE_POOL_MAX)
			return fail(why, "ranges hold more than 65536 addresses");
		t->ranges[t->n_ranges++] = (struct lease_range){ low, high, sn->base, (uint16_t)i };
	}
	t->n_subnets = dhcp->n_subnets;
	t->n_range_slots = (uint32_t)total;
	qsort(t->ranges, t->n_ranges, sizeof t->ranges[0], range_cmp);
	for (size_t i = 1; i < t->n_ranges; i++)
		if (t->ranges[i].low <= t->ranges[i - 1].high)
			return fail(why, "ranges overlap");
	return 0;
}

static size_t hosts_with_address(const struct policy_dhcp *dhcp)
{
	size_t n = 0;

	for (size_t i = 0; i < dhcp->n_hosts; i++)
		n += dhcp->hosts[i].address.s_addr != 0;
	return n;
}

/* Carve the one block: slots, heap, hash, fixed_by_mac. */
static int allocate(struct lease_table *t, size_t max_slots, const char **why)
{
	size_t hcap = HASH_MIN, sz_slots, sz_u32, sz_hash, total;
	char *p;

	while (hcap < 2 * max_slots)
		hcap *= 2;
	if (__builtin_mul_overflow(max_slots, sizeof(struct lease), &sz_slots) ||
	    __builtin_mul_overflow(max_slots, sizeof(uint32_t), &sz_u32) ||
	    __builtin_mul_overflow(hcap, sizeof(struct lease_hash_entry), &sz_hash) ||
	    __builtin_add_overflow(sz_slots, sz_hash, &total) ||
	    __builtin_add_overflow(total, sz_u32, &total) ||
	    __builtin_add_overflow(total, sz_u32, &total))
		return fail(why, "lease table too large");
	t->mem = calloc(1, total ? total : 1);
	if (!t->mem)
		return fail(why, "out of memory for the lease table");
	/* largest alignment first */
	p = t->mem;
	t->slots = (struct lease *)(void *)p;
	t->hash = (struct lease_hash_entry *)(void *)(p + sz_slots);
	t->heap = (uint32_t *)(void *)(p + sz_slots + sz_hash);
	t->fixed_by_mac = (uint32_t *)(void *)(p + sz_slots + sz_hash + sz_u32);
	t->hash_mask = (uint32_t)(hcap - 1);
	return 0;
}

static void init_slot(struct lease *l, uint32_t addr, size_t subnet)
{
	memset(l, 0, sizeof *l);
	l->addr = addr;
	l->subnet = (uint16_t)subnet;
	l->heap_pos = l->fifo_prev = l->fifo_next = NONE;
}

static int extra_cmp(const void *a, const void *b)
{
	const struct lease *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* heap_pos holds the host's position in the policy while sorting */
	return x->heap_pos < y->heap_pos ? -1 : x->heap_pos > y->heap_pos;
}

/* Place one host's reservation; false when it reserves nothing. */
static bool add_host(struct lease_table *t, const struct policy_host *h, uint32_t order)
{
	uint32_t a = ntohl(h->address.s_addr), s;
	int sn = subnet_of(t->subnets, t->n_subnets, a);
	const struct lease_subnet *net;
	struct lease *l;

	if (sn < 0 || memcmp(h->mac, zero_mac, 6) == 0)
		return false;
	net = &t->subnets[sn];
	if (net->mask != UINT32_MAX && net->mask != UINT32_MAX - 1 &&
	    (a == net->network || a == (net->network | ~net->mask)))
		return false;
	s = range_slot_of(t, a);
	if (s != NONE) {
		/* inside a range: policy should not allow it; reserve it anyway */
		if (t->slots[s].fixed)
			return false;
		l = &t->slots[s];
	} else {
		l = &t->slots[t->n_slots++];
		init_slot(l, a, (size_t)sn);
		l->heap_pos = order;
	}
	l->fixed = true;
	memcpy(l->fixed_mac, h->mac, 6);
	return true;
}

static int fixed_cmp(const void *a, const void *b, void *ctx)
{
	const struct lease *slots = ctx;
	const struct lease *x = &slots[*(const uint32_t *)a], *y = &slots[*(const uint32_t *)b];
	int r = mac_subnet_cmp(x->fixed_mac, x->subnet, y);

	if (r)
		return r;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void config_hosts(struct lease_table *t, const struct policy_dhcp *dhcp)
{
	uint32_t n = t->n_range_slots, kept;

	for (size_t i = 0; i < dhcp->n_hosts; i++) {
		if (dhcp->hosts[i].address.s_addr == 0)
			continue;
		if (!add_host(t, &dhcp->hosts[i], (uint32_t)i))
			t->hosts_ignored++;
	}
	/* fixed addresses outside the ranges: sorted, the first host of an address wins */
	qsort(t->slots + n, t->n_slots - n, sizeof t->slots[0], extra_cmp);
	kept = n;
	for (uint32_t i = n; i < t->n_slots; i++) {
		if (kept > n && t->slots[kept - 1].addr == t->slots[i].addr) {
			t->hosts_ignored++;
			continue;
		}
		t->slots[kept++] = t->slots[i];
	}
	t->n_slots = kept;
	for (uint32_t i = n; i < t->n_slots; i++)
		t->slots[i].heap_pos = NONE;
	for (uint32_t i = 0; i < t->n_slots; i++)
		if (t->slots[i].fixed)
			t->fixed_by_mac[t->n_fixed++] = i;
	qsort_r(t->fixed_by_mac, t->n_fixed, sizeof(uint32_t), fixed_cmp, t->slots);
	for (uint32_t i = 1; i < t->n_fixed; i++) {
		const struct lease *prev = &t->slots[t->fixed_by_mac[i - 1]];
		const struct lease *cur = &t->slots[t->fixed_by_mac[i]];

		if (mac_subnet_cmp(prev->fixed_mac, prev->subnet, cur) == 0)
			t->hosts_ignored++;
	}
}

int lease_table_init(struct lease_table *t, const struct policy_dhcp *dhcp,
		     const uint8_t key[LEASE_HASH_KEY_SIZE], const char **why)
{
	size_t max_slots;

	if (!t)
		return fail(why, "no table");
	memset(t, 0, sizeof *t);
	if (!dhcp || !key)
		return fail(why, "no policy");
	if (dhcp->n_subnets > POLICY_MAX_SUBNETS || dhcp->n_hosts > POLICY_MAX_HOSTS)
		return fail(why, "too many subnets or hosts");
	t->key[0] = load_le64(key, 8);
	t->key[1] = load_le64(key + 8, 8);
	if (config_subnets(t, dhcp, why) < 0)
		return -1;
	max_slots = (size_t)t->n_range_slots + hosts_with_address(dhcp);
	if (allocate(t, max_slots, why) < 0)
		return -1;
	for (size_t i = 0; i < t->n_ranges; i++) {
		const struct lease_range *r = &t->ranges[i];

		for (uint32_t a = r->low;; a++) {
			init_slot(&t->slots[r->base + (a - r->low)], a, r->subnet);
			if (a == r->high)
				break;
		}
	}
	t->n_slots = t->n_range_slots;
	config_hosts(t, dhcp);
	t->count[LEASE_FREE] = t->n_slots;
	return 0;
}

void lease_table_free(struct lease_table *t)
{
	if (!t)
		return;
	free(t->mem);
	memset(t, 0, sizeof *t);
}

uint32_t lease_slot_count(const struct lease_table *t)
{
	return t ? t->n_slots : 0;
}

const struct lease *lease_slot(const struct lease_table *t, uint32_t i)
{
	return t && i < t->n_slots ? &t->slots[i] : NULL;
}

/* ---- decisions ---------------------------------------------------------------- */

size_t lease_expire_due(struct lease_table *t, uint64_t now)
{
	size_t n = 0;

	if (!t)
		return 0;
	while (t->heap_len > 0 && t->slots[t->heap[0]].expiry <= now) {
		uint32_t s = t->heap[0];

		begin_change(t, s);
		t->slots[s].state = LEASE_EXPIRED;
		end_change(t, s);
		n++;
	}
	return n;
}

const struct lease *lease_offer(struct lease_table *t, size_t subnet,
				const struct lease_client *c, uint32_t requested,
				uint64_t now, uint32_t hold_s)
{
	uint64_t until = add_sat(now, hold_s ? hold_s : 1);
	uint32_t s, cur;

	if (!t || subnet >= t->n_subnets || !client_valid(c))
		return NULL;
	lease_expire_due(t, now);
	s = fixed_slot_for(t, subnet, c->mac);
	if (s != NONE)
		return t->slots[s].state == LEASE_DECLINED ? NULL : claim(t, s, c, now, until);
	cur = index_find(t, subnet, c);
	if (cur != NONE && is_live(&t->slots[cur], now) && !t->slots[cur].fixed) {
		if (t->slots[cur].state == LEASE_BOUND)
			return &t->slots[cur];
		return claim(t, cur, c, now, until);
	}
	s = requested ? slot_of_addr(t, requested) : NONE;
	if (s != NONE && t->slots[s].subnet == subnet && !t->slots[s].fixed &&
	    is_free(&t->slots[s], now))
		return claim(t, s, c, now, until);
	if (cur != NONE && !t->slots[cur].fixed && is_free(&t->slots[cur], now))
		return claim(t, cur, c, now, until);
	s = never_used_slot(t, subnet);
	if (s == NONE)
		s = t->subnets[subnet].fifo_head;
	return s == NONE ? NULL : claim(t, s, c, now, until);
}

static enum lease_verdict verdict(enum lease_verdict v, const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return v;
}

enum lease_verdict lease_request(struct lease_table *t, enum lease_request_kind kind,
				 size_t subnet, const struct lease_client *c, uint32_t addr,
				 uint64_t now, uint32_t hold_s, const struct lease **out,
				 const char **why)
{
	const struct lease_subnet *sn;
	const struct lease *l;
	uint32_t s, f, cur, reserve;

	if (out)
		*out = NULL;
	if (!t || subnet >= t->n_subnets)
		return verdict(LEASE_IGNORE, why, "no subnet");
	if (kind < LEASE_SELECTING || kind > LEASE_REBINDING)
		return verdict(LEASE_IGNORE, why, "unknown request kind");
	if (!client_valid(c))
		return verdict(LEASE_IGNORE, why, "no client identity");
	if (addr == 0)
		return verdict(LEASE_IGNORE, why, "no address requested");
	lease_expire_due(t, now);
	sn = &t->subnets[subnet];
	if ((addr & sn->mask) != sn->network)
		return verdict(LEASE_NAK, why, "wrong network");
	s = slot_of_addr(t, addr);
	if (s == NONE || t->slots[s].subnet != subnet)
		return verdict(LEASE_NAK, why, "address not in the pool");
	l = &t->slots[s];
	f = fixed_slot_for(t, subnet, c->mac);
	if (f != NONE && f != s)
		return verdict(LEASE_NAK, why, "client has a reserved address");
	if (l->fixed && memcmp(l->fixed_mac, c->mac, 6) != 0)
		return verdict(LEASE_NAK, why, "address reserved for another client");
	if (!l->fixed && is_live(l, now) && !lease_client_same(&l->client, c))
		return verdict(LEASE_NAK, why, "address in use by another client");
	if (l->state == LEASE_DECLINED && l->expiry > now)
		return verdict(LEASE_NAK, why, "address quarantined");
	cur = l->fixed ? NONE : index_find(t, subnet, c);
	if (cur != NONE && cur != s && is_live(&t->slots[cur], now))
		return verdict(LEASE_NAK, why, "client holds another address");
	reserve = hold_s > LEASE_RESERVE_MIN_S ? hold_s : LEASE_RESERVE_MIN_S;
	l = claim(t, s, c, now, add_sat(now, reserve));
	if (out)
		*out = l;
	return verdict(LEASE_ACK, why, "ok");
}

/* ---- applying journaled changes ------------------------------------------------ */

int lease_bind(struct lease_table *t, const struct lease_client *c, uint32_t addr,
	       uint64_t expiry, const char *hostname)
{
	struct lease *l;
	uint32_t s, cur;

	if (!t || !client_valid(c) || !lease_hostname_ok(hostname))
		return -1;
	s = slot_of_addr(t, addr);
	if (s == NONE)
		return -1;
	l = &t->slots[s];
	if (l->fixed && memcmp(l->fixed_mac, c->mac, 6) != 0)
		return -1;
	begin_change(t, s);
	if (!lease_client_same(&l->client, c))
		index_drop(t, s);
	l->client = *c;
	l->state = LEASE_BOUND;
	l->expiry = expiry;
	l->bound = true;
	memset(l->hostname, 0, sizeof l->hostname);
	if (hostname)
		memcpy(l->hostname, hostname, strlen(hostname));
	end_change(t, s);
	/* The index follows the binding that runs longest, whatever the order
	 * bindings are replayed in. */
	cur = index_find(t, l->subnet, c);
	if (cur == NONE || cur == s || t->slots[cur].state != LEASE_BOUND ||
	    t->slots[cur].expiry <= expiry)
		index_set(t, s);
	return 0;
}

int lease_release(struct lease_table *t, const struct lease_client *c, uint32_t addr)
{
	uint32_t s;

	if (!t || !client_valid(c))
		return -1;
	s = slot_of_addr(t, addr);
	if (s == NONE || t->slots[s].state != LEASE_BOUND ||
	    !lease_client_same(&t->slots[s].client, c))
		return -1;
	begin_change(t, s);
	t->slots[s].state = LEASE_RELEASED;
	end_change(t, s);
	return 0;
}

int lease_quarantine(struct lease_table *t, uint32_t addr, uint64_t until)
{
	struct lease *l;
	uint32_t s;

	if (!t)
		return -1;
	s = slot_of_addr(t, addr);
	if (s == NONE)
		return -1;
	l = &t->slots[s];
	begin_change(t, s);
	index_drop(t, s);
	memset(&l->client, 0, sizeof l->client);
	memset(l->hostname, 0, sizeof l->hostname);
	l->bound = false;
	l->state = LEASE_DECLINED;
	l->expiry = until;
	end_change(t, s);
	return 0;
}

int lease_decline(struct lease_table *t, const struct lease_client *c, uint32_t addr,
		  uint64_t now, uint32_t quarantine_s, uint64_t *until)
{
	const struct lease *l;
	uint64_t end = add_sat(now, quarantine_s);

	if (!t || !client_valid(c))
		return -1;
	l = lease_find_addr(t, addr);
	if (!l || (l->state != LEASE_OFFERED && l->state != LEASE_BOUND) ||
	    !lease_client_same(&l->client, c))
		return -1;
	if (until)
		*until = end;
	return lease_quarantine(t, addr, end);
}

/* ---- invariants ------------------------------------------------------------------ */

static int check_slot(const struct lease_table *t, uint32_t s, const char **why)
{
	const struct lease *l = &t->slots[s];

	if (slot_of_addr(t, l->addr) != s)
		return fail(why, "slot not found by its address");
	if (l->subnet >= t->n_subnets ||
	    (l->addr & t->subnets[l->subnet].mask) != t->subnets[l->subnet].network)
		return fail(why, "lease outside its subnet");
	if (s < t->n_range_slots && (s < t->subnets[l->subnet].base ||
				     s - t->subnets[l->subnet].base >= t->subnets[l->subnet].size))
		return fail(why, "range slot outside its subnet's range");
	if (s >= t->n_range_slots && !l->fixed)
		return fail(why, "address neither in a range nor fixed");
	if ((unsigned)l->state >= LEASE_STATE_COUNT)
		return fail(why, "bad state");
	if (l->client.id_len > LEASE_CLIENT_ID_MAX || !lease_hostname_ok(l->hostname) ||
	    l->hostname[LEASE_HOSTNAME_MAX] != '\0')
		return fail(why, "bad client or hostname");
	if (l->state == LEASE_FREE && (l->client.id_len || l->expiry || l->bound))
		return fail(why, "never-used lease with a client");
	if ((l->state == LEASE_OFFERED || l->state == LEASE_BOUND || l->state == LEASE_RELEASED) &&
	    l->client.id_len == 0)
		return fail(why, "lease without a client");
	if (l->state == LEASE_DECLINED && l->client.id_len)
		return fail(why, "quarantined lease with a client");
	if (l->bound && l->client.id_len == 0)
		return fail(why, "binding without a client");
	if (l->fixed && l->client.id_len && memcmp(l->client.mac, l->fixed_mac, 6) != 0)
		return fail(why, "fixed address held by another MAC");
	if (in_heap_state(l->state) != (l->heap_pos != NONE))
		return fail(why, "heap membership wrong");
	if (l->heap_pos != NONE && (l->heap_pos >= t->heap_len || t->heap[l->heap_pos] != s))
		return fail(why, "heap position wrong");
	if (reusable(l) != l->in_fifo)
		return fail(why, "free list membership wrong");
	if (s < t->n_range_slots && l->state == LEASE_FREE && !l->fixed &&
	    s - t->subnets[l->subnet].base < t->subnets[l->subnet].cursor)
		return fail(why, "never-used slot behind the cursor");
	return 0;
}

static int check_heap(const struct lease_table *t, const char **why)
{
	for (uint32_t i = 1; i < t->heap_len; i++)
		if (heap_before(t, t->heap[i], t->heap[(i - 1) / 2]))
			return fail(why, "heap order broken");
	return 0;
}

static int check_fifos(const struct lease_table *t, const char **why)
{
	uint64_t total = 0;

	for (size_t n = 0; n < t->n_subnets; n++) {
		uint32_t prev = NONE, s = t->subnets[n].fifo_head;

		while (s != NONE) {
			const struct lease *l;

			if (s >= t->n_slots || ++total > t->n_slots)
				return fail(why, "free list runs away");
			l = &t->slots[s];
			if (!l->in_fifo || l->subnet != n || l->fifo_prev != prev)
				return fail(why, "free list links wrong");
			prev = s;
			s = l->fifo_next;
		}
		if (t->subnets[n].fifo_tail != prev)
			return fail(why, "free list tail wrong");
	}
	for (uint32_t s = 0; s < t->n_slots; s++)
		total -= t->slots[s].in_fifo;
	return total == 0 ? 0 : fail(why, "free list misses slots");
}

static int check_index(const struct lease_table *t, const char **why)
{
	uint32_t used = 0;

	for (uint32_t i = 0; i <= t->hash_mask; i++) {
		const struct lease_hash_entry *e = &t->hash[i];
		const struct lease *l;

		if (e->slot1 == 0)
			continue;
		used++;
		if (e->slot1 > t->n_slots)
			return fail(why, "index entry out of range");
		l = &t->slots[e->slot1 - 1];
		if (l->client.id_len == 0 || e->hash != client_hash(t, l->subnet, &l->client))
			return fail(why, "index entry for a slot without its client");
		/* reachable: the probe from its home finds it, so no hole before it */
		if (index_probe(t, l->subnet, &l->client, e->hash) != i)
			return fail(why, "index entry unreachable or duplicated");
	}
	if (used != t->hash_used || 2 * (uint64_t)used > (uint64_t)t->hash_mask + 1)
		return fail(why, "index count wrong");
	return 0;
}

static int check_fixed(const struct lease_table *t, const char **why)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < t->n_slots; s++)
		n += t->slots[s].fixed;
	if (n != t->n_fixed)
		return fail(why, "fixed slots miscounted");
	for (uint32_t i = 0; i < t->n_fixed; i++) {
		const struct lease *l = &t->slots[t->fixed_by_mac[i]];

		if (!l->fixed || (i > 0 && fixed_cmp(&t->fixed_by_mac[i - 1], &t->fixed_by_mac[i],
						     t->slots) >= 0))
			return fail(why, "fixed slots out of order");
	}
	for (uint32_t s = t->n_range_slots + 1; s < t->n_slots; s++)
		if (t->slots[s - 1].addr >= t->slots[s].addr)
			return fail(why, "fixed addresses out of order");
	return 0;
}

static int check_counts(const struct lease_table *t, const char **why)
{
	uint32_t count[LEASE_STATE_COUNT] = { 0 };
	uint64_t persist = 0;

	for (uint32_t s = 0; s < t->n_slots; s++) {
		count[t->slots[s].state]++;
		persist += snapshot_records(&t->slots[s]);
	}
	if (memcmp(count, t->count, sizeof count) != 0 || persist != t->persist_records)
		return fail(why, "counters wrong");
	if (t->heap_len != count[LEASE_OFFERED] + count[LEASE_BOUND] + count[LEASE_DECLINED])
		return fail(why, "heap size wrong");
	return 0;
}

int lease_check_invariants(const struct lease_table *t, const char **why)
{
	if (!t || t->n_slots > t->n_range_slots + POLICY_MAX_HOSTS)
		return fail(why, "bad table");
	for (uint32_t s = 0; s < t->n_slots; s++)
		if (check_slot(t, s, why) < 0)
			return -1;
	if (check_heap(t, why) < 0 || check_fifos(t, why) < 0 || check_index(t, why) < 0 ||
	    check_fixed(t, why) < 0 || check_counts(t, why) < 0)
		return -1;
	return 0;
}
