/* ipc.c — framing and fd passing for broker <-> worker messages. */
#include "common/ipc.h"
#include "common/log.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ipc_send(int sock, uint16_t type, const void *payload, size_t len,
	     const int *fds, size_t nfds, int flags)
{
	struct ipc_hdr hdr = { .type = type, .flags = 0, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof hdr },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_FDS_MAX)];
	} ctl;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > IPC_PAYLOAD_MAX || nfds > IPC_FDS_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if (nfds) {
		memset(&ctl, 0, sizeof ctl);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof hdr + len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t ipc_recv(int sock, void *buf, int *fds, size_t *nfds, int flags)
{
	size_t cap = fds ? *nfds : 0;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_FDS_MAX)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = IPC_MSG_MAX };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf,
	};
	ssize_t n;

	if (nfds)
		*nfds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (nfds && *nfds < cap)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		for (size_t i = 0; nfds && i < *nfds; i++)
			close(fds[i]);
		if (nfds)
			*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

static int check_log(const uint8_t *p, size_t len, const char **why)
{
	if (len < 2 || len - 1 > IPC_LOG_MAX) {
		*why = "log record of bad length";
		return -1;
	}
	if (p[0] > LOG_LEVEL_DEBUG) {
		*why = "log record with unknown level";
		return -1;
	}
	for (size_t i = 1; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e) {
			*why = "log record with unprintable byte";
			return -1;
		}
	return 0;
}

static int check_key_op(const uint8_t *p, size_t len, const char **why)
{
	struct ipc_key_op k;

	if (len < sizeof k) {
		*why = "key operation too short";
		return -1;
	}
	memcpy(&k, p, sizeof k);
	if (k.len == 0 || k.len > IPC_KEY_DATA_MAX || k.len != len - sizeof k) {
		*why = "key operation with bad length";
		return -1;
	}
	if ((k.op != IPC_KEY_SIGN || k.sigalg == 0) && (k.op != IPC_KEY_DECRYPT || k.sigalg != 0)) {
		*why = "key operation of unknown kind";
		return -1;
	}
	return 0;
}

/* A NUL-padded field: NUL-terminated, nothing but NULs after the end, and
 * every byte before it accepted by ok().  Returns its length or -1. */
static long padded_text(const char *f, size_t cap, bool (*ok)(unsigned char))
{
	size_t n = strnlen(f, cap);

	if (n == cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!ok((unsigned char)f[i]))
			return -1;
	for (size_t i = n; i < cap; i++)
		if (f[i])
			return -1;
	return (long)n;
}

static bool alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool token_char(unsigned char c)
{
	return alnum(c) || c == '-' || c == '_';
}

static bool host_char(unsigned char c)
{
	return alnum(c) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
}

static int check_ks_req(const uint8_t *p, size_t len, const char **why)
{
	struct ipc_ks_req r;

	if (len != sizeof r) {
		*why = "kickstart request of bad length";
		return -1;
	}
	memcpy(&r, p, sizeof r);
	if (r.what < IPC_KS_SCRIPT || r.what > IPC_KS_WHAT_MAX || (r.flags & ~(IPC_KS_TLS | IPC_KS_HEAD))) {
		*why = "kickstart request of unknown kind";
		return -1;
	}
	long t = padded_text(r.token, sizeof r.token, token_char);
	if (t < 0 || (t == 0) != (r.what == IPC_KS_SCRIPT)) {
		*why = "kickstart request with a bad token field";
		return -1;
	}
	if (padded_text(r.host, sizeof r.host, host_char) < 0) {
		*why = "kickstart request with a bad host field";
		return -1;
	}
	return 0;
}

int ipc_check(const void *msg, size_t size, int from_worker, const char **why)
{
	struct ipc_hdr h;
	const uint8_t *payload = (const uint8_t *)msg + sizeof h;

	if (size < sizeof h || size > IPC_MSG_MAX) {
		*why = "message of bad size";
		return -1;
	}
	memcpy(&h, msg, sizeof h);
	if (h.len != size - sizeof h) {
		*why = "length field disagrees with message size";
		return -1;
	}
	if (h.flags != 0) {
		*why = "nonzero flags";
		return -1;
	}
	if (from_worker) {
		if (h.type == IPC_LOG)
			return check_log(payload, h.len, why);
		if (h.type == IPC_KEY_OP)
			return check_key_op(payload, h.len, why);
		if (h.type == IPC_KS_REQ)
			return check_ks_req(payload, h.len, why);
		*why = "unknown message type from worker";
		return -1;
	}
	switch (h.type) {
	case IPC_HELLO:
		if (h.len == sizeof(struct ipc_hello))
			return 0;
		break;
	case IPC_SOCKETS:
		if (h.len == sizeof(struct ipc_sockets))
			return 0;
		break;
	case IPC_KEY_RESULT: {
		struct ipc_key_result r;
		if (h.len < sizeof r)
			break;
		memcpy(&r, payload, sizeof r);
		if (r.len == h.len - sizeof r && r.len <= IPC_KEY_DATA_MAX && r.ok <= 1 && (r.ok || !r.len))
			return 0;
		*why = "key result with bad length or status";
		return -1;
	}
	case IPC_KS_RESULT: {
		struct ipc_ks_result r;
		if (h.len != sizeof r)
			break;
		memcpy(&r, payload, sizeof r);
		if (r.status == 200 || r.status == 404 || r.status == 500 || r.status == 503)
			return 0;
		*why = "kickstart result with unknown status";
		return -1;
	}
	case IPC_POLICY:
	case IPC_CERTS:
	case IPC_START:
		if (h.len == 0)
			return 0;
		break;
	default:
		*why = "unknown message type from broker";
		return -1;
	}
	*why = "payload of wrong size for its type";
	return -1;
}
