/* test_lease.c — unit tests of the lease table.
 *
 * The policy is filled by hand (the parser is not needed), kept off the stack
 * because struct policy_dhcp is large.  Every test ends by checking the
 * table's invariants.
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
#include <time.h>

#include "dhcpd/lease.h"

#define NOW 1700000000ull
#define HOLD 30
#define LEASE_S 3600

static const uint8_t test_key[LEASE_HASH_KEY_SIZE] = "bootward-lease-k";

/* ---- environment ------------------------------------------------------------ */

struct env {
	struct policy_dhcp *dhcp;
	struct lease_table t;
	bool built;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct in_addr in(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void add_subnet(struct env *e, const char *net, uint8_t prefix, const char *lo,
		       const char *hi)
{
	struct policy_subnet *s = &e->dhcp->subnets[e->dhcp->n_subnets++];

	s->network = in(net);
	s->prefix_len = prefix;
	if (lo) {
		s->range_low = in(lo);
		s->range_high = in(hi);
	}
	s->lease_s = LEASE_S;
}

static void mac_of(uint8_t mac[6], unsigned n)
{
	const uint8_t m[6] = { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			       (uint8_t)(n >> 8), (uint8_t)n };

	memcpy(mac, m, 6);
}

static void add_host(struct env *e, unsigned macn, const char *addr)
{
	struct policy_host *h = &e->dhcp->hosts[e->dhcp->n_hosts++];

	snprintf(h->name, sizeof h->name, "host%u", macn);
	mac_of(h->mac, macn);
	h->address = addr ? in(addr) : (struct in_addr){ 0 };
}

/* Client n: identity is htype 1 + its MAC, as without option 61. */
static struct lease_client client(unsigned n)
{
	struct lease_client c;
	uint8_t mac[6];

	mac_of(mac, n);
	assert_int_equal(lease_client_make(&c, NULL, 0, 1, mac, 6), 0);
	return c;
}

/* The same machine, but presenting an option 61 identity. */
static struct lease_client client_opt61(unsigned n, const char *id)
{
	struct lease_client c;
	uint8_t mac[6];

	mac_of(mac, n);
	assert_int_equal(lease_client_make(&c, (const uint8_t *)id, strlen(id), 1, mac, 6), 0);
	return c;
}

static void check_table(struct env *e)
{
	const char *why = NULL;

	if (lease_check_invariants(&e->t, &why) != 0)
		fail_msg("invariant broken: %s", why);
}

static void build(struct env *e)
{
	const char *why = NULL;

	if (lease_table_init(&e->t, e->dhcp, test_key, &why) != 0)
		fail_msg("lease_table_init: %s", why);
	e->built = true;
	check_table(e);
}

/* 10.0.0.0/24 with range .100-.109 and two fixed hosts outside it. */
static void build_small(struct env *e)
{
	add_subnet(e, "10.0.0.0", 24, "10.0.0.100", "10.0.0.109");
	add_host(e, 500, "10.0.0.5");
	add_host(e, 501, "10.0.0.6");
	build(e);
}

static int env_setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);

	assert_non_null(e);
	e->dhcp = calloc(1, sizeof *e->dhcp);
	assert_non_null(e->dhcp);
	*state = e;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *e = *state;

	if (e->built) {
		check_table(e);
		lease_table_free(&e->t);
	}
	free(e->dhcp);
	free(e);
	return 0;
}

static const struct lease *offer(struct env *e, unsigned n, const char *want, uint64_t now)
{
	struct lease_client c = client(n);

	return lease_offer(&e->t, 0, &c, want ? ip(want) : 0, now, HOLD);
}

static enum lease_verdict request(struct env *e, enum lease_request_kind kind, unsigned n,
				  const char *addr, uint64_t now, const char **why)
{
	struct lease_client c = client(n);
	const struct lease *l = NULL;
	enum lease_verdict v = lease_request(&e->t, kind, 0, &c, ip(addr), now, HOLD, &l, why);

	if (v == LEASE_ACK) {
		assert_non_null(l);
		assert_int_equal(l->addr, ip(addr));
	} else {
		assert_null(l);
	}
	return v;
}

/* The full exchange: offer, ACKed request, binding. */
static uint32_t get_bound(struct env *e, unsigned n, uint64_t now)
{
	struct lease_client c = client(n);
	const struct lease *l = lease_offer(&e->t, 0, &c, 0, now, HOLD);
	uint32_t addr;

	assert_non_null(l);
	addr = l->addr;
	assert_int_equal(lease_request(&e->t, LEASE_SELECTING, 0, &c, addr, now, HOLD, &l, NULL),
			 LEASE_ACK);
	assert_int_equal(lease_bind(&e->t, &c, addr, now + LEASE_S, "pc"), 0);
	return addr;
}

/* ---- set-up ------------------------------------------------------------------ */

static void test_init_basic(void **state)
{
	struct env *e = *state;
	const struct lease *l;

	build_small(e);
	assert_int_equal(lease_slot_count(&e->t), 12);
	assert_int_equal(e->t.hosts_ignored, 0);
	l = lease_find_addr(&e->t, ip("10.0.0.100"));
	assert_non_null(l);
	assert_int_equal(l->state, LEASE_FREE);
	assert_false(l->fixed);
	l = lease_find_addr(&e->t, ip("10.0.0.109"));
	assert_non_null(l);
	l = lease_find_addr(&e->t, ip("10.0.0.5"));
	assert_non_null(l);
	assert_true(l->fixed);
	assert_null(lease_find_addr(&e->t, ip("10.0.0.99")));
	assert_null(lease_find_addr(&e->t, ip("10.0.0.110")));
	assert_null(lease_find_addr(&e->t, ip("10.0.0.7")));
	assert_null(lease_find_addr(&e->t, ip("10.0.1.100")));
	assert_int_equal(lease_subnet_of(&e->t, ip("10.0.0.77")), 0);
	assert_int_equal(lease_subnet_of(&e->t, ip("10.0.1.1")), -1);
}

static void expect_init_error(struct env *e, const char *text)
{
	struct lease_table t;
	const char *why = NULL;

	assert_int_equal(lease_table_init(&t, e->dhcp, test_key, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, text));
	memset(e->dhcp, 0, sizeof *e->dhcp);
}

static void test_init_errors(void **state)
{
	struct env *e = *state;

	add_subnet(e, "10.0.0.0", 24, "10.0.1.1", "10.0.1.5");
	expect_init_error(e, "outside its subnet");
	add_subnet(e, "10.0.0.0", 24, "10.0.0.9", "10.0.0.5");
	expect_init_error(e, "ends before");
	add_subnet(e, "10.0.0.0", 24, "10.0.0.0", "10.0.0.5");
	expect_init_error(e, "network or broadcast");
	add_subnet(e, "10.0.0.0", 24, "10.0.0.200", "10.0.0.255");
	expect_init_error(e, "network or broadcast");
	add_subnet(e, "10.0.0.1", 24, NULL, NULL);
	expect_init_error(e, "host bits");
	add_subnet(e, "10.0.0.0", 16, "10.0.0.10", "10.0.0.20");
	add_subnet(e, "10.0.0.0", 24, "10.0.0.20", "10.0.0.30");
	expect_init_error(e, "overlap");
	add_subnet(e, "10.0.0.0", 15, "10.0.0.1", "10.1.0.1");
	expect_init_error(e, "65536");
	add_subnet(e, "10.0.0.0", 31, "10.0.0.0", "10.0.0.1");
	expect_init_error(e, "smaller than /30");
	e->dhcp->n_subnets = POLICY_MAX_SUBNETS + 1;
	expect_init_error(e, "too many");
}

static void test_init_largest_pool(void **state)
{
	struct env *e = *state;

	/* a /16 pool and a second subnet filling the pool to exactly 65536 */
	add_subnet(e, "10.1.0.0", 16, "10.1.0.1", "10.1.255.254");
	add_subnet(e, "10.2.0.0", 24, "10.2.0.1", "10.2.0.2");
	build(e);
	assert_int_equal(lease_slot_count(&e->t), 65536);
}

static void test_init_hosts_defensive(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	struct lease_client c;

	add_subnet(e, "10.0.0.0", 24, "10.0.0.100", "10.0.0.103");
	add_host(e, 1, "10.0.0.101");  /* inside the range: reserved anyway */
	add_host(e, 2, "10.9.9.9");    /* in no subnet: ignored */
	add_host(e, 3, "10.0.0.5");
	add_host(e, 4, "10.0.0.5");    /* same address as host 3: ignored */
	add_host(e, 5, "10.0.0.0");    /* network address: ignored */
	add_host(e, 6, "10.0.0.255");  /* broadcast address: ignored */
	add_host(e, 7, "10.0.0.8");
	add_host(e, 7, "10.0.0.7");    /* second address of MAC 7: never given */
	add_host(e, 8, NULL);          /* no fixed address: reserves nothing */
	e->dhcp->hosts[e->dhcp->n_hosts] = e->dhcp->hosts[0];
	memset(e->dhcp->hosts[e->dhcp->n_hosts].mac, 0, 6);
	e->dhcp->hosts[e->dhcp->n_hosts++].address = in("10.0.0.9"); /* zero MAC: ignored */
	build(e);
	assert_int_equal(e->t.hosts_ignored, 6);
	/* slots: 4 range + .5 + .7 + .8 */
	assert_int_equal(lease_slot_count(&e->t), 7);
	assert_true(lease_find_addr(&e->t, ip("10.0.0.101"))->fixed);
	assert_null(lease_find_addr(&e->t, ip("10.9.9.9")));
	assert_null(lease_find_addr(&e->t, ip("10.0.0.9")));

	/* the reserved range address is never given to anyone else */
	for (unsigned n = 100; n < 104; n++) {
		l = offer(e, n, "10.0.0.101", NOW);
		if (n < 103) {
			assert_non_null(l);
			assert_int_not_equal(l->addr, ip("10.0.0.101"));
		} else {
			assert_null(l); /* three free range addresses, three clients */
		}
	}
	/* but its host gets it */
	l = offer(e, 1, NULL, NOW);
	assert_non_null(l);
	assert_int_equal(l->addr, ip("10.0.0.101"));
	/* the host with two addresses gets the lowest; the other is refused */
	l = offer(e, 7, NULL, NOW);
	assert_int_equal(l->addr, ip("10.0.0.7"));
	c = client(7);
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 0, &c, ip("10.0.0.8"), NOW, HOLD,
				       NULL, NULL), LEASE_NAK);
	check_table(e);
}

static void test_client_make(void **state)
{
	struct lease_client c, d;
	uint8_t chaddr[16] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 1, 2 };
	uint8_t id[65];
	char name[70];

	(void)state;
	memset(id, 7, sizeof id);
	assert_int_equal(lease_client_make(&c, NULL, 0, 1, chaddr, 6), 0);
	assert_int_equal(c.id_len, 7);
	assert_int_equal(c.id[0], 1);
	assert_memory_equal(c.id + 1, chaddr, 6);
	assert_memory_equal(c.mac, chaddr, 6);
	assert_int_equal(lease_client_make(&d, id, 64, 1, chaddr, 6), 0);
	assert_int_equal(d.id_len, 64);
	assert_memory_equal(d.mac, chaddr, 6);
	assert_false(lease_client_same(&c, &d));
	assert_int_equal(lease_client_make(&d, id, 65, 1, chaddr, 6), -1);
	assert_int_equal(lease_client_make(&d, NULL, 0, 1, chaddr, 0), -1);
	assert_int_equal(lease_client_make(&d, NULL, 0, 1, chaddr, 17), -1);
	assert_int_equal(lease_client_make(&d, NULL, 0, 32, chaddr, 16), 0);
	assert_int_equal(d.id_len, 17);
	assert_int_equal(lease_client_make(&d, id, 1, 0, NULL, 0), 0);
	assert_int_equal(d.id_len, 1);

	assert_true(lease_hostname_ok(NULL));
	assert_true(lease_hostname_ok(""));
	assert_true(lease_hostname_ok("web01.example-site_1"));
	memset(name, 'a', sizeof name);
	name[63] = '\0';
	assert_true(lease_hostname_ok(name));
	name[63] = 'a';
	name[64] = '\0';
	assert_false(lease_hostname_ok(name));
	assert_false(lease_hostname_ok("two words"));
	assert_false(lease_hostname_ok("tab\there"));
	assert_false(lease_hostname_ok("del\x7f"));
	assert_false(lease_hostname_ok("high\xc3\xa9"));
}

/* ---- offers ------------------------------------------------------------------ */

static void test_offer_never_used_in_order(void **state)
{
	struct env *e = *state;

	build_small(e);
	for (unsigned n = 0; n < 10; n++) {
		const struct lease *l = offer(e, n, NULL, NOW);
		char want[20];

		snprintf(want, sizeof want, "10.0.0.%u", 100 + n);
		assert_non_null(l);
		assert_int_equal(l->addr, ip(want));
		assert_int_equal(l->state, LEASE_OFFERED);
		assert_int_equal(l->expiry, NOW + HOLD);
	}
	assert_null(offer(e, 10, NULL, NOW)); /* pool exhausted */
}

static void test_offer_repeat_keeps_address(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	struct lease_client c = client(1);

	build_small(e);
	l = offer(e, 1, NULL, NOW);
	assert_int_equal(l->addr, ip("10.0.0.100"));
	/* a second DISCOVER, asking for something else: the same offer, longer */
	l = offer(e, 1, "10.0.0.105", NOW + 10);
	assert_int_equal(l->addr, ip("10.0.0.100"));
	assert_int_equal(l->expiry, NOW + 10 + HOLD);
	/* a shorter hold never shortens it */
	l = lease_offer(&e->t, 0, &c, 0, NOW + 11, 1);
	assert_int_equal(l->expiry, NOW + 10 + HOLD);
	assert_ptr_equal(lease_find_client(&e->t, 0, &c), l);
}

static void test_offer_requested_address(void **state)
{
	struct env *e = *state;
	const struct lease *l;

	build_small(e);
	l = offer(e, 1, "10.0.0.107", NOW);
	assert_int_equal(l->addr, ip("10.0.0.107"));
	/* held by client 1: client 2 gets a never-used one instead */
	l = offer(e, 2, "10.0.0.107", NOW);
	assert_int_equal(l->addr, ip("10.0.0.100"));
	/* outside the range, a fixed address, another network: ignored */
	assert_int_equal(offer(e, 3, "10.0.0.50", NOW)->addr, ip("10.0.0.101"));
	assert_int_equal(offer(e, 4, "10.0.0.5", NOW)->addr, ip("10.0.0.102"));
	assert_int_equal(offer(e, 5, "192.168.1.7", NOW)->addr, ip("10.0.0.103"));
	/* once client 1's offer ran out, the address is free to ask for */
	l = offer(e, 6, "10.0.0.107", NOW + HOLD);
	assert_int_equal(l->addr, ip("10.0.0.107"));
}

static void test_offer_previous_address(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	uint32_t a1, a2;
	struct lease_client c1 = client(1);

	build_small(e);
	a1 = get_bound(e, 1, NOW);
	a2 = get_bound(e, 2, NOW);
	/* client 1 lets its lease run out; client 2 gives its back */
	assert_int_equal(lease_release(&e->t, &c1, a2), -1); /* not its address */
	c1 = client(2);
	assert_int_equal(lease_release(&e->t, &c1, a2), 0);
	lease_expire_due(&e->t, NOW + LEASE_S);
	assert_int_equal(lease_find_addr(&e->t, a1)->state, LEASE_EXPIRED);
	assert_int_equal(lease_find_addr(&e->t, a2)->state, LEASE_RELEASED);
	/* a new client does not take them while never-used addresses remain */
	l = offer(e, 3, NULL, NOW + LEASE_S);
	assert_int_equal(l->addr, ip("10.0.0.102"));
	/* each returning client gets its own old address back */
	assert_int_equal(offer(e, 2, NULL, NOW + LEASE_S)->addr, a2);
	assert_int_equal(offer(e, 1, NULL, NOW + LEASE_S)->addr, a1);
	/* the address it asks for comes before its old one */
	lease_expire_due(&e->t, NOW + LEASE_S + HOLD);
	assert_int_equal(offer(e, 1, "10.0.0.108", NOW + LEASE_S + HOLD)->addr, ip("10.0.0.108"));
}

static void test_offer_bound_unchanged(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	uint32_t a;

	build_small(e);
	a = get_bound(e, 1, NOW);
	l = offer(e, 1, "10.0.0.109", NOW + 100);
	assert_int_equal(l->addr, a);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(l->expiry, NOW + LEASE_S);
	assert_string_equal(l->hostname, "pc");
}

static void test_offer_reuse_least_recently_freed(void **state)
{
	struct env *e = *state;
	uint32_t a[10];
	struct lease_client c;

	build_small(e);
	for (unsigned n = 0; n < 10; n++)
		a[n] = get_bound(e, n, NOW);
	assert_null(offer(e, 100, NULL, NOW));
	/* freed in the order 7 (released), 3 (released), then 5 (expired) */
	c = client(7);
	assert_int_equal(lease_release(&e->t, &c, a[7]), 0);
	c = client(3);
	assert_int_equal(lease_release(&e->t, &c, a[3]), 0);
	for (unsigned n = 0; n < 10; n++) {
		if (n == 3 || n == 7 || n == 5)
			continue;
		c = client(n);
		assert_int_equal(lease_bind(&e->t, &c, a[n], NOW + 2 * LEASE_S, NULL), 0);
	}
	assert_int_equal(lease_expire_due(&e->t, NOW + LEASE_S), 1);
	assert_int_equal(offer(e, 100, NULL, NOW + LEASE_S)->addr, a[7]);
	assert_int_equal(offer(e, 101, NULL, NOW + LEASE_S)->addr, a[3]);
	assert_int_equal(offer(e, 102, NULL, NOW + LEASE_S)->addr, a[5]);
	assert_null(offer(e, 103, NULL, NOW + LEASE_S));
	/* their previous owners have lost them: they get nothing now */
	assert_null(offer(e, 7, NULL, NOW + LEASE_S));
}

static void test_offer_fixed_host(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	struct lease_client c;
	uint32_t dyn;

	build_small(e);
	l = offer(e, 500, "10.0.0.104", NOW);
	assert_int_equal(l->addr, ip("10.0.0.5"));
	/* nobody else gets it, even asking for it */
	assert_int_equal(offer(e, 1, "10.0.0.5", NOW)->addr, ip("10.0.0.100"));
	c = client(1);
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 0, &c, ip("10.0.0.5"), NOW, HOLD,
				       NULL, NULL), LEASE_NAK);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.5"), NOW + LEASE_S, NULL), -1);
	/* the same machine with an option 61 identity takes its address over */
	c = client_opt61(500, "uefi-shell");
	l = lease_offer(&e->t, 0, &c, 0, NOW + 1, HOLD);
	assert_int_equal(l->addr, ip("10.0.0.5"));
	assert_true(lease_client_same(&l->client, &c));
	/* A host holding a dynamic lease when its reservation appears moves to
	 * it (the journal replayed a binding made before the host was added). */
	c = client(501);
	dyn = ip("10.0.0.108");
	assert_int_equal(lease_bind(&e->t, &c, dyn, NOW + LEASE_S, NULL), 0);
	l = offer(e, 501, NULL, NOW + 5);
	assert_int_equal(l->addr, ip("10.0.0.6"));
	assert_int_equal(lease_request(&e->t, LEASE_RENEWING, 0, &c, dyn, NOW + 5, HOLD, NULL,
				       NULL), LEASE_NAK);
	/* the old lease runs out unused; nobody else gets it meanwhile */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 2, "10.0.0.108", NOW + 5, NULL), LEASE_NAK);
	assert_int_equal(request(e, LEASE_SELECTING, 501, "10.0.0.6", NOW + 5, NULL), LEASE_ACK);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.6"), NOW + 5 + LEASE_S, NULL), 0);
	assert_int_equal(lease_find_client(&e->t, 0, &c)->addr, ip("10.0.0.6"));
	/* quarantined: the host gets nothing rather than a dynamic address */
	assert_int_equal(lease_quarantine(&e->t, ip("10.0.0.6"), NOW + 600), 0);
	assert_null(offer(e, 501, NULL, NOW + 10));
	assert_int_equal(offer(e, 501, NULL, NOW + 600)->addr, ip("10.0.0.6"));
	check_table(e);
}

static void test_offer_declined_quarantine(void **state)
{
	struct env *e = *state;
	const struct lease *l;
	struct lease_client c = client(1), other = client(2);
	uint64_t until = 0;

	build_small(e);
	l = offer(e, 1, NULL, NOW);
	assert_int_equal(l->addr, ip("10.0.0.100"));
	assert_int_equal(lease_decline(&e->t, &other, ip("10.0.0.100"), NOW, 600, &until), -1);
	assert_int_equal(lease_decline(&e->t, &c, ip("10.0.0.100"), NOW, 600, &until), 0);
	assert_int_equal(until, NOW + 600);
	l = lease_find_addr(&e->t, ip("10.0.0.100"));
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_int_equal(l->client.id_len, 0);
	assert_null(lease_find_client(&e->t, 0, &c));
	/* never offered during the quarantine, even when asked for */
	assert_int_equal(offer(e, 1, "10.0.0.100", NOW + 1)->addr, ip("10.0.0.101"));
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 0, &other, ip("10.0.0.100"),
				       NOW + 1, HOLD, NULL, NULL), LEASE_NAK);
	for (unsigned n = 3; n < 11; n++)
		assert_non_null(offer(e, n, NULL, NOW + 2));
	assert_null(offer(e, 11, NULL, NOW + 2));
	/* after it, it is free again */
	l = offer(e, 11, "10.0.0.100", NOW + 600);
	assert_non_null(l);
	assert_int_equal(l->addr, ip("10.0.0.100"));
}

static void test_offer_flood_bounded(void **state)
{
	struct env *e = *state;
	unsigned got = 0;

	add_subnet(e, "10.0.0.0", 24, "10.0.0.1", "10.0.0.254");
	build(e);
	/* 20000 DISCOVERs from distinct MACs within one hold time */
	for (unsigned n = 0; n < 20000; n++)
		got += offer(e, 1000 + n, NULL, NOW + n / 1000) != NULL;
	assert_int_equal(got, 254);
	assert_true(e->t.hash_used <= lease_slot_count(&e->t));
	assert_int_equal(e->t.count[LEASE_OFFERED], 254);
	check_table(e);
	/* the offers run out and the pool is usable again */
	assert_int_equal(lease_expire_due(&e->t, NOW + 20 + HOLD), 254);
	assert_non_null(offer(e, 1, NULL, NOW + 20 + HOLD));
}

/* ---- requests ------------------------------------------------------------------ */

static void test_request_selecting(void **state)
{
	struct env *e = *state;
	const char *why = NULL;
	const struct lease *l;

	build_small(e);
	l = offer(e, 1, NULL, NOW);
	assert_int_equal(l->addr, ip("10.0.0.100"));
	assert_int_equal(request(e, LEASE_SELECTING, 2, "10.0.0.100", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "address in use by another client");
	assert_int_equal(request(e, LEASE_SELECTING, 1, "10.0.0.101", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "client holds another address");
	assert_int_equal(request(e, LEASE_SELECTING, 1, "10.0.0.100", NOW, &why), LEASE_ACK);
	/* the reservation outlives the offer's hold */
	l = lease_find_addr(&e->t, ip("10.0.0.100"));
	assert_int_equal(l->state, LEASE_OFFERED);
	assert_true(l->expiry >= NOW + HOLD);
	assert_int_equal(request(e, LEASE_SELECTING, 1, "10.1.0.100", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "wrong network");
	assert_int_equal(request(e, LEASE_SELECTING, 2, "10.0.0.50", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "address not in the pool");
}

static void test_request_after_lost_offer(void **state)
{
	struct env *e = *state;

	/* The worker restarted between OFFER and REQUEST: the offer is gone. */
	build_small(e);
	assert_int_equal(request(e, LEASE_SELECTING, 1, "10.0.0.104", NOW, NULL), LEASE_ACK);
	/* a second client asking for it in the same batch is refused: the
	 * first ACK reserved it before its binding is durable */
	assert_int_equal(request(e, LEASE_SELECTING, 2, "10.0.0.104", NOW, NULL), LEASE_NAK);
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 2, "10.0.0.104", NOW, NULL), LEASE_NAK);
	assert_int_not_equal(offer(e, 2, "10.0.0.104", NOW)->addr, ip("10.0.0.104"));
}

/* A hold of 0, and a clock that ticks during a batch: the reservation an ACK
 * makes still keeps a second client off the address until the commit. */
static void test_request_reservation_floor(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1), d = client(2);
	const struct lease *l = NULL;

	build_small(e);
	l = lease_offer(&e->t, 0, &c, 0, NOW, 0);
	assert_non_null(l);
	assert_int_equal(l->expiry, NOW + 1);
	assert_int_equal(lease_request(&e->t, LEASE_SELECTING, 0, &c, l->addr, NOW, 0, &l, NULL),
			 LEASE_ACK);
	assert_int_equal(l->expiry, NOW + LEASE_RESERVE_MIN_S);
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 0, &d, l->addr, NOW + 2, 0, NULL,
				       NULL), LEASE_NAK);
	assert_int_not_equal(lease_offer(&e->t, 0, &d, l->addr, NOW + 2, 0)->addr, l->addr);
}

static void test_request_init_reboot(void **state)
{
	struct env *e = *state;
	const char *why = NULL;

	build_small(e);
	/* no record of the client, address free: ACK */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 1, "10.0.0.103", NOW, &why), LEASE_ACK);
	assert_int_equal(lease_bind(&e->t, &(struct lease_client){ 0 }, ip("10.0.0.103"), 1, NULL),
			 -1);
	{
		struct lease_client c = client(1);

		assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.103"), NOW + LEASE_S, NULL), 0);
	}
	/* its own address again (a reboot): ACK */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 1, "10.0.0.103", NOW + 5, &why), LEASE_ACK);
	assert_int_equal(lease_find_addr(&e->t, ip("10.0.0.103"))->state, LEASE_BOUND);
	/* somebody else's: NAK */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 2, "10.0.0.103", NOW, &why), LEASE_NAK);
	/* an address from another network (the laptop moved): NAK */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 2, "192.168.0.7", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "wrong network");
	/* a fixed host asking for a dynamic address, or another MAC for the fixed one */
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 500, "10.0.0.104", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "client has a reserved address");
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 2, "10.0.0.5", NOW, &why), LEASE_NAK);
	assert_string_equal(why, "address reserved for another client");
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 500, "10.0.0.5", NOW, &why), LEASE_ACK);
	/* after its lease ran out and the address went to another client: NAK */
	lease_expire_due(&e->t, NOW + LEASE_S + 10);
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 3, "10.0.0.103", NOW + LEASE_S + 10, &why),
			 LEASE_ACK);
	assert_int_equal(request(e, LEASE_INIT_REBOOT, 1, "10.0.0.103", NOW + LEASE_S + 10, &why),
			 LEASE_NAK);
}

static void test_request_renewing(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1);
	const char *why = NULL;
	const struct lease *l;
	uint32_t a;

	build_small(e);
	a = get_bound(e, 1, NOW);
	l = lease_find_addr(&e->t, a);
	assert_int_equal(lease_request(&e->t, LEASE_RENEWING, 0, &c, a, NOW + LEASE_S / 2, HOLD,
				       &l, &why), LEASE_ACK);
	assert_int_equal(l->state, LEASE_BOUND);
	assert_int_equal(lease_bind(&e->t, &c, a, NOW + LEASE_S / 2 + LEASE_S, "pc"), 0);
	assert_int_equal(l->expiry, NOW + LEASE_S / 2 + LEASE_S);
	/* a lapsed lease nobody took is renewed */
	lease_expire_due(&e->t, NOW + 3 * LEASE_S);
	assert_int_equal(l->state, LEASE_EXPIRED);
	assert_int_equal(lease_request(&e->t, LEASE_REBINDING, 0, &c, a, NOW + 3 * LEASE_S, HOLD,
				       NULL, &why), LEASE_ACK);
	/* the renewal reservation lasts at least the hold time even if the
	 * binding was about to end */
	assert_int_equal(lease_bind(&e->t, &c, a, NOW + 3 * LEASE_S + 1, NULL), 0);
	assert_int_equal(lease_request(&e->t, LEASE_RENEWING, 0, &c, a, NOW + 3 * LEASE_S, HOLD,
				       &l, NULL), LEASE_ACK);
	assert_true(l->expiry >= NOW + 3 * LEASE_S + HOLD);
	lease_expire_due(&e->t, NOW + 3 * LEASE_S + 2);
	assert_int_equal(request(e, LEASE_SELECTING, 2, "10.0.0.100", NOW + 3 * LEASE_S + 2, NULL),
			 LEASE_NAK);
}

static void test_request_ignored(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1), none = { 0 };
	const char *why = NULL;

	build_small(e);
	assert_int_equal(lease_request(&e->t, LEASE_SELECTING, 1, &c, ip("10.0.0.100"), NOW, HOLD,
				       NULL, &why), LEASE_IGNORE);
	assert_int_equal(lease_request(&e->t, LEASE_SELECTING, 0, &none, ip("10.0.0.100"), NOW,
				       HOLD, NULL, &why), LEASE_IGNORE);
	assert_int_equal(lease_request(&e->t, LEASE_SELECTING, 0, &c, 0, NOW, HOLD, NULL, &why),
			 LEASE_IGNORE);
	assert_int_equal(lease_request(&e->t, (enum lease_request_kind)9, 0, &c, ip("10.0.0.100"),
				       NOW, HOLD, NULL, &why), LEASE_IGNORE);
	assert_null(lease_offer(&e->t, 3, &c, 0, NOW, HOLD));
	assert_null(lease_offer(&e->t, 0, &none, 0, NOW, HOLD));
	assert_int_equal(e->t.count[LEASE_FREE], lease_slot_count(&e->t));
}

/* ---- applying records --------------------------------------------------------- */

static void test_bind_release_decline(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1), d = client(2);
	const struct lease *l;

	build_small(e);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.104"), NOW + 100, "host-a"), 0);
	l = lease_find_addr(&e->t, ip("10.0.0.104"));
	assert_int_equal(l->state, LEASE_BOUND);
	assert_string_equal(l->hostname, "host-a");
	assert_ptr_equal(lease_find_client(&e->t, 0, &c), l);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.104"), NOW + 100, "bad name"), -1);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.99"), NOW + 100, NULL), -1);
	/* a later binding of the address to another client wins (journal order) */
	assert_int_equal(lease_bind(&e->t, &d, ip("10.0.0.104"), NOW + 200, NULL), 0);
	assert_true(lease_client_same(&l->client, &d));
	assert_string_equal(l->hostname, "");
	assert_null(lease_find_client(&e->t, 0, &c));
	assert_int_equal(lease_release(&e->t, &c, ip("10.0.0.104")), -1);
	assert_int_equal(lease_release(&e->t, &d, ip("10.0.0.104")), 0);
	assert_int_equal(l->state, LEASE_RELEASED);
	assert_int_equal(lease_release(&e->t, &d, ip("10.0.0.104")), -1);
	assert_int_equal(lease_decline(&e->t, &d, ip("10.0.0.104"), NOW, 60, NULL), -1);
	assert_int_equal(lease_quarantine(&e->t, ip("10.0.0.104"), NOW + 60), 0);
	assert_int_equal(l->state, LEASE_DECLINED);
	assert_int_equal(lease_quarantine(&e->t, ip("10.0.0.99"), NOW + 60), -1);
	assert_int_equal(lease_expire_due(&e->t, NOW + 59), 0);
	assert_int_equal(lease_expire_due(&e->t, NOW + 60), 1);
	assert_int_equal(l->state, LEASE_EXPIRED);
	/* an offer cannot be released, only a binding */
	assert_non_null(offer(e, 3, NULL, NOW));
	c = client(3);
	assert_int_equal(lease_release(&e->t, &c, ip("10.0.0.100")), -1);
}

static void test_bind_index_follows_longest(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1);

	/* replayed out of order, the index still points at the running binding */
	build_small(e);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.107"), NOW + 500, NULL), 0);
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.102"), NOW + 100, NULL), 0);
	assert_int_equal(lease_find_client(&e->t, 0, &c)->addr, ip("10.0.0.107"));
	assert_int_equal(lease_bind(&e->t, &c, ip("10.0.0.103"), NOW + 900, NULL), 0);
	assert_int_equal(lease_find_client(&e->t, 0, &c)->addr, ip("10.0.0.103"));
}

static void test_expire_due(void **state)
{
	struct env *e = *state;

	add_subnet(e, "10.0.0.0", 16, "10.0.0.1", "10.0.3.232"); /* 1000 addresses */
	build(e);
	for (unsigned n = 0; n < 1000; n++) {
		struct lease_client c = client(n);
		char a[20];

		snprintf(a, sizeof a, "10.0.%u.%u", (n + 1) / 256, (n + 1) % 256);
		assert_int_equal(lease_bind(&e->t, &c, ip(a), NOW + (n * 7919) % 1000, NULL), 0);
	}
	check_table(e);
	for (uint64_t t = 0; t < 1000; t += 100) {
		size_t n = lease_expire_due(&e->t, NOW + t + 99);

		assert_int_equal(n, 100);
		assert_int_equal(lease_expire_due(&e->t, NOW + t + 99), 0);
		check_table(e);
	}
	assert_int_equal(e->t.count[LEASE_EXPIRED], 1000);
	assert_int_equal(e->t.heap_len, 0);
}

static void test_multiple_subnets(void **state)
{
	struct env *e = *state;
	struct lease_client c = client(1);
	const struct lease *a, *b;

	add_subnet(e, "10.0.0.0", 24, "10.0.0.100", "10.0.0.101");
	add_subnet(e, "10.0.1.0", 24, "10.0.1.100", "10.0.1.101");
	add_subnet(e, "10.0.2.0", 24, NULL, NULL); /* fixed hosts only */
	add_host(e, 1, "10.0.2.9");
	build(e);
	/* one client, a lease in each subnet, each kept */
	a = lease_offer(&e->t, 0, &c, ip("10.0.1.100"), NOW, HOLD);
	b = lease_offer(&e->t, 1, &c, 0, NOW, HOLD);
	assert_int_equal(a->addr, ip("10.0.0.100"));
	assert_int_equal(b->addr, ip("10.0.1.100"));
	assert_ptr_equal(lease_find_client(&e->t, 0, &c), a);
	assert_ptr_equal(lease_find_client(&e->t, 1, &c), b);
	assert_int_equal(lease_offer(&e->t, 2, &c, 0, NOW, HOLD)->addr, ip("10.0.2.9"));
	c = client(2);
	assert_null(lease_offer(&e->t, 2, &c, 0, NOW, HOLD));
	/* a request for another subnet's address on this one */
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 0, &c, ip("10.0.1.101"), NOW, HOLD,
				       NULL, NULL), LEASE_NAK);
	assert_int_equal(lease_request(&e->t, LEASE_INIT_REBOOT, 1, &c, ip("10.0.1.101"), NOW, HOLD,
				       NULL, NULL), LEASE_ACK);
}

/* ---- scale ------------------------------------------------------------------------ */

static void test_full_slash16(void **state)
{
	struct env *e = *state;
	struct timespec t0, t1;
	double ms;

	add_subnet(e, "10.1.0.0", 16, "10.1.0.1", "10.1.255.254");
	build(e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned n = 0; n < 65534; n++) {
		const struct lease *l = offer(e, n, NULL, NOW);

		assert_non_null(l);
		assert_int_equal(l->addr, ip("10.1.0.1") + n);
	}
	assert_null(offer(e, 65534, NULL, NOW));
	for (unsigned n = 0; n < 65534; n += 97) {
		struct lease_client c = client(n);

		assert_int_equal(lease_find_client(&e->t, 0, &c)->addr, ip("10.1.0.1") + n);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("65534 offers in a /16: %.1f ms\n", ms);
	check_table(e);
	/* all run out at once; then everyone comes back to its own address */
	assert_int_equal(lease_expire_due(&e->t, NOW + HOLD), 65534);
	for (unsigned n = 65533; n > 65000; n--)
		assert_int_equal(offer(e, n, NULL, NOW + HOLD)->addr, ip("10.1.0.1") + n);
}

/* Insertions and removals in a small index, exercising the backward shift. */
static void test_index_churn(void **state)
{
	struct env *e = *state;
	uint32_t seed = 12345;

	add_subnet(e, "10.0.0.0", 24, "10.0.0.1", "10.0.0.6");
	build(e);
	assert_int_equal(e->t.hash_mask + 1, 16);
	for (unsigned i = 0; i < 20000; i++) {
		unsigned n;
		const struct lease *l;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 64;
		l = offer(e, n, NULL, NOW + i);
		if (l && (seed & 1)) {
			struct lease_client c = client(n);

			assert_int_equal(lease_decline(&e->t, &c, l->addr, NOW + i, seed % 5, NULL),
					 0);
		}
		if (i % 256 == 0)
			check_table(e);
	}
}

/* ---- the checker itself ----------------------------------------------------------- */

static void expect_broken(struct env *e, const char *text)
{
	const char *why = NULL;

	assert_int_equal(lease_check_invariants(&e->t, &why), -1);
	assert_non_null(strstr(why, text));
}

static void test_invariants_detect(void **state)
{
	struct env *e = *state;
	struct lease *slots;
	struct lease saved;
	uint32_t s;

	build_small(e);
	get_bound(e, 1, NOW);
	get_bound(e, 2, NOW);
	assert_non_null(offer(e, 500, NULL, NOW));
	slots = e->t.slots;
	s = (uint32_t)(lease_find_addr(&e->t, ip("10.0.0.5")) - slots);

	saved = slots[s];
	slots[s].client.mac[5] ^= 1;
	expect_broken(e, "fixed address held by another MAC");
	slots[s] = saved;

	saved = slots[0];
	slots[0].addr = ip("10.0.0.101");
	expect_broken(e, "not found by its address");
	slots[0] = saved;

	saved = slots[0];
	slots[0].expiry = 1; /* below its parent in the heap */
	expect_broken(e, "heap order");
	slots[0] = saved;

	e->t.count[LEASE_BOUND]++;
	expect_broken(e, "counters");
	e->t.count[LEASE_BOUND]--;

	saved = slots[1];
	slots[1].state = LEASE_FREE;
	expect_broken(e, "never-used lease with a client");
	slots[1] = saved;

	e->t.hash_used++;
	expect_broken(e, "index count");
	e->t.hash_used--;
	check_table(e);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_basic),
		T(test_init_errors),
		T(test_init_largest_pool),
		T(test_init_hosts_defensive),
		T(test_client_make),
		T(test_offer_never_used_in_order),
		T(test_offer_repeat_keeps_address),
		T(test_offer_requested_address),
		T(test_offer_previous_address),
		T(test_offer_bound_unchanged),
		T(test_offer_reuse_least_recently_freed),
		T(test_offer_fixed_host),
		T(test_offer_declined_quarantine),
		T(test_offer_flood_bounded),
		T(test_request_selecting),
		T(test_request_after_lost_offer),
		T(test_request_reservation_floor),
		T(test_request_init_reboot),
		T(test_request_renewing),
		T(test_request_ignored),
		T(test_bind_release_decline),
		T(test_bind_index_follows_longest),
		T(test_expire_due),
		T(test_multiple_subnets),
		T(test_full_slash16),
		T(test_index_churn),
		T(test_invariants_detect),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
