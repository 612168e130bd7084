/* worker.h — the start of every worker: receive the hand-over from the
 * broker (hello, policy, sockets) on IPC_FD before entering the sandbox. */
#ifndef BOOTWARD_WORKER_H
#define BOOTWARD_WORKER_H

#include "common/sandbox.h"
#include "policy/policy.h"

#include <stddef.h>
#include <stdint.h>

struct worker_socket {
	uint32_t role;    /* enum ipc_socket_role */
	uint16_t port;
	int fd;
};

struct worker_handover {
	struct policy *policy;      /* filled from the sealed memfd */
	char root[POLICY_PATH_MAX]; /* where the broker says this worker lives */
	struct worker_socket *socks; /* every socket, in the order sent */
	size_t n_socks;
	int certs_fd;               /* httpsd: memfd with the certificate chain, or -1 */
};

/* Receive everything up to IPC_START.  Any deviation from the protocol is
 * logged and ends the process: a worker that cannot trust its start has
 * nothing to do. */
void worker_receive_handover(enum worker_kind kind, struct worker_handover *h);

/* Log what failed, with errno's text, and exit(1). */
_Noreturn void worker_fatal(const char *what);

#endif
