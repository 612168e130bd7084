/* main.c — the `bootward` command. */
#include "broker/broker.h"
#include "policy/policy.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: bootward serve [--policy FILE] [--state DIR] [--foreground] [--libexec DIR]\n"
	"       bootward policy check FILE...\n"
	"       bootward policy default\n"
	"       bootward version\n"
	"\n"
	"bootward is a privilege-separated network-boot (PXE) server.\n"
	"\n"
	"  serve           run the broker: bind the sockets the policy asks for and start\n"
	"                  one confined worker per service (tftpd).  Needs root.\n"
	"    --policy FILE   policy to serve (default: the built-in policy, see `policy default`)\n"
	"    --state DIR     state directory (default: /var/lib/bootward)\n"
	"    --foreground    stay in the foreground and log to stderr (default: daemon, syslog)\n"
	"    --libexec DIR   where the worker binaries are (default: " BOOTWARD_LIBEXECDIR ")\n"
	"  policy check    parse policy files; print every error as FILE:LINE:COLUMN: message\n"
	"  policy default  print the built-in policy\n"
	"  version         print the version\n"
	"\n"
	"Signals to `serve`: SIGHUP re-reads the policy (a bad one is rejected and the old\n"
	"one keeps serving); SIGTERM or SIGINT stops everything.  See bootward(8).\n";

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "libexec", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_options o = {
		.state_dir = "/var/lib/bootward",
		.libexec_dir = BOOTWARD_LIBEXECDIR,
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:s:fl:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.policy_file = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'f': o.foreground = true; break;
		case 'l': o.libexec_dir = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bootward serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return serve_main(&o);
}

static int cmd_policy(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "default") == 0) {
		fputs(policy_default_text, stdout);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "check") == 0) {
		int rc = 0;
		for (int i = 2; i < argc; i++) {
			static struct policy p; /* large: not on the stack */
			char *text;
			size_t len;
			if (policy_load(argv[i], &p, &text, &len, false) < 0) {
				rc = 1;
				continue;
			}
			free(text);
			printf("%s: ok\n", argv[i]);
		}
		return rc;
	}
	fputs(usage, stderr);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(cmd, "policy") == 0)
		return cmd_policy(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("bootward %s\n", BOOTWARD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "bootward: unknown command '%s'\n\n%s", cmd, usage);
	return 2;
}
