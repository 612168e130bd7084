/* ipc.h — messages between the broker and a worker over a SOCK_SEQPACKET
 * socketpair (one message per datagram, file descriptors with SCM_RIGHTS).
 *
 * Every message is a fixed header followed by `len` payload bytes.  A worker's
 * messages are untrusted input to the broker: ipc_check() validates them
 * field by field before anything else looks at them.
 */
#ifndef BOOTWARD_IPC_H
#define BOOTWARD_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPC_FD 3                 /* the worker's end of the socketpair */
#define IPC_VERSION 1
#define IPC_MSG_MAX 4096         /* header + payload */
#define IPC_PAYLOAD_MAX (IPC_MSG_MAX - (int)sizeof(struct ipc_hdr))
#define IPC_FDS_MAX 200          /* fds in one message (kernel limit is 253) */
#define IPC_LOG_MAX 1024         /* bytes of one log record */

enum ipc_type {
	/* broker -> worker, in this order at start-up */
	IPC_HELLO = 1,    /* struct ipc_hello */
	IPC_POLICY = 2,   /* no payload; one fd: a sealed memfd holding the policy text */
	IPC_SOCKETS = 3,  /* struct ipc_sockets; `count` fds */
	IPC_START = 4,    /* no payload: all fds sent, enter the sandbox and serve */
	IPC_CERTS = 5,    /* httpsd, before IPC_START: no payload; one fd, a sealed memfd
			     holding the TLS certificate chain (PEM, leaf first, root last) */
	IPC_KEY_RESULT = 6, /* httpsd, any time: struct ipc_key_result + `len` bytes */
	IPC_KS_RESULT = 7,  /* httpsd, any time: struct ipc_ks_result; with status 200 one
			       fd, a sealed memfd holding the body */
	/* worker -> broker */
	IPC_LOG = 16,     /* uint8_t level, then text (printable ASCII, no newline) */
	IPC_KEY_OP = 17,  /* httpsd: struct ipc_key_op + `len` bytes; answered by IPC_KEY_RESULT */
	IPC_KS_REQ = 18,  /* httpsd: struct ipc_ks_req; answered by IPC_KS_RESULT */
};

enum ipc_socket_role {
	IPC_SOCK_TFTP_LISTEN = 1, /* UDP 69 on one address, IP_PKTINFO on */
	IPC_SOCK_TFTP_POOL = 2,   /* transfer-port pool sockets, in port order */
	IPC_SOCK_DHCP = 3,        /* UDP 67, one per interface (or one for all), IP_PKTINFO and SO_BROADCAST on */
	IPC_SOCK_DHCP_PROXY = 4,  /* UDP 4011 (PXE boot server discovery), as IPC_SOCK_DHCP */
	IPC_SOCK_HTTPS = 5,       /* TCP listening socket for TLS, one per address */
	IPC_SOCK_HTTP = 6,        /* TCP listening socket for plain HTTP (policy: plain-http) */
};

struct ipc_hdr {
	uint16_t type;
	uint16_t flags;  /* zero */
	uint32_t len;    /* payload bytes that follow */
};

#define IPC_ROOT_MAX 256

struct ipc_hello {
	uint32_t version;  /* IPC_VERSION */
	uint32_t kind;     /* enum worker_kind */
	char root[IPC_ROOT_MAX]; /* the directory the worker confines itself to; NUL-terminated */
};

struct ipc_sockets {
	uint32_t role;     /* enum ipc_socket_role */
	uint32_t count;    /* fds attached to this message */
	uint32_t first_port; /* port of the first fd (pool sockets are in port order) */
};

/* A private-key operation httpsd asks of the broker during a TLS handshake.
 * The key itself never leaves the broker. */
enum ipc_key_opcode {
	IPC_KEY_SIGN = 1,    /* sign `data` (the unhashed message) with `sigalg` */
	IPC_KEY_DECRYPT = 2, /* raw RSA decryption of `data` (RSA key exchange) */
};

#define IPC_KEY_DATA_MAX 1024 /* input or output bytes: an RSA-8192 block at most */

struct ipc_key_op {
	uint32_t id;       /* chosen by httpsd, echoed in the result */
	uint16_t op;       /* enum ipc_key_opcode */
	uint16_t sigalg;   /* TLS SignatureScheme for IPC_KEY_SIGN, 0 otherwise */
	uint32_t len;      /* bytes of data that follow, 1..IPC_KEY_DATA_MAX */
};

struct ipc_key_result {
	uint32_t id;
	uint32_t ok;       /* 1: `len` result bytes follow; 0: refused or failed (len 0) */
	uint32_t len;
};

/* A request under /ks/ that httpsd cannot answer itself: a host's boot
 * script or its kickstart.  The broker identifies the host, checks the
 * token, renders and signs (see broker/kickstart.h). */
enum ipc_ks_what {
	IPC_KS_SCRIPT = 1,      /* /ks/boot.ipxe: the requesting host's iPXE boot script */
	IPC_KS_CFG = 2,         /* /ks/TOKEN/ks.cfg */
	IPC_KS_CFG_SIG = 3,     /* /ks/TOKEN/ks.cfg.sig (CMS, for imgverify) */
	IPC_KS_CFG_MINISIG = 4, /* /ks/TOKEN/ks.cfg.minisig */
	IPC_KS_CPIO = 5,        /* /ks/TOKEN/ks.cpio: newc archive holding /ks.cfg */
	IPC_KS_CPIO_SIG = 6,    /* /ks/TOKEN/ks.cpio.sig */
	IPC_KS_CPIO_MINISIG = 7,/* /ks/TOKEN/ks.cpio.minisig */
	IPC_KS_WHAT_MAX = 7,
};

#define IPC_KS_TLS 1u        /* flags: the request came over TLS */
#define IPC_KS_HEAD 2u       /* flags: HEAD, which uses no one-time token */
#define IPC_KS_TOKEN_MAX 64  /* NUL-padded URL-safe base64; empty for IPC_KS_SCRIPT */
#define IPC_KS_HOST_MAX 256  /* NUL-padded Host header: letters, digits, . - : [ ] */
#define IPC_KS_BODY_MAX (4u << 20) /* largest body the broker sends */

struct ipc_ks_req {
	uint32_t id;       /* chosen by httpsd, echoed in the result */
	uint32_t peer;     /* the client's IPv4 address, network order */
	uint32_t local;    /* the address it connected to, network order */
	uint16_t port;     /* the port it connected to */
	uint8_t what;      /* enum ipc_ks_what */
	uint8_t flags;     /* IPC_KS_TLS, IPC_KS_HEAD */
	char token[IPC_KS_TOKEN_MAX];
	char host[IPC_KS_HOST_MAX];
};

struct ipc_ks_result {
	uint32_t id;
	uint32_t status;   /* 200 (one fd attached), 404, 500 or 503 */
};

/* Send one message with optional fds; flags are sendmsg()'s (MSG_DONTWAIT).
 * Returns 0 or -1 (errno set). */
int ipc_send(int sock, uint16_t type, const void *payload, size_t len,
	     const int *fds, size_t nfds, int flags);

/* Receive one message into buf (IPC_MSG_MAX bytes).  Received fds are stored in
 * fds (up to *nfds; excess or unexpected fds are closed) and *nfds set to the
 * count; flags are recvmsg()'s (MSG_DONTWAIT).  Returns the total message
 * size, 0 on orderly close, -1 on error.
 * Nothing is validated here: call ipc_check(). */
ssize_t ipc_recv(int sock, void *buf, int *fds, size_t *nfds, int flags);

/* Validate a received message: size matches the header, flags zero, type known
 * for the direction (from_worker), payload of the exact size for its type,
 * log text printable.  Returns 0 or -1 with *why set to a static reason. */
int ipc_check(const void *msg, size_t size, int from_worker, const char **why);

#endif
