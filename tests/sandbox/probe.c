/* probe.c — run a worker's sandbox routine for real, then try one action.
 * Used by tests/integration/30-sandbox.t.
 *
 * usage: sandbox-probe ROOT UID WRITABLE_DIR|- ACTION [tftpd|httpsd]
 * The worker kind (default tftpd) selects the seccomp allowlist.  Before
 * entering the sandbox the probe opens a non-blocking listening TCP socket
 * on 127.0.0.1, as the broker hands httpsd one (so run it in a network
 * namespace of its own); the socket, accept4, shutdown and connect-listener
 * actions use it.  ACTION open:PATH opens PATH read-only.
 * Exit status: 0 the action succeeded, 3 it failed (errno printed),
 * 4 the sandbox could not be entered; a seccomp kill shows as SIGSYS. */
#include "common/log.h"
#include "common/sandbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int listen_fd = -1;

/* A listening socket like the ones httpsd is given, and its address. */
static struct sockaddr_in listen_addr;

static int open_listener(void)
{
	socklen_t len = sizeof listen_addr;

	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&listen_addr, sizeof listen_addr) < 0 ||
	    listen(listen_fd, 4) < 0 || getsockname(listen_fd, (struct sockaddr *)&listen_addr, &len) < 0)
		return -1;
	return 0;
}

static int attempt(const char *action)
{
	if (!strcmp(action, "socket"))
		return socket(AF_INET, SOCK_DGRAM, 0);
	if (!strcmp(action, "socket-unix"))
		return socket(AF_UNIX, SOCK_STREAM, 0);
	if (!strcmp(action, "open-outside"))
		return open("/etc/passwd", O_RDONLY);
	if (!strcmp(action, "open-dotdot"))
		return open("../../../../etc/passwd", O_RDONLY);
	if (!strcmp(action, "open-inside"))
		return open("inside.txt", O_RDONLY);
	if (!strcmp(action, "open-write"))
		return open("inside.txt", O_WRONLY);
	if (!strcmp(action, "create-root"))
		return open("new-file", O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (!strcmp(action, "create-upload"))
		return open("incoming/new-file", O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (!strcmp(action, "overwrite-upload"))
		return open("incoming/new-file", O_WRONLY | O_TRUNC, 0600);
	if (!strcmp(action, "mkdir"))
		return mkdir("newdir", 0700);
	if (!strcmp(action, "execve")) {
		char *const argv[] = { "sh", NULL };
		return execve("/bin/sh", argv, NULL);
	}
	if (!strcmp(action, "ptrace"))
		return (int)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	if (!strcmp(action, "setuid"))
		return setuid(0);
	if (!strcmp(action, "fork"))
		return fork();
	if (!strcmp(action, "connect-new")) {
		/* A new socket to reach out with: socket() itself must be fatal. */
		int s = socket(AF_INET, SOCK_STREAM, 0);
		return s < 0 ? -1 : connect(s, (struct sockaddr *)&listen_addr, sizeof listen_addr);
	}
	if (!strcmp(action, "connect-listener"))
		/* Reuse a socket it was given to connect out: the kernel refuses. */
		return connect(listen_fd, (struct sockaddr *)&listen_addr, sizeof listen_addr);
	if (!strcmp(action, "accept4-nonsocket"))
		return accept4(0, NULL, NULL, SOCK_NONBLOCK); /* fd 0 is /dev/null */
	if (!strcmp(action, "accept4-listener"))
		return accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK); /* none pending: EAGAIN */
	if (!strcmp(action, "shutdown"))
		return shutdown(listen_fd, SHUT_WR);
	if (!strcmp(action, "getdents64")) {
		char buf[4096];
		/* Not O_DIRECTORY: its bit is part of O_TMPFILE, which the
		 * read-only openat rule refuses; httpsd opens directories the same way. */
		int d = open(".", O_RDONLY);
		return d < 0 ? -1 : (int)syscall(SYS_getdents64, d, buf, sizeof buf);
	}
	if (!strcmp(action, "sendfile")) {
		int f = open("inside.txt", O_RDONLY);
		return f < 0 ? -1 : (int)sendfile(1, f, NULL, 4); /* to stdout */
	}
	if (!strcmp(action, "getrandom")) {
		char buf[16];
		return (int)getrandom(buf, sizeof buf, 0);
	}
	if (!strncmp(action, "open:", 5))
		return open(action + 5, O_RDONLY);
	if (!strcmp(action, "mmap-exec")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? -1 : 0;
	}
	fprintf(stderr, "probe: unknown action %s\n", action);
	exit(2);
}

int main(int argc, char **argv)
{
	enum worker_kind kind = WORKER_TFTPD;

	if (argc == 6 && !strcmp(argv[5], "httpsd"))
		kind = WORKER_HTTPSD;
	else if (argc == 6 && strcmp(argv[5], "tftpd"))
		argc = 0;
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: sandbox-probe ROOT UID WRITABLE_DIR|- ACTION [tftpd|httpsd]\n");
		return 2;
	}
	log_to_local(true, "probe");
	if (open_listener() < 0) {
		perror("probe: listening socket");
		return 4;
	}
	uid_t id = (uid_t)strtoul(argv[2], NULL, 10);
	struct sandbox_spec spec = {
		.kind = kind, .root = argv[1], .uid = id, .gid = id,
		.writable_dir = strcmp(argv[3], "-") ? argv[3] : NULL,
	};
	if (sandbox_enter(&spec) < 0)
		return 4;
	errno = 0;
	int rc = attempt(argv[4]);
	/* snprintf and write only: stdio's isatty() check would need ioctl(). */
	char line[256];
	int n = rc < 0 ? snprintf(line, sizeof line, "%s: failed: %s\n", argv[4], strerror(errno))
		       : snprintf(line, sizeof line, "%s: succeeded\n", argv[4]);
	if (n > 0 && write(1, line, (size_t)n) < 0)
		return 5;
	return rc < 0 ? 3 : 0;
}
