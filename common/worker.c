/* worker.c — receiving the broker's hand-over, shared by all workers. */
#include "common/worker.h"
#include "common/ipc.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Noreturn void worker_fatal(const char *what)
{
	log_rec(LOG_LEVEL_ERR, "event=fatal what=\"%s\" error=\"%s\"", what, strerror(errno));
	exit(1);
}

static _Noreturn void protocol_error(const char *what)
{
	errno = EPROTO;
	worker_fatal(what);
}

static void load_policy(int memfd, struct policy *p)
{
	static char text[POLICY_MAX_SIZE];
	static struct policy_errors errs;
	struct stat st;

	if (fstat(memfd, &st) < 0 || st.st_size < 0 || st.st_size > POLICY_MAX_SIZE)
		worker_fatal("policy memfd");
	ssize_t n = pread(memfd, text, (size_t)st.st_size, 0);
	if (n != st.st_size)
		worker_fatal("policy read");
	close(memfd);
	if (policy_parse(text, (size_t)n, "policy", p, &errs) < 0)
		protocol_error("policy from broker does not parse");
}

static void add_sockets(struct worker_handover *h, const struct ipc_sockets *m, const int *fds, size_t nfds)
{
	if (m->count != nfds || m->first_port + nfds > 65536)
		protocol_error("socket message does not match its fds");
	struct worker_socket *v = realloc(h->socks, (h->n_socks + nfds) * sizeof *v);
	if (!v)
		worker_fatal("sockets");
	h->socks = v;
	for (size_t i = 0; i < nfds; i++)
		v[h->n_socks++] = (struct worker_socket){
			.role = m->role, .port = (uint16_t)(m->first_port + i), .fd = fds[i],
		};
}

static void take_hello(struct worker_handover *h, enum worker_kind kind, const uint8_t *payload)
{
	struct ipc_hello hello;

	memcpy(&hello, payload, sizeof hello);
	if (hello.version != IPC_VERSION || hello.kind != (uint32_t)kind)
		protocol_error("hello: wrong version or kind");
	if (!memchr(hello.root, '\0', sizeof hello.root) || hello.root[0] != '/' ||
	    strlen(hello.root) >= sizeof h->root)
		protocol_error("hello: bad root");
	memcpy(h->root, hello.root, strlen(hello.root) + 1);
}

void worker_receive_handover(enum worker_kind kind, struct worker_handover *h)
{
	uint8_t buf[IPC_MSG_MAX];
	int fds[IPC_FDS_MAX];
	bool have_hello = false, have_policy = false;

	h->certs_fd = -1;

	for (;;) {
		size_t nfds = IPC_FDS_MAX;
		ssize_t n = ipc_recv(IPC_FD, buf, fds, &nfds, 0);
		const char *why;
		struct ipc_hdr hdr;

		if (n <= 0)
			worker_fatal("broker closed the channel during hand-over");
		if (ipc_check(buf, (size_t)n, 0, &why) < 0)
			protocol_error(why);
		memcpy(&hdr, buf, sizeof hdr);
		if (hdr.type != IPC_SOCKETS && hdr.type != IPC_POLICY && hdr.type != IPC_CERTS && nfds)
			protocol_error("fds attached to a message that takes none");
		if (hdr.type == IPC_HELLO) {
			take_hello(h, kind, buf + sizeof hdr);
			have_hello = true;
		} else if (hdr.type == IPC_POLICY && nfds == 1 && !have_policy) {
			load_policy(fds[0], h->policy);
			have_policy = true;
		} else if (hdr.type == IPC_CERTS && nfds == 1 && h->certs_fd < 0 && kind == WORKER_HTTPSD) {
			h->certs_fd = fds[0];
		} else if (hdr.type == IPC_SOCKETS) {
			struct ipc_sockets m;
			memcpy(&m, buf + sizeof hdr, sizeof m);
			add_sockets(h, &m, fds, nfds);
		} else if (hdr.type == IPC_START) {
			break;
		} else {
			protocol_error("unexpected message in hand-over");
		}
	}
	if (!have_hello || !have_policy)
		protocol_error("hand-over incomplete");
}
