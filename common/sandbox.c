/* sandbox.c — namespaces, chroot, uid/gid, capabilities, no_new_privs, seccomp. */
#include "common/sandbox.h"
#include "common/log.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

const char *worker_name(enum worker_kind kind)
{
	switch (kind) {
	case WORKER_DHCPD: return "dhcpd";
	case WORKER_TFTPD: return "tftpd";
	case WORKER_HTTPSD: return "httpsd";
	}
	return NULL;
}

uint32_t worker_uid(uint32_t uid_base, enum worker_kind kind)
{
	return uid_base + (uint32_t)kind;
}

/* Private mounts, then the root bound onto itself (read-only unless it is the
 * worker's own state); the one writable directory, if any, bound over it
 * again without MS_RDONLY. */
static int remount_root(const struct sandbox_spec *s)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	const unsigned long ro = s->root_writable ? 0 : MS_RDONLY;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(s->root, s->root, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, s->root, NULL, MS_REMOUNT | MS_BIND | ro | safe, NULL) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=mount root=%s error=\"%s\"", s->root,
			strerror(errno));
		return -1;
	}
	if (s->writable_dir) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof path, "%s/%s", s->root, s->writable_dir);
		if (n < 0 || (size_t)n >= sizeof path ||
		    mount(path, path, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | safe, NULL) < 0) {
			log_rec(LOG_LEVEL_ERR, "event=sandbox step=mount-writable dir=%s error=\"%s\"",
				s->writable_dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int enter_root(const struct sandbox_spec *s)
{
	int ns = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
	bool mount_ns = true;

	if (unshare(ns) < 0) {
		/* Some container runtimes forbid namespaces: chroot and uids still hold. */
		log_rec(LOG_LEVEL_WARN, "event=sandbox step=unshare error=\"%s\" namespaces=none",
			strerror(errno));
		mount_ns = false;
	} else if (remount_root(s) < 0) {
		return -1;
	}
	if (chdir(s->root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=chroot root=%s error=\"%s\"", s->root,
			strerror(errno));
		return -1;
	}
	log_rec(LOG_LEVEL_INFO, "event=sandbox step=root root=%s namespaces=%s readonly=%s",
		s->root, mount_ns ? "mnt,net,ipc,uts" : "none",
		s->root_writable ? "no" : mount_ns ? "mount" : "permissions");
	return 0;
}

static int drop_identity(const struct sandbox_spec *s)
{
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_change_id((int)s->uid, (int)s->gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT) != 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=setuid uid=%u error=\"capng_change_id failed\"",
			(unsigned)s->uid);
		return -1;
	}
	uid_t r, e, sv;
	gid_t gr, ge, gs;
	if (getresuid(&r, &e, &sv) < 0 || getresgid(&gr, &ge, &gs) < 0 ||
	    r != s->uid || e != s->uid || sv != s->uid || gr != s->gid || ge != s->gid ||
	    gs != s->gid || getgroups(0, NULL) != 0 || setresuid(0, 0, 0) == 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=verify-ids error=\"ids not dropped\"");
		return -1;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=verify-caps error=\"capabilities remain\"");
		return -1;
	}
	struct rlimit zero = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &zero) < 0 || setrlimit(RLIMIT_NPROC, &zero) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=limits error=\"%s\"", strerror(errno));
		return -1;
	}
	return 0;
}

/* System calls every worker needs once it serves: memory, time, its fds. */
static const int base_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(close),
	SCMP_SYS(pread64), SCMP_SYS(lseek), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(statx), SCMP_SYS(fcntl),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(recvmmsg),
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg),
	SCMP_SYS(connect), SCMP_SYS(getsockname), /* re-aim sockets it already has */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(getpid),
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* openat() only when it cannot write or create anything. */
#define OPEN_WRITE_BITS (O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE)

/* dhcpd keeps its lease journal in its root: create, append, sync,
 * truncate a torn tail, and replace the file atomically when compacting. */
static const int journal_syscalls[] = {
	SCMP_SYS(pwrite64), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
};

/* httpsd: accept connections on the sockets it was given, list
 * directories, copy files to plain-HTTP sockets, and feed BoringSSL's
 * random generator. */
static const int httpsd_syscalls[] = {
	SCMP_SYS(accept4), SCMP_SYS(shutdown), SCMP_SYS(getdents64), SCMP_SYS(sendfile),
	SCMP_SYS(getrandom),
};

static int build_filter(scmp_filter_ctx ctx, const struct sandbox_spec *s)
{
	int rc = 0;

	if (s->kind == WORKER_HTTPSD)
		for (size_t i = 0; i < sizeof httpsd_syscalls / sizeof httpsd_syscalls[0]; i++)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, httpsd_syscalls[i], 0);

	if (s->root_writable) {
		for (size_t i = 0; i < sizeof journal_syscalls / sizeof journal_syscalls[0]; i++)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, journal_syscalls[i], 0);
		/* Any open flags, but never a file outside the root (the mount is
		 * its only writable place, and nothing else exists in it). */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 0);
	}

	for (size_t i = 0; i < sizeof base_syscalls / sizeof base_syscalls[0]; i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, base_syscalls[i], 0);
	/* Memory may never become executable. */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!s->root_writable)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, OPEN_WRITE_BITS, O_RDONLY));
	if (s->writable_dir) {
		/* Uploads: create a new file, never open an existing one for writing. */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, OPEN_WRITE_BITS | O_EXCL,
					       O_WRONLY | O_CREAT | O_EXCL));
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(pwrite64), 0);
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fsync), 0);
		/* Only to remove a failed upload: everything else is read-only. */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlink), 0);
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 0);
	}
	return rc;
}

static int load_seccomp(const struct sandbox_spec *s)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc = -1;

	if (ctx && build_filter(ctx, s) == 0 && seccomp_load(ctx) == 0)
		rc = 0;
	else
		log_rec(LOG_LEVEL_ERR, "event=sandbox step=seccomp error=\"filter not loaded\"");
	seccomp_release(ctx);
	return rc;
}

int sandbox_enter(const struct sandbox_spec *s)
{
	if (!worker_name(s->kind) || !s->root || s->root[0] != '/' || s->uid == 0 || s->gid == 0) {
		log_rec(LOG_LEVEL_ERR, "event=sandbox error=\"bad sandbox spec\"");
		return -1;
	}
	if (enter_root(s) < 0 || drop_identity(s) < 0 || load_seccomp(s) < 0)
		return -1;
	log_rec(LOG_LEVEL_INFO, "event=sandbox step=done uid=%u gid=%u caps=none no_new_privs=1 seccomp=allowlist",
		(unsigned)s->uid, (unsigned)s->gid);
	return 0;
}
