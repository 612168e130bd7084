/* probe.c — run the tftpd sandbox routine for real, then try one forbidden
 * action.  Used by tests/integration/30-sandbox.t.
 *
 * usage: sandbox-probe ROOT UID WRITABLE_DIR|- ACTION
 * Exit status: 0 the action succeeded, 3 it failed (errno printed),
 * 4 the sandbox could not be entered; a seccomp kill shows as SIGSYS. */
#include "common/log.h"
#include "common/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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
	if (!strcmp(action, "mmap-exec")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? -1 : 0;
	}
	fprintf(stderr, "probe: unknown action %s\n", action);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: sandbox-probe ROOT UID WRITABLE_DIR|- ACTION\n");
		return 2;
	}
	log_to_local(true, "probe");
	uid_t id = (uid_t)strtoul(argv[2], NULL, 10);
	struct sandbox_spec spec = {
		.kind = WORKER_TFTPD, .root = argv[1], .uid = id, .gid = id,
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
