/* main.c — the `bootward` command. */
#include "broker/broker.h"
#include "dhcpd/journal.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: bootward serve [--policy FILE] [--state DIR] [--foreground] [--libexec DIR]\n"
	"       bootward policy check FILE...\n"
	"       bootward policy default\n"
	"       bootward leases [--state DIR] [--history]\n"
	"       bootward trust init [--state DIR] [--name NAME]... [--rotate]\n"
	"       bootward trust show [--state DIR]\n"
	"       bootward sign [--state DIR] FILE...\n"
	"       bootward ipxe embed [--state DIR] [--out DIR] [--server HOST[:PORT]]\n"
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
	"  leases          print the DHCP leases in the state directory's journal: the latest\n"
	"                  record per address, or with --history every record, oldest first\n"
	"  trust init      create what is missing in STATE/trust: a root CA, the HTTPS server\n"
	"                  and code-signing certificates, the token and minisign keys; valid\n"
	"                  files are kept.  Prints the CA's SHA-256 fingerprint.  Needs root.\n"
	"    --name NAME     a DNS name or IP address of the server (repeat; default: hostname)\n"
	"    --rotate        replace the server and code-signing keys and certificates\n"
	"  trust show      print what STATE/trust holds and whether it is valid\n"
	"  sign            write FILE.sig (CMS, for iPXE's imgverify) and FILE.minisig\n"
	"                  (minisign) next to each FILE, with the keys in STATE/trust.\n"
	"                  Needs root.\n"
	"  ipxe embed      write an embedded script, the CA and the config switches for\n"
	"                  building an iPXE that trusts only this server's CA\n"
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

/* ---- bootward leases: the journal, folded to the latest record per address */

struct lease_row {
	struct journal_record r;
	size_t seq;
};

struct lease_rows {
	struct lease_row *v;
	size_t n, cap;
};

static int collect_record(void *ctx, const struct journal_record *r)
{
	struct lease_rows *rows = ctx;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 1024;
		struct lease_row *v = realloc(rows->v, cap * sizeof *v);
		if (!v)
			return -1;
		rows->v = v;
		rows->cap = cap;
	}
	rows->v[rows->n] = (struct lease_row){ .r = *r, .seq = rows->n };
	rows->n++;
	return 0;
}

static int by_addr_then_seq(const void *a, const void *b)
{
	const struct lease_row *x = a, *y = b;
	if (x->r.addr != y->r.addr)
		return x->r.addr < y->r.addr ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void print_row(const struct lease_row *row, time_t now)
{
	const struct journal_record *r = &row->r;
	struct in_addr a = { htonl(r->addr) };
	char ip[INET_ADDRSTRLEN], when[32] = "-";
	inet_ntop(AF_INET, &a, ip, sizeof ip);
	if (r->expiry) {
		time_t t = (time_t)r->expiry;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	const char *state = r->type == JOURNAL_RELEASE ? "released" :
			    r->type == JOURNAL_DECLINE ? "declined" :
			    (time_t)r->expiry > now ? "bound" : "expired";
	printf("%-15s %-8s %02x:%02x:%02x:%02x:%02x:%02x %-20s %s\n", ip, state,
	       r->client.mac[0], r->client.mac[1], r->client.mac[2], r->client.mac[3], r->client.mac[4],
	       r->client.mac[5], when, r->hostname[0] ? r->hostname : "-");
}

static int cmd_leases(int argc, char **argv)
{
	const char *state = "/var/lib/bootward";
	char path[4096];
	struct lease_rows rows = { 0 };
	struct journal_report rep;
	struct stat st;
	bool history = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
			state = argv[++i];
		} else if (strcmp(argv[i], "--history") == 0) {
			history = true;
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	snprintf(path, sizeof path, "%s/dhcpd/leases.journal", state);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "bootward leases: %s: %s\n", path, strerror(errno));
		return 1;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	ssize_t n = buf ? read(fd, buf, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		fprintf(stderr, "bootward leases: %s: cannot read\n", path);
		return 1;
	}
	journal_scan(buf, (size_t)n, collect_record, &rows, &rep);
	free(buf);
	if (rep.status != JOURNAL_OK)
		fprintf(stderr, "bootward leases: %s: %llu bytes after the last good record (%s); dhcpd cuts them when it starts\n",
			path, (unsigned long long)rep.cut_bytes, rep.why ? rep.why : journal_status_name(rep.status));
	time_t now = time(NULL);
	printf("%-15s %-8s %-17s %-20s %s\n", "ADDRESS", "STATE", "MAC", "UNTIL", "HOSTNAME");
	if (history) {
		/* Every record, oldest first: what an auditor replays. */
		for (size_t i = 0; i < rows.n; i++)
			print_row(&rows.v[i], now);
	} else {
		qsort(rows.v, rows.n, sizeof *rows.v, by_addr_then_seq);
		for (size_t i = 0; i < rows.n; i++)
			if (i + 1 == rows.n || rows.v[i + 1].r.addr != rows.v[i].r.addr)
				print_row(&rows.v[i], now);
	}
	free(rows.v);
	return 0;
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
	if (strcmp(cmd, "leases") == 0)
		return cmd_leases(argc - 1, argv + 1);
	if (strcmp(cmd, "trust") == 0)
		return trust_main(argc - 1, argv + 1);
	if (strcmp(cmd, "sign") == 0)
		return sign_main(argc - 1, argv + 1);
	if (strcmp(cmd, "ipxe") == 0)
		return ipxe_main(argc - 1, argv + 1);
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
