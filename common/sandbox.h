/* sandbox.h — confine a worker after it has received its file descriptors.
 *
 * sandbox_enter() runs, in order: new mount, network, IPC and UTS namespaces
 * (where the kernel allows; logged and skipped otherwise), a read-only bind of
 * the worker's root (plus one writable directory if the worker needs it),
 * chroot into that root, the worker's own uid/gid with no supplementary
 * groups, every capability cleared (libcap-ng), no_new_privs, and a seccomp
 * allowlist whose default action kills the process.  SECURITY.md lists what
 * each worker kind may still do; keep the two in step.
 */
#ifndef BOOTWARD_SANDBOX_H
#define BOOTWARD_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum worker_kind { WORKER_DHCPD = 1, WORKER_TFTPD = 2, WORKER_HTTPSD = 3 };

struct sandbox_spec {
	enum worker_kind kind;
	const char *root;         /* absolute path: becomes the worker's "/" */
	bool root_writable;       /* the whole root is the worker's own (dhcpd's lease directory) */
	const char *writable_dir; /* relative to a read-only root, or NULL: the only writable place */
	uid_t uid;
	gid_t gid;
};

/* The worker's name as used in logs and binary names ("tftpd"), or NULL. */
const char *worker_name(enum worker_kind kind);

/* The uid (and gid) of a worker kind under a policy's uid base. */
uint32_t worker_uid(uint32_t uid_base, enum worker_kind kind);

/* Enter the sandbox.  Returns 0, or -1 after logging why (the caller must then
 * exit: the process may be half-confined).  Logs one record saying which
 * namespaces were entered. */
int sandbox_enter(const struct sandbox_spec *spec);

#endif
