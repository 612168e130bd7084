/* main.c — bootward-tftpd: the TFTP worker.
 *
 * Started by the broker with its IPC socket on fd 3.  It receives the policy
 * and its sockets (UDP 69 and the transfer-port pool), enters its sandbox,
 * then serves every transfer from one epoll loop.  All protocol decisions are
 * in tftp.c; this file only moves bytes between sockets, files and it.
 */
#include "common/ipc.h"
#include "common/log.h"
#include "common/net.h"
#include "common/sandbox.h"
#include "common/worker.h"
#include "policy/policy.h"
#include "tftpd/tftp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN POLICY_MAX_INTERFACES
#define EV_IPC UINT32_MAX
#define EV_LISTEN 0x80000000u

struct session {
	struct tftp_xfer x;
	size_t slot;               /* index in tftpd.pool */
	size_t active_idx;         /* index in tftpd.active */
	struct sockaddr_in peer;
	struct in_addr local;      /* our address the client talked to */
	int fd;                    /* file being read or written */
	bool upload;
	bool connected;            /* transfer socket connect()ed to the peer */
	char path[TFTP_FILENAME_MAX + POLICY_PATH_MAX + 2];
	uint64_t started_ms;
};

struct pool_slot {
	int fd;
	uint16_t port;
	struct session *s;         /* NULL: free */
};

static struct tftpd {
	struct policy policy;
	struct tftp_limits lim;
	int listen[MAX_LISTEN];
	size_t n_listen;
	struct pool_slot *pool;
	size_t n_pool, next_slot;
	struct session **active;
	size_t n_active;
	int epfd;
	uint8_t rx[TFTP_PACKET_MAX + 1];
	struct log_limit refusals;  /* refusal log lines, rate-limited */
} T = { .refusals = { .name = "refusals-suppressed" } };

#define fatal worker_fatal

/* Sort the hand-over's sockets into listeners and the transfer-port pool. */
static void take_sockets(const struct worker_handover *h)
{
	T.pool = calloc(h->n_socks ? h->n_socks : 1, sizeof *T.pool);
	if (!T.pool)
		fatal("pool");
	for (size_t i = 0; i < h->n_socks; i++) {
		const struct worker_socket *ws = &h->socks[i];
		if (ws->role == IPC_SOCK_TFTP_LISTEN && T.n_listen < MAX_LISTEN)
			T.listen[T.n_listen++] = ws->fd;
		else if (ws->role == IPC_SOCK_TFTP_POOL)
			T.pool[T.n_pool++] = (struct pool_slot){ .fd = ws->fd, .port = ws->port };
		else
			close(ws->fd);
	}
	if (!T.n_listen || !T.n_pool) {
		errno = EPROTO;
		fatal("hand-over without listen or pool sockets");
	}
}

/* ---- sending ----------------------------------------------------------------- */

static int session_send(void *ctx, const void *pkt, size_t len)
{
	struct session *s = ctx;
	int fd = T.pool[s->slot].fd;

	if (s->connected)
		return send(fd, pkt, len, MSG_DONTWAIT) == (ssize_t)len ? 0 : -1;
	/* From the address the client spoke to, on a multi-homed host too. */
	return udp_send(fd, &s->peer, s->local, 0, pkt, len);
}

static ssize_t session_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct session *s = ctx;
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(s->fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int session_write_at(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct session *s = ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(s->fd, (const uint8_t *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void disconnect(int fd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	connect(fd, &unspec, sizeof unspec);
}

static void fmt_peer(const struct sockaddr_in *a, char *out, size_t cap)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
	snprintf(out, cap, "%s:%u", ip, (unsigned)ntohs(a->sin_port));
}

/* A connected transfer socket is the kernel's fast path (cached route, no
 * per-packet address) and the kernel then drops packets from anyone but the
 * peer.  Kept only if the kernel chose the address the client spoke to;
 * otherwise the socket stays unconnected and each send names its source. */
static bool connect_peer(int fd, const struct sockaddr_in *peer, struct in_addr local)
{
	struct sockaddr_in me;
	socklen_t len = sizeof me;

	if (connect(fd, (const struct sockaddr *)peer, sizeof *peer) < 0)
		return false;
	if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	    (local.s_addr == INADDR_ANY || me.sin_addr.s_addr == local.s_addr))
		return true;
	disconnect(fd);
	return false;
}

/* ---- requests ---------------------------------------------------------------- */

static void refuse(int fd, const struct sockaddr_in *peer, struct in_addr local, uint16_t code,
		   const char *why, const char *name)
{
	uint8_t pkt[256];
	size_t len = tftp_build_error(pkt, sizeof pkt, code, why);
	uint64_t now = mono_ms();
	char p[64], q[300];

	if (len)
		udp_send(fd, peer, local, 0, pkt, len);
	if (!log_limit_pass(&T.refusals, now))
		return;
	fmt_peer(peer, p, sizeof p);
	log_rec(LOG_LEVEL_INFO, "event=refused client=%s file=%s error=%u reason=\"%s\"", p,
		name ? log_quote(q, sizeof q, name, strlen(name)) : "-", (unsigned)code, why);
}

static struct pool_slot *free_slot(void)
{
	/* Round robin, so a port is not reused at once for the next transfer. */
	for (size_t i = 0; i < T.n_pool; i++) {
		size_t k = (T.next_slot + i) % T.n_pool;
		if (!T.pool[k].s) {
			T.next_slot = k + 1;
			return &T.pool[k];
		}
	}
	return NULL;
}

static bool duplicate_request(const struct sockaddr_in *peer, unsigned *from_same_addr)
{
	*from_same_addr = 0;
	for (size_t i = 0; i < T.n_active; i++) {
		const struct sockaddr_in *a = &T.active[i]->peer;
		if (a->sin_addr.s_addr != peer->sin_addr.s_addr)
			continue;
		if (a->sin_port == peer->sin_port)
			return true;
		(*from_same_addr)++;
	}
	return false;
}

/* Open the file a request names.  Returns a TFTP error code, or 0. */
static uint16_t open_file(struct session *s, const struct tftp_request *req, uint64_t *size, const char **why)
{
	char rel[TFTP_FILENAME_MAX + 1];
	struct stat st;
	int n;

	if (tftp_path_normalize(req->filename, rel, sizeof rel) < 0) {
		*why = "access violation: name outside the served tree";
		return TFTP_EACCESS;
	}
	if (req->op == TFTP_WRQ) {
		const char *up = T.policy.tftp.upload_dir;
		if (!up[0]) {
			*why = "uploads are disabled";
			return TFTP_EACCESS;
		}
		n = snprintf(s->path, sizeof s->path, "%s/%s", up, rel);
		if (n < 0 || (size_t)n >= sizeof s->path) {
			*why = "name too long";
			return TFTP_EACCESS;
		}
		s->fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (s->fd < 0) {
			*why = errno == EEXIST ? "file already exists" : "cannot create file";
			return errno == EEXIST ? TFTP_EEXISTS : TFTP_EACCESS;
		}
		s->upload = true;
		return 0;
	}
	snprintf(s->path, sizeof s->path, "%s", rel);
	s->fd = open(rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (s->fd < 0) {
		*why = errno == ENOENT || errno == ENOTDIR ? "file not found" : "access denied";
		return errno == ENOENT || errno == ENOTDIR ? TFTP_ENOTFOUND : TFTP_EACCESS;
	}
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return TFTP_EACCESS;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static void session_finish(struct session *s, uint64_t now);

static void handle_request(int lfd, const uint8_t *pkt, size_t len, const struct sockaddr_in *peer,
			   struct in_addr local, uint64_t now)
{
	struct tftp_request req;
	const char *why = NULL;
	unsigned same_addr;
	int code;

	if (len < 4 || peer->sin_port == 0)
		return; /* too short to be anything: drop */
	code = tftp_parse_request(pkt, len, &req, &why);
	if (code) {
		refuse(lfd, peer, local, (uint16_t)code, why, NULL);
		return;
	}
	if (duplicate_request(peer, &same_addr))
		return; /* a retransmitted request: the transfer under way answers it */
	if (T.n_active >= T.policy.tftp.max_transfers) {
		refuse(lfd, peer, local, TFTP_ENOTDEFINED, "server busy, try again later", req.filename);
		return;
	}
	if (same_addr >= T.policy.tftp.max_per_client) {
		refuse(lfd, peer, local, TFTP_ENOTDEFINED, "too many transfers from your address", req.filename);
		return;
	}
	struct pool_slot *slot = free_slot();
	struct session *s = slot ? calloc(1, sizeof *s) : NULL;
	if (!s) {
		refuse(lfd, peer, local, TFTP_ENOTDEFINED, "server busy, try again later", req.filename);
		return;
	}
	s->slot = (size_t)(slot - T.pool);
	s->peer = *peer;
	s->local = local;
	s->fd = -1;
	s->started_ms = now;
	uint64_t size = 0;
	code = open_file(s, &req, &size, &why);
	if (code) {
		refuse(slot->fd, peer, local, (uint16_t)code, why, req.filename);
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return;
	}
	slot->s = s;
	s->connected = connect_peer(slot->fd, peer, local);
	s->active_idx = T.n_active;
	T.active[T.n_active++] = s;
	struct tftp_io io = { .ctx = s, .read_at = session_read_at, .write_at = session_write_at,
			      .send = session_send };
	if (req.op == TFTP_RRQ)
		tftp_rrq_start(&s->x, &req, &T.lim, size, &io, now);
	else
		tftp_wrq_start(&s->x, &req, &T.lim, &io, now);
	if (s->x.state != TFTP_RUNNING)
		session_finish(s, now);
}

static void session_finish(struct session *s, uint64_t now)
{
	char p[64], q[300];

	fmt_peer(&s->peer, p, sizeof p);
	log_rec(s->x.state == TFTP_DONE ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
		"event=transfer client=%s op=%s file=%s mode=%s bytes=%llu options=\"%s\" duration_ms=%llu outcome=\"%s\"",
		p, s->upload ? "write" : "read", log_quote(q, sizeof q, s->path, strlen(s->path)),
		s->x.mode == TFTP_MODE_NETASCII ? "netascii" : "octet", (unsigned long long)s->x.bytes,
		s->x.options, (unsigned long long)(now - s->started_ms), s->x.outcome);
	if (s->upload && s->x.state != TFTP_DONE)
		unlink(s->path); /* no half-written uploads left behind */
	if (s->fd >= 0)
		close(s->fd);
	if (s->connected)
		disconnect(T.pool[s->slot].fd);
	T.pool[s->slot].s = NULL;
	T.active[s->active_idx] = T.active[--T.n_active];
	T.active[s->active_idx]->active_idx = s->active_idx;
	free(s);
}

/* ---- event loop ----------------------------------------------------------------- */

static void drain_listen(int lfd, uint64_t now)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_in peer;
		struct in_pktinfo pi;
		ssize_t n = udp_recv(lfd, T.rx, sizeof T.rx, &peer, &pi);
		if (n < 0)
			return;
		if (n > 0)
			handle_request(lfd, T.rx, (size_t)n, &peer, pi.ipi_spec_dst, now);
	}
}

static void drain_pool(struct pool_slot *slot, uint64_t now)
{
	struct session *s = slot->s;
	struct sockaddr_in from;
	socklen_t fl = sizeof from;

	if (!s) {
		/* Late packets for a finished transfer: read and ignore. */
		while (recv(slot->fd, T.rx, sizeof T.rx, MSG_DONTWAIT) >= 0)
			;
		return;
	}
	/* One packet per wake-up: epoll is level-triggered, and in lock-step
	 * transfers a second recvfrom() would only return EAGAIN. */
	ssize_t n = recvfrom(slot->fd, T.rx, sizeof T.rx, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return;
	if (fl != sizeof from || from.sin_addr.s_addr != s->peer.sin_addr.s_addr ||
	    from.sin_port != s->peer.sin_port) {
		/* RFC 1350: a stranger on an unconnected transfer port gets an
		 * error; the transfer goes on.  (Connected ones never see it.) */
		uint8_t pkt[64];
		size_t len = tftp_build_error(pkt, sizeof pkt, TFTP_EBADID, "unknown transfer ID");
		if (fl == sizeof from && len)
			udp_send(slot->fd, &from, s->local, 0, pkt, len);
		return;
	}
	tftp_xfer_input(&s->x, T.rx, (size_t)n, now);
	if (s->x.state != TFTP_RUNNING)
		session_finish(s, now);
}

static void run_timers(uint64_t now)
{
	for (size_t i = 0; i < T.n_active;) {
		struct session *s = T.active[i];
		if (s->x.deadline_ms <= now) {
			tftp_xfer_timeout(&s->x, now);
			if (s->x.state != TFTP_RUNNING) {
				session_finish(s, now);
				continue; /* slot i now holds another session */
			}
		}
		i++;
	}
}

static int next_timeout(uint64_t now)
{
	uint64_t soonest = UINT64_MAX;
	for (size_t i = 0; i < T.n_active; i++)
		if (T.active[i]->x.deadline_ms < soonest)
			soonest = T.active[i]->x.deadline_ms;
	if (soonest == UINT64_MAX)
		return -1;
	return soonest <= now ? 0 : (int)(soonest - now > 60000 ? 60000 : soonest - now);
}

static void setup_epoll(void)
{
	T.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (T.epfd < 0)
		fatal("epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_IPC };
	if (epoll_ctl(T.epfd, EPOLL_CTL_ADD, IPC_FD, &ev) < 0)
		fatal("epoll_ctl ipc");
	for (size_t i = 0; i < T.n_listen; i++) {
		ev.data.u32 = EV_LISTEN | (uint32_t)i;
		if (epoll_ctl(T.epfd, EPOLL_CTL_ADD, T.listen[i], &ev) < 0)
			fatal("epoll_ctl listen");
	}
	for (size_t i = 0; i < T.n_pool; i++) {
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(T.epfd, EPOLL_CTL_ADD, T.pool[i].fd, &ev) < 0)
			fatal("epoll_ctl pool");
	}
}

int main(void)
{
	static struct worker_handover h = { .policy = &T.policy };

	log_to_ipc(IPC_FD);
	worker_receive_handover(WORKER_TFTPD, &h);
	take_sockets(&h);
	const struct policy_tftp *t = &T.policy.tftp;
	T.lim = (struct tftp_limits){
		.max_blksize = t->max_blksize, .max_windowsize = t->max_windowsize,
		.timeout_ms = t->timeout_ms, .retries = t->retries, .upload_max = t->upload_max_bytes,
	};
	T.active = calloc(t->max_transfers, sizeof *T.active);
	if (!T.active)
		fatal("calloc");
	setup_epoll();
	uint32_t id = worker_uid(T.policy.uid_base, WORKER_TFTPD);
	struct sandbox_spec spec = {
		.kind = WORKER_TFTPD, .root = h.root, .writable_dir = t->upload_dir[0] ? t->upload_dir : NULL,
		.uid = id, .gid = id,
	};
	if (sandbox_enter(&spec) < 0)
		exit(1);
	log_rec(LOG_LEVEL_INFO, "event=ready listen=%zu pool=%zu ports=%u-%u max_transfers=%u max_per_client=%u uploads=%s",
		T.n_listen, T.n_pool, (unsigned)T.pool[0].port, (unsigned)T.pool[T.n_pool - 1].port,
		t->max_transfers, t->max_per_client, t->upload_dir[0] ? t->upload_dir : "off");
	for (;;) {
		struct epoll_event ev[64];
		int n = epoll_wait(T.epfd, ev, 64, next_timeout(mono_ms()));
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		uint64_t now = mono_ms();
		for (int i = 0; i < n; i++) {
			uint32_t id32 = ev[i].data.u32;
			if (id32 == EV_IPC)
				exit(0); /* the broker went away or spoke out of turn */
			if (id32 & EV_LISTEN)
				drain_listen(T.listen[id32 & ~EV_LISTEN], now);
			else if (id32 < T.n_pool)
				drain_pool(&T.pool[id32], now);
		}
		run_timers(mono_ms());
	}
}
