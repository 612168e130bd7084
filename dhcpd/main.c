/* main.c — bootward-dhcpd: the DHCP / proxyDHCP worker.
 *
 * Started by the broker with its IPC socket on fd 3.  It receives the policy
 * and its sockets (UDP 67 per interface, and 4011 in proxy mode), enters its
 * sandbox (chrooted in its own state directory, which holds the lease
 * journal), replays the journal, then answers clients from one epoll loop.
 *
 * Each wake-up reads a batch of messages, decides every answer
 * (dhcpd/decide.c), appends the journal records those answers need, makes
 * them durable with one fdatasync (group commit), and only then sends the
 * replies: an ACK never leaves before its lease is on disk.
 */
#include "common/ipc.h"
#include "common/log.h"
#include "common/net.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "dhcpd/decide.h"
#include "dhcpd/dhcp.h"
#include "dhcpd/journal.h"
#include "dhcpd/lease.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define EV_IPC UINT32_MAX
#define JOURNAL_FILE "leases.journal"

struct pending {
	struct dhcp_msg msg;
	struct dhcp_arrival arr;
	struct dhcp_decision dec;
	int fd;                    /* socket it came in on: the reply leaves by it */
};

static struct dhcpd {
	struct policy policy;
	struct lease_table leases;
	struct journal journal;
	struct dhcp_engine engine;
	struct worker_socket *socks;
	size_t n_socks;
	int epfd;
	struct pending batch[BATCH];
	uint64_t dropped, malformed;
	struct log_limit drops_log;
} D = { .drops_log = { .name = "drops-suppressed" } };

static uint64_t wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Drops and malformed packets share one log budget. */
static bool log_allowed(void)
{
	return log_limit_pass(&D.drops_log, mono_ms());
}

/* ---- receive ------------------------------------------------------------------ */

/* Read one datagram with its arrival interface and addresses.  Returns its
 * length, 0 when it is unusable, or -1 when there is nothing (more) to read. */
static ssize_t receive(int fd, uint8_t *buf, size_t cap, struct dhcp_arrival *a)
{
	struct sockaddr_in from;
	struct in_pktinfo pi;
	ssize_t n = udp_recv(fd, buf, cap, &from, &pi);

	memset(a, 0, sizeof *a);
	a->src = from.sin_addr;
	a->src_port = ntohs(from.sin_port);
	a->local = pi.ipi_spec_dst;
	a->ifindex = pi.ipi_ifindex;
	a->broadcast = pi.ipi_addr.s_addr == htonl(INADDR_BROADCAST);
	return n;
}

/* ---- send --------------------------------------------------------------------- */

static void send_reply(const struct pending *p)
{
	static uint8_t pkt[DHCP_PACKET_MAX];
	const struct dhcp_decision *d = &p->dec;
	const char *why = NULL;
	size_t len = dhcp_build_reply(pkt, sizeof pkt, &p->msg, &d->reply, &why);

	if (!len) {
		log_rec(LOG_LEVEL_ERR, "event=build-failed xid=0x%08x error=\"%s\"", p->msg.xid, why);
		return;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = d->to, .sin_port = htons(d->to_port) };
	int ifindex = d->to.s_addr == htonl(INADDR_BROADCAST) ? d->ifindex : 0;

	if (udp_send(p->fd, &to, p->arr.local, ifindex, pkt, len) < 0)
		log_rec(LOG_LEVEL_WARN, "event=send-failed xid=0x%08x error=\"%s\"", p->msg.xid, strerror(errno));
}

/* One line per message answered or recorded; drops are rate-limited. */
static void log_decision(const struct pending *p)
{
	const struct dhcp_decision *d = &p->dec;
	char mac[DHCP_HWADDR_STR_MAX], ip[INET_ADDRSTRLEN] = "-", to[INET_ADDRSTRLEN], file[300];

	dhcp_format_hwaddr(mac, sizeof mac, &p->msg);
	if (d->action == DHCP_DROP) {
		D.dropped++;
		if (log_allowed())
			log_rec(LOG_LEVEL_INFO, "event=dhcp-drop type=%s mac=%s xid=0x%08x reason=\"%s\"",
				dhcp_message_type_name(p->msg.type), mac, p->msg.xid, d->why);
		return;
	}
	if (d->reply.yiaddr.s_addr)
		inet_ntop(AF_INET, &d->reply.yiaddr, ip, sizeof ip);
	else if (d->has_record && d->record.addr) {
		struct in_addr a = { htonl(d->record.addr) };
		inet_ntop(AF_INET, &a, ip, sizeof ip);
	}
	inet_ntop(AF_INET, &d->to, to, sizeof to);
	const char *boot = d->reply.bootfile ? d->reply.bootfile : "-";
	log_rec(LOG_LEVEL_INFO, "event=dhcp type=%s mac=%s xid=0x%08x action=%s address=%s class=%s boot=%s to=%s:%u%s",
		dhcp_message_type_name(p->msg.type), mac, p->msg.xid, d->why, ip, d->class_name,
		log_quote(file, sizeof file, boot, strlen(boot)), d->action == DHCP_SEND ? to : "-",
		d->action == DHCP_SEND ? (unsigned)d->to_port : 0u,
		p->msg.giaddr.s_addr ? " relayed=yes" : "");
}

/* ---- the batch ------------------------------------------------------------------ */

static size_t read_batch(int fd, bool pxe_port, uint64_t now, size_t n)
{
	static uint8_t buf[DHCP_PACKET_MAX + 1];

	while (n < BATCH) {
		struct pending *p = &D.batch[n];
		ssize_t len = receive(fd, buf, sizeof buf, &p->arr);
		const char *why = NULL;
		if (len < 0)
			break;
		if (len == 0 || dhcp_parse(buf, (size_t)len, &p->msg, &why) < 0) {
			D.malformed++;
			if (log_allowed())
				log_rec(LOG_LEVEL_INFO, "event=dhcp-malformed bytes=%zd reason=\"%s\"", len,
					why ? why : "truncated");
			continue;
		}
		p->arr.pxe_port = pxe_port;
		p->fd = fd;
		dhcp_decide(&D.engine, &p->msg, &p->arr, now, &p->dec);
		if (p->dec.has_record && journal_append(&D.journal, &p->dec.record) < 0)
			worker_fatal("journal append");
		n++;
	}
	return n;
}

static void finish_batch(size_t n)
{
	if (!n)
		return;
	/* Group commit: one sync for every record of the batch, before any reply. */
	if (D.journal.pending && journal_commit(&D.journal) < 0)
		worker_fatal("journal commit (no reply sent; the journal holds what was acknowledged)");
	for (size_t i = 0; i < n; i++) {
		if (D.batch[i].dec.action == DHCP_SEND)
			send_reply(&D.batch[i]);
		log_decision(&D.batch[i]);
	}
}

static void maintain(uint64_t now)
{
	lease_expire_due(&D.leases, now);
	if (journal_compact_due(&D.journal, &D.leases)) {
		if (journal_compact(&D.journal, &D.leases) < 0)
			worker_fatal("journal compaction");
		log_rec(LOG_LEVEL_INFO, "event=journal-compacted records=%llu",
			(unsigned long long)D.journal.records);
	}
}

/* ---- start-up ---------------------------------------------------------------------- */

static void open_journal(void)
{
	struct journal_report rep;
	int dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dirfd < 0)
		worker_fatal("state directory");
	if (journal_open(&D.journal, dirfd, JOURNAL_FILE, journal_apply_to_table, &D.leases, &rep) < 0)
		worker_fatal("journal open");
	log_rec(rep.status == JOURNAL_OK ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"event=journal-replayed records=%llu skipped=%llu bytes=%llu cut_bytes=%llu status=%s%s%s",
		(unsigned long long)rep.records, (unsigned long long)rep.skipped,
		(unsigned long long)rep.good_bytes, (unsigned long long)rep.cut_bytes,
		journal_status_name(rep.status), rep.why ? " detail=" : "", rep.why ? rep.why : "");
}

static void setup(struct worker_handover *h)
{
	uint8_t key[LEASE_HASH_KEY_SIZE];
	const char *why = NULL;

	if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
		worker_fatal("getrandom");
	if (lease_table_init(&D.leases, &D.policy.dhcp, key, &why) < 0) {
		errno = EINVAL;
		log_rec(LOG_LEVEL_ERR, "event=lease-table error=\"%s\"", why);
		exit(1);
	}
	D.engine = (struct dhcp_engine){ .policy = &D.policy, .leases = &D.leases };
	D.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (D.epfd < 0)
		worker_fatal("epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_IPC };
	if (epoll_ctl(D.epfd, EPOLL_CTL_ADD, IPC_FD, &ev) < 0)
		worker_fatal("epoll_ctl ipc");
	D.socks = h->socks;
	D.n_socks = h->n_socks;
	size_t usable = 0;
	for (size_t i = 0; i < D.n_socks; i++) {
		if (D.socks[i].role != IPC_SOCK_DHCP && D.socks[i].role != IPC_SOCK_DHCP_PROXY)
			continue;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(D.epfd, EPOLL_CTL_ADD, D.socks[i].fd, &ev) < 0)
			worker_fatal("epoll_ctl socket");
		usable++;
	}
	if (!usable) {
		errno = EPROTO;
		worker_fatal("hand-over without DHCP sockets");
	}
}

int main(void)
{
	static struct worker_handover h = { .policy = &D.policy };

	log_to_ipc(IPC_FD);
	worker_receive_handover(WORKER_DHCPD, &h);
	setup(&h);
	uint32_t id = worker_uid(D.policy.uid_base, WORKER_DHCPD);
	struct sandbox_spec spec = { .kind = WORKER_DHCPD, .root = h.root, .root_writable = true, .uid = id, .gid = id };
	if (sandbox_enter(&spec) < 0)
		exit(1);
	open_journal();
	log_rec(LOG_LEVEL_INFO, "event=ready mode=%s sockets=%zu subnets=%zu hosts=%zu classes=%zu leases=%u",
		D.policy.dhcp.mode == POLICY_DHCP_PROXY ? "proxy" : "authoritative", D.n_socks,
		D.policy.dhcp.n_subnets, D.policy.dhcp.n_hosts, D.policy.dhcp.n_classes,
		D.leases.count[LEASE_BOUND]);
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(D.epfd, ev, 8, 1000);
		if (n < 0 && errno != EINTR)
			worker_fatal("epoll_wait");
		uint64_t now = wall_s();
		size_t batched = 0;
		for (int i = 0; i < n; i++) {
			uint32_t k = ev[i].data.u32;
			if (k == EV_IPC)
				exit(0); /* the broker went away or spoke out of turn */
			if (k < D.n_socks)
				batched = read_batch(D.socks[k].fd, D.socks[k].role == IPC_SOCK_DHCP_PROXY, now, batched);
		}
		finish_batch(batched);
		maintain(now);
	}
}
