/* lease.h — the DHCP lease table: which address belongs to which client.
 *
 * Pure code: no syscalls, no globals; time is always a parameter (seconds
 * since the epoch).  lease_table_init() makes the only allocation, one block
 * sized from the policy's ranges and fixed hosts; nothing grows afterwards.
 *
 * One slot per address the table can hand out: every address of every range,
 * then every fixed-host address outside the ranges.  A slot remembers its last
 * client even when free, so a returning client can get its old address back.
 * Addresses are IPv4 in host byte order throughout this interface.
 *
 * How the DHCP worker uses it (decide, journal, apply):
 *   DISCOVER  lease_offer()                           -> OFFER (nothing journaled)
 *   REQUEST   lease_request() -> LEASE_ACK: journal_append(BIND); after the
 *             batch's journal_commit() succeeded: lease_bind(), then send ACK
 *             -> LEASE_NAK: send NAK;  LEASE_IGNORE: stay silent
 *   RELEASE   lease_release() == 0 -> journal_append(RELEASE)
 *   DECLINE   lease_decline() == 0 -> journal_append(DECLINE)
 *   replay    journal records -> lease_bind() / lease_release() / lease_quarantine()
 * lease_request() reserves the address for the client when it answers ACK, so
 * no later request in the same batch can be granted it before lease_bind().
 *
 * Memory under a flood: a DISCOVER from an unknown client takes at most one
 * free slot, as an offer that expires after hold_s and is then free again (an
 * unexpired offer blocks its address, an expired one does not).  A flood of
 * random MACs can therefore exhaust the pool for hold_s seconds at worst,
 * never memory: slots, the client index and the expiry heap are all sized at
 * init.  (Rate limits per MAC and overall belong to the worker.)
 */
#ifndef BOOTWARD_LEASE_H
#define BOOTWARD_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

#define LEASE_CLIENT_ID_MAX 64   /* bytes of client identity kept */
#define LEASE_HOSTNAME_MAX 63    /* characters of option 12 kept */
#define LEASE_POOL_MAX 65536     /* range addresses over all subnets (a /16) */
#define LEASE_HASH_KEY_SIZE 16   /* secret key of the client index hash */
#define LEASE_RESERVE_MIN_S 10   /* shortest reservation an ACK makes (see lease_request) */

enum lease_state {
	LEASE_FREE = 0,   /* never handed out since the table was built */
	LEASE_OFFERED,    /* reserved for a client until expiry */
	LEASE_BOUND,      /* bound to a client until expiry */
	LEASE_RELEASED,   /* given back by its client; free */
	LEASE_EXPIRED,    /* its offer, binding or quarantine ran out; free */
	LEASE_DECLINED,   /* reported in use by someone else: quarantined until expiry */
	LEASE_STATE_COUNT
};

/* Who asks: the identity leases are keyed by (option 61, or the hardware
 * type followed by chaddr when the client sends no option 61), and the MAC
 * that fixed-host reservations match. */
struct lease_client {
	uint8_t id_len;                    /* 1..LEASE_CLIENT_ID_MAX; 0: none */
	uint8_t id[LEASE_CLIENT_ID_MAX];
	uint8_t mac[6];
};

struct lease {
	/* read by the worker */
	uint32_t addr;
	enum lease_state state;
	uint64_t expiry;      /* OFFERED, BOUND: end of the lease; DECLINED: end of the
			       * quarantine; EXPIRED: when it ran out; RELEASED: the end
			       * it had; FREE: 0 */
	struct lease_client client;  /* last client; id_len 0 when none */
	char hostname[LEASE_HOSTNAME_MAX + 1];
	bool fixed;           /* reserved for fixed_mac by a policy host */
	uint8_t fixed_mac[6];

	/* private to lease.c */
	bool bound;           /* the journal holds a binding of this client here */
	bool in_fifo;
	uint16_t subnet;
	uint32_t heap_pos;
	uint32_t fifo_prev, fifo_next;
};

/* Private to lease.c. */
struct lease_subnet {
	uint32_t network, mask;
	uint32_t base, size;          /* its range's slots */
	uint32_t cursor;              /* no never-used slot of the range lies before it */
	uint32_t fifo_head, fifo_tail; /* free slots, least recently freed first */
};

struct lease_range {
	uint32_t low, high, base;
	uint16_t subnet;
};

struct lease_hash_entry {
	uint32_t slot1;               /* slot index + 1; 0: empty */
	uint32_t hash;
};

struct lease_table {
	struct lease_subnet subnets[POLICY_MAX_SUBNETS];
	size_t n_subnets;
	struct lease_range ranges[POLICY_MAX_SUBNETS]; /* sorted by address */
	size_t n_ranges;
	void *mem;                    /* the one allocation */
	struct lease *slots;
	uint32_t n_slots, n_range_slots;
	uint32_t *heap;               /* slots with a running expiry, soonest first */
	uint32_t heap_len;
	struct lease_hash_entry *hash; /* (client id, subnet) -> slot, linear probing */
	uint32_t hash_mask, hash_used;
	uint32_t *fixed_by_mac;       /* fixed slots sorted by (MAC, subnet, address) */
	uint32_t n_fixed;
	uint64_t key[2];
	uint32_t hosts_ignored;       /* policy hosts that reserve nothing (see init) */
	uint32_t count[LEASE_STATE_COUNT];
	uint64_t persist_records;     /* records a compacted journal holds */
};

/* Build the table from the policy's subnets and hosts.  Ranges must lie inside
 * their subnet, avoid its network and broadcast addresses, not overlap and
 * hold at most LEASE_POOL_MAX addresses together; otherwise -1 with *why set.
 * Hosts are taken defensively: a fixed address inside a range reserves that
 * range address for the host; a host whose address lies in no subnet, is a
 * subnet's network or broadcast address, repeats an earlier host's address, or
 * whose MAC is all zero is skipped and counted in hosts_ignored; a second
 * fixed address of one MAC in one subnet stays reserved but is never given
 * (the lowest is), and is counted too.  Hosts with address 0 reserve nothing.
 * key seeds the client index hash (pass random bytes: a client cannot then
 * choose identities that collide). */
int lease_table_init(struct lease_table *t, const struct policy_dhcp *dhcp,
		     const uint8_t key[LEASE_HASH_KEY_SIZE], const char **why);
void lease_table_free(struct lease_table *t);

/* Fill *c from option 61 when given (id_len 1..64), else from htype and
 * chaddr (hlen 1..16).  The MAC is the first 6 bytes of chaddr.  Returns 0,
 * or -1 for lengths out of range. */
int lease_client_make(struct lease_client *c, const uint8_t *client_id, size_t id_len,
		      uint8_t htype, const uint8_t *chaddr, size_t hlen);
bool lease_client_same(const struct lease_client *a, const struct lease_client *b);

/* A hostname the table and journal accept: 0..63 printable ASCII characters
 * without space.  NULL counts as empty. */
bool lease_hostname_ok(const char *s);

/* Lookups, O(1) expected by client and O(log subnets + log hosts) by address.
 * A client has at most one indexed lease per subnet: its latest. */
const struct lease *lease_find_client(const struct lease_table *t, size_t subnet,
				      const struct lease_client *c);
const struct lease *lease_find_addr(const struct lease_table *t, uint32_t addr);
/* The subnet whose network holds addr (longest prefix), or -1. */
int lease_subnet_of(const struct lease_table *t, uint32_t addr);

/* Choose an address for a DISCOVER arriving on subnet, in this order:
 *  1. the client's fixed address in this subnet (matched by MAC); a client
 *     with one gets nothing else here, and nothing while it is quarantined;
 *  2. its current offer or binding (returned unchanged if BOUND);
 *  3. the address it asks for (option 50; 0: none), if free in the range;
 *  4. the address it had before (EXPIRED or RELEASED, still its own);
 *  5. a never-used address of the range;
 *  6. the least recently freed one.
 * Never an address another client holds unexpired, a quarantined one, or a
 * fixed address of another MAC.  Records OFFERED until now + hold_s, at least
 * one second (an existing offer's expiry is never shortened).  NULL when the pool is
 * exhausted or the subnet or client is invalid.  A fixed address comes first,
 * ahead of a current dynamic lease, so that a reservation added while the host
 * holds a dynamic lease takes effect (renewals would otherwise keep the old
 * address forever); the old lease then runs out unused. */
const struct lease *lease_offer(struct lease_table *t, size_t subnet,
				const struct lease_client *c, uint32_t requested,
				uint64_t now, uint32_t hold_s);

/* The client states of RFC 2131 4.3.2 a DHCPREQUEST comes from. */
enum lease_request_kind {
	LEASE_SELECTING,    /* answers our OFFER: server id and option 50 set */
	LEASE_INIT_REBOOT,  /* option 50 set, no server id, ciaddr 0 */
	LEASE_RENEWING,     /* unicast, ciaddr set */
	LEASE_REBINDING,    /* broadcast, ciaddr set */
};

enum lease_verdict { LEASE_ACK, LEASE_NAK, LEASE_IGNORE };

/* Decide a DHCPREQUEST for addr (option 50 when SELECTING or INIT-REBOOT,
 * ciaddr when RENEWING or REBINDING) arriving on subnet.  Checking the server
 * identifier of a SELECTING request is the caller's business.  One rule for
 * every kind (this server is authoritative for its subnets):
 *   IGNORE  invalid subnet, no client identity, or addr 0;
 *   NAK     addr outside the subnet's network ("wrong network"), not an
 *           address of this table in that subnet, the client has a fixed
 *           address here and addr is another one, addr is fixed for another
 *           MAC, held unexpired by another client, quarantined, or the client
 *           holds another unexpired address in this subnet;
 *   ACK     otherwise: addr is the client's own, or free.
 * So an INIT-REBOOT or SELECTING from a client we have no record of (an offer
 * lost to a restart, a wiped state directory) is ACKed only when the address
 * is free and grantable to it; RFC 2131 would also allow silence there, but
 * an ACK of a free address costs nothing and spares the client a restart.
 * On ACK *out is the lease and the address is reserved for the client until at
 * least now + max(hold_s, LEASE_RESERVE_MIN_S), so that a clock that ticks
 * while a batch is decided cannot free it before the batch is committed;
 * journal the binding, commit, then lease_bind().
 * A RENEWING request is unicast and carries no giaddr: pass the subnet of
 * ciaddr (lease_subnet_of) for it.  *why (optional) gets a static reason. */
enum lease_verdict lease_request(struct lease_table *t, enum lease_request_kind kind,
				 size_t subnet, const struct lease_client *c, uint32_t addr,
				 uint64_t now, uint32_t hold_s, const struct lease **out,
				 const char **why);

/* Apply a binding the journal made durable (also used by replay, so the
 * result depends only on the table and the record): addr becomes BOUND to c
 * until expiry with the given hostname (NULL: none).  Later records win over
 * earlier ones.  Returns 0, or -1 when addr is not in the table, is fixed for
 * another MAC, or the client or hostname is invalid. */
int lease_bind(struct lease_table *t, const struct lease_client *c, uint32_t addr,
	       uint64_t expiry, const char *hostname);

/* The client gives back its binding of addr (only c's BOUND lease: matched by
 * identity).  Returns 0, or -1 when addr is not bound to c. */
int lease_release(struct lease_table *t, const struct lease_client *c, uint32_t addr);

/* The client reports addr in use by someone else: quarantine it until
 * now + quarantine_s, stored in *until (optional).  Only the client that holds
 * addr (offered or bound) may decline it: returns -1 otherwise. */
int lease_decline(struct lease_table *t, const struct lease_client *c, uint32_t addr,
		  uint64_t now, uint32_t quarantine_s, uint64_t *until);

/* Quarantine addr until `until`, whoever holds it (journal replay of DECLINE).
 * Returns 0, or -1 when addr is not in the table. */
int lease_quarantine(struct lease_table *t, uint32_t addr, uint64_t until);

/* Move every offer, binding and quarantine that ran out by now to EXPIRED.
 * O(k log n) for k expiries; the decision functions call it themselves.
 * Returns k. */
size_t lease_expire_due(struct lease_table *t, uint64_t now);

/* Iteration over all slots, for compaction and reporting. */
uint32_t lease_slot_count(const struct lease_table *t);
const struct lease *lease_slot(const struct lease_table *t, uint32_t i);

/* What a compacted journal records of a slot, so that replaying it rebuilds
 * the slot: a BIND for a binding (running or run out) the journal held, a
 * RELEASE after it when the client gave it back, a DECLINE for a quarantine
 * (running or over).  Offers and never-used slots record nothing. */
enum {
	LEASE_SNAP_BIND = 1,
	LEASE_SNAP_RELEASE = 2,
	LEASE_SNAP_DECLINE = 4,
};
unsigned lease_snapshot_kind(const struct lease *l);

/* Check every structural invariant: one slot per address, each inside a
 * configured range or a fixed host; fixed addresses only ever held by their
 * MAC; no address live for two clients; heap, free list, client index and
 * counters consistent.  For tests and fuzzing: O(n).  Returns 0, or -1 with
 * *why set. */
int lease_check_invariants(const struct lease_table *t, const char **why);

#endif
