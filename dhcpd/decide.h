/* decide.h — what the DHCP worker answers to one client message.
 *
 * Pure code: the policy, the lease table and the clock go in, a decision
 * comes out: drop (with a reason, counted and logged), or send a reply to a
 * destination, possibly with a journal record that must be durable before
 * the reply leaves.  The lease table is updated at once (so two messages in
 * one batch cannot both win an address); if the journal cannot be made
 * durable the worker exits without sending, and its successor rebuilds the
 * table from the journal.
 *
 * RFC 2131 §4.3 (server behaviour), §4.1 (where replies go); PXE 2.1 and
 * RFC 4578 for client classes and proxyDHCP.
 */
#ifndef BOOTWARD_DHCP_DECIDE_H
#define BOOTWARD_DHCP_DECIDE_H

#include "dhcpd/dhcp.h"
#include "dhcpd/journal.h"
#include "dhcpd/lease.h"
#include "policy/policy.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define DECIDE_RATE_SLOTS 1024      /* MACs tracked for the per-MAC DISCOVER limit */
#define DECIDE_QUARANTINE_S 600     /* a DECLINEd address is not offered for this long */
#define DECIDE_URL_MAX (POLICY_PATH_MAX + 32)

/* Where a message arrived. */
struct dhcp_arrival {
	struct in_addr local;   /* our address on the arrival interface */
	int ifindex;            /* arrival interface */
	struct in_addr src;     /* UDP source */
	uint16_t src_port;      /* host byte order */
	bool broadcast;         /* sent to a broadcast address (REBINDING vs RENEWING) */
	bool pxe_port;          /* arrived on UDP 4011 (proxyDHCP boot server) */
};

enum dhcp_action { DHCP_DROP = 0, DHCP_SEND = 1, DHCP_RECORD_ONLY = 2 };

struct dhcp_decision {
	enum dhcp_action action;
	const char *why;             /* DROP: reason; otherwise what was done ("offer", "ack", ...) */
	struct dhcp_reply reply;
	/* destination (RFC 2131 §4.1) */
	struct in_addr to;           /* 255.255.255.255 for a broadcast */
	uint16_t to_port;            /* host byte order */
	int ifindex;                 /* for broadcasts: the interface to send on */
	/* a record to make durable before sending */
	bool has_record;
	struct journal_record record;
	/* storage the reply points into */
	char bootfile[DECIDE_URL_MAX];
	char tftp_server[16];
	char hostname[POLICY_HOSTNAME_MAX];
	uint8_t vendor_opts[8];
	const char *class_name;      /* for the log; "-" when none */
};

struct decide_rate {
	uint8_t mac[6];
	uint64_t second;
	uint32_t count;
};

struct dhcp_engine {
	const struct policy *policy;
	struct lease_table *leases;
	uint64_t second;             /* overall DISCOVER budget: current second and count */
	uint32_t discovers;
	struct decide_rate rate[DECIDE_RATE_SLOTS];
};

/* Decide the answer to m, which arrived as a says, at now (seconds since the
 * epoch).  Always fills d. */
void dhcp_decide(struct dhcp_engine *e, const struct dhcp_msg *m, const struct dhcp_arrival *a,
		 uint64_t now, struct dhcp_decision *d);

/* The client class m falls in, or NULL; iPXE clients try classes that match
 * a user class first, so iPXE is never handed iPXE again. */
const struct policy_class *dhcp_match_class(const struct policy *p, const struct dhcp_msg *m);

/* Expand ${class} ${mac} ${hostname} ${ip} ${arch} in a boot path.  Returns 0,
 * or -1 when the result does not fit (or a variable is unknown). */
int dhcp_expand_path(char *out, size_t cap, const char *path, const char *class_name,
		     const struct dhcp_msg *m, const char *hostname, struct in_addr ip);

#endif
