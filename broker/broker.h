/* broker.h — the privileged parent: `bootward serve`. */
#ifndef BOOTWARD_BROKER_H
#define BOOTWARD_BROKER_H

#include <stdbool.h>
#include <stddef.h>

struct serve_options {
	const char *policy_file;  /* NULL: the embedded default */
	const char *state_dir;
	const char *libexec_dir;  /* where bootward-<worker> binaries are */
	bool foreground;
};

/* Run the broker until SIGTERM/SIGINT.  Returns the process exit status. */
int serve_main(const struct serve_options *o);

/* Read and parse a policy file (or the embedded default when path is NULL).
 * On failure prints every error as FILE:LINE:COLUMN: message to the log (or
 * stderr) and returns -1.  On success *text and *len hold the accepted text
 * (malloc'd; the caller frees it). */
struct policy;
int policy_load(const char *path, struct policy *p, char **text, size_t *len, bool to_log);

/* `bootward trust ...` (broker/trust.c) and `bootward sign ...` (broker/sign.c):
 * argv[0] is the subcommand's name.  Return the process exit status. */
int trust_main(int argc, char **argv);
int ipxe_main(int argc, char **argv); /* `bootward ipxe embed` (trust.c) */
int sign_main(int argc, char **argv);

#endif
