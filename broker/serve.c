/* serve.c — `bootward serve`: bind sockets, spawn and supervise confined
 * workers, pass them their sockets, relay their logs, reload the policy.
 *
 * The broker parses no network input.  Everything a worker says to it is
 * untrusted and checked by ipc_check() before use.
 */
#include "broker/broker.h"
#include "broker/keys.h"
#include "broker/kickstart.h"
#include "common/ipc.h"
#include "common/log.h"
#include "common/net.h"
#include "common/sandbox.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <cap-ng.h>
#include <ifaddrs.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESTART_FIRST_MS 200
#define RESTART_MAX_MS 30000
#define STABLE_MS 30000      /* a worker up this long resets its backoff */
#define STOP_GRACE_MS 3000
#define BAD_MSGS_MAX 8       /* a worker sending this many malformed messages is killed */
#define LISTEN_BACKLOG 1024

/* One bound socket, kept open in the broker for its whole life. */
struct bsock {
	int fd;
	uint32_t role;            /* enum ipc_socket_role: says which worker gets it */
	struct in_addr addr;      /* address bound, or the interface's address when bound to any */
	bool any;                 /* bound to 0.0.0.0 (DHCP must see broadcasts) */
	uint16_t port;
	char ifname[IF_NAMESIZE];
	struct bsock *from; /* during a reload: the old entry this fd was taken from */
};

/* Every socket the policy needs, grouped by role in the order handed over. */
struct sockset {
	struct bsock *v;
	size_t n;
};

#define N_WORKERS 3 /* indexed by enum worker_kind - 1 */

struct worker {
	enum worker_kind kind;
	pid_t pid;           /* 0: not running */
	int ipc;             /* broker's end, -1 when not running */
	uint64_t started_ms;
	uint64_t restart_at_ms; /* 0: no restart scheduled */
	uint32_t backoff_ms;
	bool reload;         /* stopped on purpose: restart at once */
	unsigned bad_msgs;   /* malformed messages from this process */
	char path[PATH_MAX]; /* its binary */
};

struct broker {
	const struct serve_options *opt;
	struct policy policy;
	char *policy_text;
	size_t policy_len;
	int policy_memfd;
	struct sockset socks;
	struct worker workers[N_WORKERS];
	int epfd, sigfd;
	/* TLS: the key stays here; httpsd gets the chain and asks for key operations. */
	struct tls_key *key;
	int chain_memfd;
	uint64_t key_second;    /* the second key_ops counts in */
	uint32_t key_ops;       /* operations performed in that second */
	uint64_t key_refused;   /* refused by the rate limit since the last log record */
	/* Kickstarts: signing and token keys, templates; NULL when none are served. */
	struct ks_service *ks;
	struct ks_used *ks_used; /* one-time tokens seen, kept across reloads */
};

static enum worker_kind role_owner(uint32_t role)
{
	switch (role) {
	case IPC_SOCK_DHCP:
	case IPC_SOCK_DHCP_PROXY: return WORKER_DHCPD;
	case IPC_SOCK_HTTPS:
	case IPC_SOCK_HTTP: return WORKER_HTTPSD;
	default: return WORKER_TFTPD;
	}
}

static bool worker_wanted(const struct policy *p, enum worker_kind kind)
{
	switch (kind) {
	case WORKER_TFTPD: return p->tftp.enabled;
	case WORKER_DHCPD: return p->dhcp.mode != POLICY_DHCP_OFF;
	case WORKER_HTTPSD: return p->https.enabled;
	}
	return false;
}

/* ---- privileges ---------------------------------------------------------- */

static const unsigned needed_caps[] = {
	CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID, CAP_SETPCAP, CAP_SYS_ADMIN,
};

static int check_privileges(void)
{
	if (geteuid() == 0)
		return 0;
	capng_get_caps_process();
	for (size_t i = 0; i < sizeof needed_caps / sizeof needed_caps[0]; i++) {
		if (capng_have_capability(CAPNG_EFFECTIVE, needed_caps[i]))
			continue;
		fprintf(stderr,
			"bootward serve: must run as root, or with the capabilities CAP_NET_BIND_SERVICE,\n"
			"CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID, CAP_SETPCAP and CAP_SYS_ADMIN: it binds\n"
			"privileged ports and confines each worker (namespaces, chroot, its own uid).\n"
			"The workers themselves run unprivileged.  Missing: %s\n",
			capng_capability_to_name(needed_caps[i]));
		return -1;
	}
	return 0;
}

/* A broker running with capabilities but not as root hands them to the
 * worker across execve() through the ambient set; the worker's sandbox then
 * drops every one of them. */
static void pass_caps_to_worker(void)
{
	if (geteuid() == 0)
		return;
	capng_get_caps_process();
	for (size_t i = 0; i < sizeof needed_caps / sizeof needed_caps[0]; i++)
		capng_update(CAPNG_ADD, CAPNG_INHERITABLE | CAPNG_AMBIENT, needed_caps[i]);
	capng_apply(CAPNG_SELECT_ALL);
}

/* ---- sockets ------------------------------------------------------------- */

/* A listening TCP socket for httpsd.  Accepted connections inherit
 * TCP_NODELAY: responses go out as soon as they are written. */
static int bind_tcp(struct bsock *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	int one = 1;
	char a[INET_ADDRSTRLEN];

	sin.sin_addr.s_addr = s->any ? htonl(INADDR_ANY) : s->addr.s_addr;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    bind(s->fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s->fd, LISTEN_BACKLOG) < 0) {
		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof a);
		log_rec(LOG_LEVEL_ERR, "event=bind proto=tcp address=%s port=%u error=\"%s\"", a,
			(unsigned)s->port, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		return -1;
	}
	return 0;
}

static int bind_udp(struct bsock *s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	bool pktinfo = s->role != IPC_SOCK_TFTP_POOL;
	bool dhcp = role_owner(s->role) == WORKER_DHCPD;
	int one = 1;
	char a[INET_ADDRSTRLEN];

	sin.sin_addr.s_addr = s->any ? htonl(INADDR_ANY) : s->addr.s_addr;
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if (pktinfo && setsockopt(s->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) < 0)
		goto fail;
	/* DHCP: one 0.0.0.0:67 socket per interface, and replies by broadcast. */
	if (dhcp && (setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
		     setsockopt(s->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0))
		goto fail;
	if (s->ifname[0] && setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
				       (socklen_t)strlen(s->ifname)) < 0)
		goto fail;
	if (bind(s->fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		goto fail;
	return 0;
fail:
	inet_ntop(AF_INET, &s->addr, a, sizeof a);
	log_rec(LOG_LEVEL_ERR, "event=bind proto=udp address=%s port=%u interface=%s error=\"%s\"", a,
		(unsigned)s->port, s->ifname[0] ? s->ifname : "any", strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	return -1;
}

static void sockset_close(struct sockset *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->v[i].fd >= 0)
			close(ss->v[i].fd);
	free(ss->v);
	memset(ss, 0, sizeof *ss);
}

/* Take an already-bound socket for the same address, port and device out of
 * `old`, so a reload keeps serving on it without a gap. */
static void steal(struct bsock *s, struct bsock *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].fd >= 0 && v[i].role == s->role && v[i].port == s->port &&
		    v[i].addr.s_addr == s->addr.s_addr && v[i].any == s->any &&
		    strcmp(v[i].ifname, s->ifname) == 0) {
			s->fd = v[i].fd;
			s->from = &v[i];
			v[i].fd = -1;
			return;
		}
	}
}

static int get_socket(struct bsock *s, struct sockset *old)
{
	s->fd = -1;
	if (old)
		steal(s, old->v, old->n);
	if (s->fd >= 0)
		return 0;
	return s->role == IPC_SOCK_HTTPS || s->role == IPC_SOCK_HTTP ? bind_tcp(s) : bind_udp(s);
}

/* Give sockets taken from the old set back to it. */
static void unsteal(struct bsock *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].from) {
			v[i].from->fd = v[i].fd;
			v[i].fd = -1;
		}
	}
}

/* Append one socket per interface (or one for all addresses) for a role. */
static int add_per_interface(struct sockset *ss, const struct policy *p, uint32_t role,
			     uint16_t port, bool any, struct sockset *old)
{
	size_t n = p->n_interfaces ? p->n_interfaces : 1;

	for (size_t i = 0; i < n; i++) {
		struct bsock *s = &ss->v[ss->n];
		*s = (struct bsock){ .role = role, .port = port, .any = any };
		if (p->n_interfaces) {
			s->addr = p->interfaces[i].address;
			snprintf(s->ifname, sizeof s->ifname, "%s", p->interfaces[i].name);
		} else if (role == IPC_SOCK_HTTPS || role == IPC_SOCK_HTTP) {
			s->any = true;
		}
		if (get_socket(s, old) < 0)
			return -1;
		ss->n++;
	}
	return 0;
}

/* Bind what the policy asks for.  On failure nothing in `old` is lost. */
static int sockset_open(struct sockset *ss, const struct policy *p, struct sockset *old)
{
	const struct policy_tftp *t = &p->tftp;
	size_t per_if = p->n_interfaces ? p->n_interfaces : 1;
	size_t pool = t->enabled ? (size_t)t->port_high - t->port_low + 1 : 0;

	memset(ss, 0, sizeof *ss);
	ss->v = calloc(5 * per_if + pool + 1, sizeof *ss->v);
	if (!ss->v)
		return -1;
	if (t->enabled) {
		if (add_per_interface(ss, p, IPC_SOCK_TFTP_LISTEN, 69, false, old) < 0)
			goto fail;
		for (size_t i = 0; i < pool; i++) {
			struct bsock *s = &ss->v[ss->n];
			*s = (struct bsock){ .role = IPC_SOCK_TFTP_POOL, .port = (uint16_t)(t->port_low + i) };
			if (get_socket(s, old) < 0)
				goto fail;
			ss->n++;
		}
	}
	if (p->dhcp.mode != POLICY_DHCP_OFF) {
		if (add_per_interface(ss, p, IPC_SOCK_DHCP, 67, true, old) < 0)
			goto fail;
		if (p->dhcp.mode == POLICY_DHCP_PROXY &&
		    add_per_interface(ss, p, IPC_SOCK_DHCP_PROXY, 4011, false, old) < 0)
			goto fail;
	}
	if (p->https.enabled) {
		if (add_per_interface(ss, p, IPC_SOCK_HTTPS, p->https.port, false, old) < 0)
			goto fail;
		if (p->https.plain_port &&
		    add_per_interface(ss, p, IPC_SOCK_HTTP, p->https.plain_port, false, old) < 0)
			goto fail;
	}
	return 0;
fail:
	unsteal(ss->v, ss->n);
	sockset_close(ss);
	return -1;
}

/* ---- policy ---------------------------------------------------------------- */

static int make_sealed_memfd(const char *name, const char *text, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	/* Sealed: no process holding the fd can change what workers read. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* TLS: the chain and key from STATE/trust.  The key stays in the broker; the
 * chain goes to httpsd in a sealed memfd.  Nothing to do without https. */
static int load_tls(const struct broker *b, const struct policy *p, struct tls_key **key, int *memfd,
		    bool to_log)
{
	char dir[PATH_MAX], err[640];
	char *chain;
	size_t len;

	*key = NULL;
	*memfd = -1;
	if (!p->https.enabled)
		return 0;
	snprintf(dir, sizeof dir, "%s/trust", b->opt->state_dir);
	*key = keys_load(dir, &chain, &len, err, sizeof err);
	if (!*key) {
		if (to_log)
			log_rec(LOG_LEVEL_ERR, "event=tls-key error=\"%s\"", err);
		else
			fprintf(stderr, "bootward serve: https: %s\n"
				"bootward serve: httpsd needs %s/server.crt, ca.crt and server.key (see bootward(8), FILES)\n",
				err, dir);
		return -1;
	}
	*memfd = make_sealed_memfd("bootward-tls-chain", chain, len);
	free(chain);
	if (*memfd < 0) {
		keys_free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}

/* Kickstarts: what the policy's kickstart statements need from STATE/trust. */
static int load_kickstarts(const struct broker *b, const struct policy *p, struct ks_service **ks, bool to_log)
{
	char dir[PATH_MAX], err[1024];
	int none;

	snprintf(dir, sizeof dir, "%s/trust", b->opt->state_dir);
	*ks = ks_open(dir, p, &none, err, sizeof err);
	if (*ks || none)
		return 0;
	if (to_log)
		log_rec(LOG_LEVEL_ERR, "event=kickstart-keys error=\"%s\"", err);
	else
		fprintf(stderr, "bootward serve: kickstarts: %s\n"
			"bootward serve: signed kickstarts need the files `bootward trust init` makes in %s\n",
			err, dir);
	return -1;
}

/* A served root must exist before a worker can chroot into it. */
static int prepare_root(const char *root, const char *what)
{
	struct stat st;

	if (stat(root, &st) < 0 && errno == ENOENT) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s", root);
		for (char *s = path + 1; *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				break;
			*s = '/';
		}
		if (mkdir(path, 0755) == 0)
			log_rec(LOG_LEVEL_WARN, "event=%s-root root=%s action=created note=\"empty: put boot files here\"",
				what, root);
	}
	errno = 0;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_rec(LOG_LEVEL_ERR, "event=%s-root root=%s error=\"%s\"", what, root,
			errno ? strerror(errno) : "not a directory");
		return -1;
	}
	return 0;
}

static int prepare_tftp_root(const struct policy *p)
{
	const struct policy_tftp *t = &p->tftp;
	struct stat st;

	if (!t->enabled)
		return 0;
	if (prepare_root(t->root, "tftp") < 0)
		return -1;
	if (t->upload_dir[0]) {
		char up[PATH_MAX];
		snprintf(up, sizeof up, "%s/%s", t->root, t->upload_dir);
		uint32_t uid = worker_uid(p->uid_base, WORKER_TFTPD);
		if (mkdir(up, 0700) == 0)
			log_rec(LOG_LEVEL_INFO, "event=tftp-upload dir=%s action=created", up);
		if (stat(up, &st) < 0 || !S_ISDIR(st.st_mode) || lstat(up, &st) < 0 || S_ISLNK(st.st_mode)) {
			log_rec(LOG_LEVEL_ERR, "event=tftp-upload dir=%s error=\"not a directory\"", up);
			return -1;
		}
		/* Only tftpd's uid may write there; nobody else's files are reachable. */
		if (chown(up, uid, uid) < 0 || chmod(up, 0700) < 0) {
			log_rec(LOG_LEVEL_ERR, "event=tftp-upload dir=%s error=\"%s\"", up, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The directory a worker confines itself to: what it serves, or its own
 * state. */
static void worker_root(const struct broker *b, enum worker_kind kind, char *out, size_t cap)
{
	if (kind == WORKER_TFTPD)
		snprintf(out, cap, "%s", b->policy.tftp.root);
	else if (kind == WORKER_HTTPSD)
		snprintf(out, cap, "%s", b->policy.https.root);
	else
		snprintf(out, cap, "%s/%s", b->opt->state_dir, worker_name(kind));
}

/* dhcpd's root is its own directory in the state directory: the lease
 * journal lives there, and nothing else is reachable from it. */
static int prepare_dhcpd_dir(const struct broker *b, const struct policy *p)
{
	char dir[IPC_ROOT_MAX];
	struct stat st;
	uint32_t uid = worker_uid(p->uid_base, WORKER_DHCPD);

	if (p->dhcp.mode == POLICY_DHCP_OFF)
		return 0;
	worker_root(b, WORKER_DHCPD, dir, sizeof dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (chown(dir, uid, uid) < 0 || chmod(dir, 0700) < 0)
		goto fail;
	return 0;
fail:
	log_rec(LOG_LEVEL_ERR, "event=dhcpd-dir dir=%s error=\"%s\"", dir, strerror(errno));
	return -1;
}

static int prepare_dirs(const struct broker *b, const struct policy *p)
{
	return prepare_tftp_root(p) < 0 || prepare_dhcpd_dir(b, p) < 0 ||
	       (p->https.enabled && prepare_root(p->https.root, "https") < 0) ? -1 : 0;
}

/* Every worker the policy needs must have its binary; say which is missing. */
static int check_binaries(struct broker *b, const struct policy *p, bool to_log)
{
	for (size_t i = 0; i < N_WORKERS; i++) {
		struct worker *w = &b->workers[i];
		if (!worker_wanted(p, w->kind))
			continue;
		int n = snprintf(w->path, sizeof w->path, "%s/bootward-%s", b->opt->libexec_dir,
				 worker_name(w->kind));
		errno = ENAMETOOLONG;
		if (n > 0 && (size_t)n < sizeof w->path && access(w->path, X_OK) == 0)
			continue;
		if (to_log)
			log_rec(LOG_LEVEL_ERR, "event=worker-binary path=%s error=\"%s\"", w->path, strerror(errno));
		else
			fprintf(stderr, "bootward serve: worker binary %s: %s (see --libexec)\n", w->path,
				strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- workers --------------------------------------------------------------- */

static void child_exec(struct broker *b, const struct worker *w, int fd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(fd, IPC_FD) < 0)
		_exit(127);
	close_range(IPC_FD + 1, ~0U, 0);
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		if (!b->opt->foreground) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		if (devnull > 2)
			close(devnull);
	}
	struct rlimit nofile = { 8192, 8192 };
	setrlimit(RLIMIT_NOFILE, &nofile);
	pass_caps_to_worker();
	char name[32];
	snprintf(name, sizeof name, "bootward-%s", worker_name(w->kind));
	char *const argv[] = { name, NULL };
	char *const envp[] = { NULL };
	execve(w->path, argv, envp);
	_exit(127);
}

/* Send the worker every socket it owns: runs of one role, at most
 * IPC_FDS_MAX to a message. */
static int send_sockets(int ipc, enum worker_kind kind, const struct sockset *ss)
{
	int fds[IPC_FDS_MAX];

	for (size_t i = 0; i < ss->n;) {
		const struct bsock *first = &ss->v[i];
		size_t k = 0;
		while (i + k < ss->n && k < IPC_FDS_MAX && ss->v[i + k].role == first->role)
			k++;
		if (role_owner(first->role) == kind) {
			struct ipc_sockets m = { .role = first->role, .count = (uint32_t)k, .first_port = first->port };
			for (size_t j = 0; j < k; j++)
				fds[j] = ss->v[i + j].fd;
			if (ipc_send(ipc, IPC_SOCKETS, &m, sizeof m, fds, k, 0) < 0)
				return -1;
		}
		i += k;
	}
	return 0;
}

static int worker_handover(struct broker *b, struct worker *w)
{
	struct ipc_hello hello = { .version = IPC_VERSION, .kind = (uint32_t)w->kind };

	worker_root(b, w->kind, hello.root, sizeof hello.root);
	if (ipc_send(w->ipc, IPC_HELLO, &hello, sizeof hello, NULL, 0, 0) < 0 ||
	    ipc_send(w->ipc, IPC_POLICY, NULL, 0, &b->policy_memfd, 1, 0) < 0 ||
	    send_sockets(w->ipc, w->kind, &b->socks) < 0 ||
	    (w->kind == WORKER_HTTPSD && ipc_send(w->ipc, IPC_CERTS, NULL, 0, &b->chain_memfd, 1, 0) < 0) ||
	    ipc_send(w->ipc, IPC_START, NULL, 0, NULL, 0, 0) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=handover worker=%s pid=%d error=\"%s\"", worker_name(w->kind),
			(int)w->pid, strerror(errno));
		return -1;
	}
	return 0;
}

static void worker_start(struct broker *b, struct worker *w)
{
	int sv[2];

	w->restart_at_ms = 0;
	w->reload = false;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=spawn worker=%s error=\"%s\"", worker_name(w->kind), strerror(errno));
		w->restart_at_ms = mono_ms() + RESTART_MAX_MS;
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		child_exec(b, w, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		log_rec(LOG_LEVEL_ERR, "event=spawn worker=%s error=\"%s\"", worker_name(w->kind), strerror(errno));
		close(sv[0]);
		w->restart_at_ms = mono_ms() + RESTART_MAX_MS;
		return;
	}
	w->pid = pid;
	w->ipc = sv[0];
	w->bad_msgs = 0;
	w->started_ms = mono_ms();
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
	epoll_ctl(b->epfd, EPOLL_CTL_ADD, w->ipc, &ev);
	log_rec(LOG_LEVEL_INFO, "event=spawn worker=%s pid=%d", worker_name(w->kind), (int)pid);
	if (worker_handover(b, w) < 0)
		kill(pid, SIGKILL); /* reaped and restarted like any other death */
}

static void worker_close_ipc(struct broker *b, struct worker *w)
{
	if (w->ipc < 0)
		return;
	epoll_ctl(b->epfd, EPOLL_CTL_DEL, w->ipc, NULL);
	close(w->ipc);
	w->ipc = -1;
}

/* A new second: log what the rate limit refused in the last one. */
static void key_rate_tick(struct broker *b, uint64_t second)
{
	if (second == b->key_second)
		return;
	if (b->key_refused)
		log_rec(LOG_LEVEL_WARN, "event=key-rate refused=%llu limit_per_s=%u",
			(unsigned long long)b->key_refused, b->policy.https.key_ops_rate);
	b->key_second = second;
	b->key_ops = 0;
	b->key_refused = 0;
}

/* A private-key operation for httpsd's handshake.  Refused (an empty
 * result, so the handshake fails at once) when it comes from another
 * worker or over the policy's rate.  A result httpsd cannot take now is
 * dropped: its handshake then times out. */
static void key_op(struct broker *b, struct worker *w, const uint8_t *payload)
{
	struct ipc_key_op op;
	struct ipc_key_result r = { .ok = 0 };
	struct ipc_hdr h = { .type = IPC_KEY_RESULT };
	uint8_t out[sizeof h + sizeof r + IPC_KEY_DATA_MAX];
	uint64_t second = mono_ms() / 1000;

	memcpy(&op, payload, sizeof op);
	r.id = op.id;
	key_rate_tick(b, second);
	if (w->kind != WORKER_HTTPSD || !b->key ||
	    (op.op == IPC_KEY_DECRYPT && b->policy.https.ciphers == POLICY_CIPHERS_FORWARD_SECRET)) {
		/* With forward-secret suites only, no handshake needs a
		 * decryption: refusing it leaves no raw RSA oracle. */
		log_rec(LOG_LEVEL_WARN, "event=key-op worker=%s pid=%d op=%s error=\"not allowed\"",
			worker_name(w->kind), (int)w->pid, op.op == IPC_KEY_SIGN ? "sign" : "decrypt");
	} else if (b->key_ops >= b->policy.https.key_ops_rate) {
		b->key_refused++;
	} else {
		b->key_ops++;
		r.len = (uint32_t)keys_perform(b->key, op.op, op.sigalg, payload + sizeof op, op.len,
					       out + sizeof h + sizeof r, IPC_KEY_DATA_MAX);
		r.ok = r.len > 0;
		if (!r.ok)
			log_rec(LOG_LEVEL_WARN, "event=key-op op=%s sigalg=0x%04x len=%u error=\"refused or failed\"",
				op.op == IPC_KEY_SIGN ? "sign" : "decrypt", (unsigned)op.sigalg, op.len);
	}
	h.len = (uint32_t)(sizeof r + r.len);
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, &r, sizeof r);
	if (send(w->ipc, out, sizeof h + h.len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EAGAIN)
		log_rec(LOG_LEVEL_WARN, "event=key-op worker=%s pid=%d error=\"%s\"", worker_name(w->kind),
			(int)w->pid, strerror(errno));
}

/* The kernel's neighbour table, to find a client's MAC from its address. */
static char *read_arp(size_t *len)
{
	static char buf[256 * 1024];
	int fd = open("/proc/net/arp", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd >= 0) {
		while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
			got += (size_t)n;
		close(fd);
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* Whether addr (network order) is an address of one of this host's interfaces. */
static bool local_address(uint32_t addr)
{
	struct ifaddrs *all, *i;
	bool found = false;

	if (getifaddrs(&all) < 0)
		return false;
	for (i = all; i && !found; i = i->ifa_next)
		found = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr;
	freeifaddrs(all);
	return found;
}

/* A /ks/ request httpsd passed on: render and sign in here, send the body
 * back in a sealed memfd.  Each request counts against key-ops-rate, as
 * it may cost a signature. */
static void ks_request(struct broker *b, struct worker *w, const uint8_t *payload)
{
	struct ipc_ks_req r;
	struct ks_reply rep = { .status = 503 };
	size_t arp_len = 0;
	const char *arp = "";

	memcpy(&r, payload, sizeof r);
	key_rate_tick(b, mono_ms() / 1000);
	if (w->kind != WORKER_HTTPSD) {
		log_rec(LOG_LEVEL_WARN, "event=kickstart worker=%s pid=%d error=\"not allowed\"", worker_name(w->kind),
			(int)w->pid);
		return;
	}
	if (!local_address(r.local)) {
		/* httpsd's accepted sockets are bound to our own addresses. */
		log_rec(LOG_LEVEL_WARN, "event=kickstart worker=httpsd pid=%d error=\"request for an address not of this host\"",
			(int)w->pid);
		rep.status = 404;
	} else if (b->key_ops >= b->policy.https.key_ops_rate) {
		b->key_refused++;
	} else {
		b->key_ops++;
		if (r.what == IPC_KS_SCRIPT)
			arp = read_arp(&arp_len);
		ks_answer(b->ks, &b->policy, b->ks_used, &r, (uint32_t)time(NULL), arp, arp_len, &rep);
	}
	struct ipc_ks_result res = { .id = r.id, .status = (uint32_t)rep.status };
	int fd = -1;
	if (rep.status == 200) {
		fd = make_sealed_memfd("bootward-kickstart", (const char *)rep.body, rep.len);
		if (fd < 0)
			res.status = 500;
	}
	if (rep.body) {
		sodium_memzero(rep.body, rep.len);
		free(rep.body);
	}
	if (ipc_send(w->ipc, IPC_KS_RESULT, &res, sizeof res, &fd, fd >= 0, MSG_DONTWAIT) < 0 && errno != EAGAIN)
		log_rec(LOG_LEVEL_WARN, "event=kickstart worker=%s pid=%d error=\"%s\"", worker_name(w->kind),
			(int)w->pid, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Relay what a worker says.  Anything malformed is logged and dropped; a
 * worker that keeps sending garbage is killed (and restarted like any other
 * death). */
static void worker_read(struct broker *b, struct worker *w)
{
	uint8_t buf[IPC_MSG_MAX];

	if (w->ipc < 0)
		return;
	for (int i = 0; i < 64; i++) {
		/* Workers have no reason to send fds; recv() without a control
		 * buffer makes the kernel discard any. */
		ssize_t n = recv(w->ipc, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			worker_close_ipc(b, w);
			return;
		}
		const char *why;
		if ((size_t)n > sizeof buf || ipc_check(buf, (size_t)n, 1, &why) < 0) {
			if ((size_t)n > sizeof buf)
				why = "message too large";
			log_rec(LOG_LEVEL_WARN, "event=ipc worker=%s pid=%d error=\"%s\"", worker_name(w->kind),
				(int)w->pid, why);
			if (++w->bad_msgs >= BAD_MSGS_MAX) {
				log_rec(LOG_LEVEL_ERR, "event=ipc worker=%s pid=%d action=kill note=\"%u malformed messages\"",
					worker_name(w->kind), (int)w->pid, w->bad_msgs);
				kill(w->pid, SIGKILL);
				worker_close_ipc(b, w);
				return;
			}
			continue;
		}
		struct ipc_hdr h;
		memcpy(&h, buf, sizeof h);
		if (h.type == IPC_KEY_OP) {
			key_op(b, w, buf + sizeof h);
			continue;
		}
		if (h.type == IPC_KS_REQ) {
			ks_request(b, w, buf + sizeof h);
			continue;
		}
		char text[IPC_LOG_MAX + 1];
		memcpy(text, buf + sizeof h + 1, h.len - 1);
		text[h.len - 1] = '\0';
		log_emit((enum log_level)buf[sizeof h], worker_name(w->kind), (int)w->pid, text);
	}
}

static void describe_status(int status, char *out, size_t cap)
{
	if (WIFEXITED(status))
		snprintf(out, cap, "exited status=%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, cap, "killed signal=%s", sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(out, cap, "status=%d", status);
}

static void reap(struct broker *b, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct worker *w = NULL;
		for (size_t i = 0; i < N_WORKERS; i++)
			if (b->workers[i].pid == pid)
				w = &b->workers[i];
		if (!w)
			continue;
		char how[64];
		uint64_t now = mono_ms();
		describe_status(status, how, sizeof how);
		worker_read(b, w); /* last words first */
		worker_close_ipc(b, w);
		w->pid = 0;
		if (stopping) {
			log_rec(LOG_LEVEL_INFO, "event=worker-exit worker=%s pid=%d %s", worker_name(w->kind),
				(int)pid, how);
			continue;
		}
		if (w->reload) {
			w->backoff_ms = 0;
			w->restart_at_ms = now;
		} else {
			if (now - w->started_ms >= STABLE_MS || w->backoff_ms == 0)
				w->backoff_ms = RESTART_FIRST_MS;
			else if (w->backoff_ms < RESTART_MAX_MS)
				w->backoff_ms = w->backoff_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : w->backoff_ms * 2;
			w->restart_at_ms = now + w->backoff_ms;
		}
		log_rec(w->reload ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
			"event=worker-exit worker=%s pid=%d %s restart_in_ms=%llu", worker_name(w->kind),
			(int)pid, how, (unsigned long long)(w->restart_at_ms - now));
	}
}

/* ---- reload ---------------------------------------------------------------- */

static void reload(struct broker *b)
{
	static struct policy np; /* large: not on the stack */
	char *text;
	size_t len;
	struct sockset ns;

	log_rec(LOG_LEVEL_INFO, "event=reload policy=%s", b->opt->policy_file ? b->opt->policy_file : "built-in");
	if (policy_load(b->opt->policy_file, &np, &text, &len, true) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=reload outcome=rejected note=\"the previous policy keeps serving\"");
		return;
	}
	int memfd = make_sealed_memfd("bootward-policy", text, len);
	struct tls_key *key = NULL;
	struct ks_service *ks = NULL;
	int chain_memfd = -1;
	if (memfd < 0 || check_binaries(b, &np, true) < 0 || prepare_dirs(b, &np) < 0 ||
	    load_tls(b, &np, &key, &chain_memfd, true) < 0 || load_kickstarts(b, &np, &ks, true) < 0 ||
	    sockset_open(&ns, &np, &b->socks) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=reload outcome=rejected note=\"the previous policy keeps serving\"");
		if (memfd >= 0)
			close(memfd);
		if (chain_memfd >= 0)
			close(chain_memfd);
		keys_free(key);
		ks_close(ks);
		free(text);
		return;
	}
	/* Templates and signing keys are read again too. */
	ks_close(b->ks);
	b->ks = ks;
	/* Certificates and key are read again too: SIGHUP after replacing them. */
	keys_free(b->key);
	b->key = key;
	if (b->chain_memfd >= 0)
		close(b->chain_memfd);
	b->chain_memfd = chain_memfd;
	sockset_close(&b->socks);
	b->socks = ns;
	close(b->policy_memfd);
	b->policy_memfd = memfd;
	free(b->policy_text);
	b->policy_text = text;
	b->policy_len = len;
	b->policy = np;
	for (size_t i = 0; i < N_WORKERS; i++) {
		struct worker *w = &b->workers[i];
		if (w->pid) {
			w->reload = true; /* restarted with the new policy once it has exited */
			kill(w->pid, SIGTERM);
		} else if (worker_wanted(&np, w->kind)) {
			w->restart_at_ms = mono_ms();
		}
	}
	log_rec(LOG_LEVEL_INFO, "event=reload outcome=accepted tftp=%s dhcp=%s https=%s", np.tftp.enabled ? "on" : "off",
		np.dhcp.mode == POLICY_DHCP_OFF ? "off" : np.dhcp.mode == POLICY_DHCP_PROXY ? "proxy" : "authoritative",
		np.https.enabled ? "on" : "off");
}

/* ---- main loop ------------------------------------------------------------- */

static int setup_signals(struct broker *b)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	b->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (b->sigfd < 0)
		return -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	return epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->sigfd, &ev);
}

static bool any_running(const struct broker *b)
{
	for (size_t i = 0; i < N_WORKERS; i++)
		if (b->workers[i].pid)
			return true;
	return false;
}

static void stop_workers(struct broker *b)
{
	uint64_t deadline = mono_ms() + STOP_GRACE_MS;

	for (size_t i = 0; i < N_WORKERS; i++)
		if (b->workers[i].pid)
			kill(b->workers[i].pid, SIGTERM);
	while (any_running(b) && mono_ms() < deadline) {
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
		reap(b, true);
	}
	for (size_t i = 0; i < N_WORKERS; i++) {
		struct worker *w = &b->workers[i];
		if (!w->pid)
			continue;
		kill(w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		log_rec(LOG_LEVEL_WARN, "event=worker-exit worker=%s pid=%d killed signal=KILL note=\"did not stop in time\"",
			worker_name(w->kind), (int)w->pid);
		w->pid = 0;
	}
}

/* Returns 1 to keep running, 0 to stop. */
static int handle_signals(struct broker *b)
{
	struct signalfd_siginfo si;
	int run = 1;

	while (read(b->sigfd, &si, sizeof si) == sizeof si) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(b, false);
			break;
		case SIGHUP:
			reload(b);
			break;
		case SIGTERM:
		case SIGINT:
			log_rec(LOG_LEVEL_INFO, "event=stop signal=%s", sigabbrev_np((int)si.ssi_signo));
			run = 0;
			break;
		}
	}
	return run;
}

static int loop(struct broker *b)
{
	for (;;) {
		int timeout = -1;
		uint64_t now = mono_ms();

		for (size_t i = 0; i < N_WORKERS; i++) {
			struct worker *w = &b->workers[i];
			if (w->pid || !w->restart_at_ms)
				continue;
			if (!worker_wanted(&b->policy, w->kind)) {
				w->restart_at_ms = 0;
			} else if (w->restart_at_ms <= now) {
				worker_start(b, w);
			} else {
				int wait_ms = (int)(w->restart_at_ms - now);
				if (timeout < 0 || wait_ms < timeout)
					timeout = wait_ms;
			}
		}
		/* Refusals by the key rate limit are logged when their second ends. */
		if (b->key_refused) {
			int to_next = (int)(1000 - now % 1000) + 1;
			if (timeout < 0 || to_next < timeout)
				timeout = to_next;
		}
		struct epoll_event ev[8];
		int n = epoll_wait(b->epfd, ev, 8, timeout);
		key_rate_tick(b, mono_ms() / 1000);
		if (n < 0 && errno != EINTR) {
			log_rec(LOG_LEVEL_ERR, "event=epoll error=\"%s\"", strerror(errno));
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == NULL) {
				if (!handle_signals(b))
					return 0;
			} else {
				struct worker *ww = ev[i].data.ptr;
				if (ww->ipc >= 0)
					worker_read(b, ww);
			}
		}
	}
}

static int lock_state_dir(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "bootward serve: cannot create state directory %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bootward serve: state directory %s is not a directory\n", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/broker.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "bootward serve: %s: %s\n", path,
			errno == EWOULDBLOCK ? "another bootward serve uses this state directory" : strerror(errno));
		return -1;
	}
	return fd;
}

static int daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return chdir("/");
}

int serve_main(const struct serve_options *o)
{
	static struct broker b;
	int lockfd;

	/* Nothing inherited beyond stdin, stdout and stderr stays open. */
	close_range(3, ~0U, 0);
	b.opt = o;
	for (size_t i = 0; i < N_WORKERS; i++)
		b.workers[i] = (struct worker){ .kind = (enum worker_kind)(i + 1), .ipc = -1 };
	if (check_privileges() < 0)
		return 1;
	if (policy_load(o->policy_file, &b.policy, &b.policy_text, &b.policy_len, false) < 0) {
		fprintf(stderr, "bootward serve: policy rejected; nothing started\n");
		return 1;
	}
	if (check_binaries(&b, &b.policy, false) < 0)
		return 1;
	lockfd = lock_state_dir(o->state_dir);
	if (lockfd < 0)
		return 1;
	log_to_local(true, "broker");
	b.policy_memfd = make_sealed_memfd("bootward-policy", b.policy_text, b.policy_len);
	b.chain_memfd = -1;
	if (load_tls(&b, &b.policy, &b.key, &b.chain_memfd, false) < 0 ||
	    load_kickstarts(&b, &b.policy, &b.ks, false) < 0)
		return 1;
	if (!(b.ks_used = ks_used_new((uint32_t)time(NULL)))) {
		fprintf(stderr, "bootward serve: out of memory\n");
		return 1;
	}
	if (b.policy_memfd < 0 || prepare_dirs(&b, &b.policy) < 0 ||
	    sockset_open(&b.socks, &b.policy, NULL) < 0) {
		fprintf(stderr, "bootward serve: cannot start (see the errors above)\n");
		return 1;
	}
	if (!o->foreground) {
		if (daemonize() < 0)
			return 1;
		log_to_local(false, "broker");
	}
	b.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b.epfd < 0 || setup_signals(&b) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=start error=\"%s\"", strerror(errno));
		return 1;
	}
	log_rec(LOG_LEVEL_INFO, "event=start version=%s policy=%s state=%s tftp=%s dhcp=%s https=%s", BOOTWARD_VERSION,
		o->policy_file ? o->policy_file : "built-in", o->state_dir, b.policy.tftp.enabled ? "on" : "off",
		b.policy.dhcp.mode == POLICY_DHCP_OFF ? "off" :
		b.policy.dhcp.mode == POLICY_DHCP_PROXY ? "proxy" : "authoritative",
		b.policy.https.enabled ? "on" : "off");
	for (size_t i = 0; i < N_WORKERS; i++)
		if (worker_wanted(&b.policy, b.workers[i].kind))
			worker_start(&b, &b.workers[i]);
	int rc = loop(&b);
	stop_workers(&b);
	sockset_close(&b.socks);
	log_rec(LOG_LEVEL_INFO, "event=stopped");
	close(lockfd);
	return rc;
}
