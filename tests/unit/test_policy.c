/* test_policy.c — the policy parser: defaults, examples, every error class
 * with its line, column and message, recovery, value edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* The statement keywords, as "unknown statement" lists them. */
#define STATEMENTS "interface, sandbox, tftp, https, dhcp, subnet, host, deny, class, kickstart"

static struct policy pol;
static struct policy_errors errs;

static int parse_n(const char *text, size_t len)
{
	return policy_parse(text, len, "t.policy", &pol, &errs);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void show_errors(void)
{
	static char buf[16384];

	print_error("%s", policy_errors_format(&errs, buf, sizeof buf));
}

/* The text parses; on failure the errors are printed. */
#define assert_parses(text) assert_parses_n((text), strlen(text), __FILE__, __LINE__)

static void assert_parses_n(const char *text, size_t len, const char *file, int line)
{
	if (parse_n(text, len) != 0) {
		print_error("%s:%d: expected this policy to parse:\n%.*s\n", file, line, (int)len, text);
		show_errors();
		_fail(file, line);
	}
}

/* The text fails and its first error is exactly at line:column with msg. */
#define assert_error(text, line, column, msg) \
	assert_error_n((text), strlen(text), (line), (column), (msg), __FILE__, __LINE__)

static void assert_error_n(const char *text, size_t len, unsigned line, unsigned column,
			   const char *msg, const char *file, int at)
{
	int rc = parse_n(text, len);

	if (rc == -1 && errs.count >= 1 && errs.e[0].line == line && errs.e[0].column == column &&
	    strcmp(errs.e[0].message, msg) == 0)
		return;
	print_error("%s:%d: for this policy:\n%.*s\nexpected rc -1 and t.policy:%u:%u: %s\ngot rc %d and:\n",
		    file, at, (int)len, text, line, column, msg, rc);
	show_errors();
	_fail(file, at);
}

/* Only the first error is asserted above; most cases must have exactly one. */
#define assert_one_error(text, line, column, msg)            \
	do {                                                 \
		assert_error(text, line, column, msg);       \
		assert_int_equal(errs.total, 1);             \
	} while (0)

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	static char buf[POLICY_MAX_SIZE];

	if (!f) {
		print_error("cannot open %s (run the tests from the top of the tree)\n", path);
		return NULL;
	}
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

static uint32_t addr(const char *dotted)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, dotted, &a), 1);
	return a.s_addr;
}

/* ---- defaults and examples --------------------------------------------- */

static void assert_documented_dhcp_defaults(const struct policy_dhcp *d)
{
	assert_int_equal(d->next_server.s_addr, 0);
	assert_int_equal(d->offer_hold_s, 60);
	assert_int_equal(d->max_discover_per_mac_s, 2);
	assert_int_equal(d->max_discover_per_s, 500);
}

static void assert_documented_https_defaults(const struct policy_https *h)
{
	assert_string_equal(h->root, "/srv/bootward/http");
	assert_int_equal(h->port, 443);
	assert_int_equal(h->plain_port, 0);
	assert_int_equal(h->ciphers, POLICY_CIPHERS_COMPATIBLE);
	assert_int_equal(h->max_connections, 4096);
	assert_int_equal(h->max_per_client, 64);
	assert_int_equal(h->header_timeout_ms, 10000);
	assert_int_equal(h->idle_timeout_ms, 60000);
	assert_false(h->listing);
	assert_true(h->access_log);
	assert_int_equal(h->key_ops_rate, 1000);
}

static void assert_documented_defaults(const struct policy *p)
{
	assert_int_equal(p->n_interfaces, 0);
	assert_int_equal(p->uid_base, 61100);
	assert_string_equal(p->tftp.root, "/srv/bootward/tftp");
	assert_int_equal(p->tftp.port_low, 4096);
	assert_int_equal(p->tftp.port_high, 4351);
	assert_int_equal(p->tftp.max_transfers, 256);
	assert_int_equal(p->tftp.max_per_client, 16);
	assert_int_equal(p->tftp.timeout_ms, 1000);
	assert_int_equal(p->tftp.retries, 5);
	assert_int_equal(p->tftp.max_blksize, 65464);
	assert_int_equal(p->tftp.max_windowsize, 64);
	assert_string_equal(p->tftp.upload_dir, "");
	assert_int_equal(p->tftp.upload_max_bytes, 64 * 1024 * 1024);
	assert_documented_https_defaults(&p->https);
	assert_documented_dhcp_defaults(&p->dhcp);
	assert_int_equal(p->dhcp.mode, POLICY_DHCP_OFF);
	assert_int_equal(p->dhcp.n_subnets, 0);
	assert_int_equal(p->dhcp.n_hosts, 0);
	assert_int_equal(p->dhcp.n_deny, 0);
	assert_int_equal(p->dhcp.n_classes, 0);
}

static void test_init_defaults(void **state)
{
	(void)state;
	memset(&pol, 0xa5, sizeof pol);
	policy_init(&pol);
	assert_false(pol.tftp.enabled);
	assert_false(pol.https.enabled);
	assert_documented_defaults(&pol);
}

static void test_default_policy(void **state)
{
	(void)state;
	assert_parses(policy_default_text);
	assert_true(pol.tftp.enabled);
	assert_false(pol.https.enabled);
	assert_documented_defaults(&pol);
	assert_int_equal(errs.total, 0);
	assert_int_equal(errs.count, 0);
}

static void test_default_policy_file_is_embedded(void **state)
{
	size_t len = 0;
	const char *text = read_text("policy/examples/default.policy", &len);

	(void)state;
	assert_non_null(text);
	assert_int_equal(len, strlen(policy_default_text));
	assert_memory_equal(text, policy_default_text, len);
}

static void test_site_example(void **state)
{
	size_t len = 0;
	const char *text = read_text("policy/examples/site.policy", &len);

	(void)state;
	assert_non_null(text);
	assert_parses_n(text, len, __FILE__, __LINE__);
	assert_int_equal(pol.n_interfaces, 2);
	assert_string_equal(pol.interfaces[0].name, "eth1");
	assert_int_equal(pol.interfaces[0].address.s_addr, addr("10.33.1.1"));
	assert_string_equal(pol.interfaces[1].name, "eth2");
	assert_int_equal(pol.interfaces[1].address.s_addr, addr("10.34.1.1"));
	assert_int_equal(pol.uid_base, 61100);
	assert_true(pol.tftp.enabled);
	assert_string_equal(pol.tftp.root, "/srv/bootward/tftp");
	assert_int_equal(pol.tftp.port_low, 4096);
	assert_int_equal(pol.tftp.port_high, 4607);
	assert_int_equal(pol.tftp.max_transfers, 400);
	assert_int_equal(pol.tftp.max_per_client, 8);
	assert_int_equal(pol.tftp.timeout_ms, 2000);
	assert_int_equal(pol.tftp.retries, 8);
	assert_int_equal(pol.tftp.max_blksize, 1468);
	assert_int_equal(pol.tftp.max_windowsize, 16);
	assert_string_equal(pol.tftp.upload_dir, "incoming");
	assert_int_equal(pol.tftp.upload_max_bytes, 256ull * 1024 * 1024);
	assert_true(pol.https.enabled);
	assert_string_equal(pol.https.root, "/srv/bootward/http");
	assert_int_equal(pol.https.port, 443);
	assert_int_equal(pol.https.plain_port, 80); /* class httpboot boots over plain http */
	assert_int_equal(pol.https.ciphers, POLICY_CIPHERS_COMPATIBLE);
	assert_int_equal(pol.https.max_connections, 4096);
	assert_int_equal(pol.https.max_per_client, 32);
	assert_int_equal(pol.https.header_timeout_ms, 10000);
	assert_int_equal(pol.https.idle_timeout_ms, 60000);
	assert_false(pol.https.listing);
	assert_true(pol.https.access_log);
	assert_int_equal(pol.https.key_ops_rate, 2000);

	const struct policy_dhcp *d = &pol.dhcp;

	assert_int_equal(d->mode, POLICY_DHCP_AUTHORITATIVE);
	assert_int_equal(d->next_server.s_addr, 0);
	assert_int_equal(d->offer_hold_s, 30);
	assert_int_equal(d->max_discover_per_mac_s, 2);
	assert_int_equal(d->max_discover_per_s, 500);
	assert_int_equal(d->n_subnets, 2);
	assert_int_equal(d->subnets[0].network.s_addr, addr("10.33.0.0"));
	assert_int_equal(d->subnets[0].prefix_len, 16);
	assert_int_equal(d->subnets[0].range_low.s_addr, addr("10.33.1.100"));
	assert_int_equal(d->subnets[0].range_high.s_addr, addr("10.33.1.200"));
	assert_int_equal(d->subnets[0].router.s_addr, addr("10.33.1.254"));
	assert_int_equal(d->subnets[0].n_dns, 2);
	assert_int_equal(d->subnets[0].dns[0].s_addr, addr("10.33.1.1"));
	assert_int_equal(d->subnets[0].dns[1].s_addr, addr("10.33.1.2"));
	assert_string_equal(d->subnets[0].domain, "lab.example");
	assert_int_equal(d->subnets[0].lease_s, 4000);
	assert_int_equal(d->subnets[0].renew_s, 2000);
	assert_int_equal(d->subnets[0].rebind_s, 3500);
	assert_int_equal(d->subnets[1].network.s_addr, addr("10.34.0.0"));
	assert_int_equal(d->subnets[1].n_dns, 1);
	assert_int_equal(d->subnets[1].lease_s, 3600);
	assert_int_equal(d->subnets[1].renew_s, 0);
	assert_int_equal(d->subnets[1].rebind_s, 0);
	assert_string_equal(d->subnets[1].domain, "");
	assert_int_equal(d->n_hosts, 3);
	assert_string_equal(d->hosts[0].name, "web01");
	assert_memory_equal(d->hosts[0].mac, "\x00\x0c\x29\xf6\x07\xca", 6);
	assert_int_equal(d->hosts[0].address.s_addr, addr("10.33.1.20"));
	assert_string_equal(d->hosts[0].kickstart, "centos7");
	assert_int_equal(pol.n_kickstarts, 1);
	assert_string_equal(pol.kickstarts[0].kernel, "/centos7/images/pxeboot/vmlinuz");
	assert_true(pol.kickstarts[0].one_time);
	assert_int_equal(d->hosts[0].boot.proto, POLICY_BOOT_NONE);
	assert_string_equal(d->hosts[1].name, "db01");
	assert_int_equal(d->hosts[1].boot.proto, POLICY_BOOT_TFTP);
	assert_string_equal(d->hosts[1].boot.path, "special/undionly.kpxe");
	assert_memory_equal(d->hosts[2].mac, "\x00\x0c\x29\x11\x22\x33", 6);
	assert_int_equal(d->n_deny, 1);
	assert_memory_equal(d->deny[0], "\x00\x0c\x29\x5e\xf2\x3f", 6);
	assert_int_equal(d->n_classes, 5);
	assert_string_equal(d->classes[0].name, "ipxe");
	assert_string_equal(d->classes[0].user_class, "iPXE");
	assert_int_equal(d->classes[0].boot.proto, POLICY_BOOT_HTTPS);
	assert_string_equal(d->classes[0].boot.path, "/ks/boot.ipxe");
	assert_string_equal(d->classes[1].vendor_class, "HTTPClient");
	assert_int_equal(d->classes[1].boot.proto, POLICY_BOOT_HTTP);
	assert_int_equal(d->classes[3].n_arch, 2);
	assert_int_equal(d->classes[3].arch[0], 7);
	assert_int_equal(d->classes[3].arch[1], 9);
	assert_string_equal(d->classes[4].boot.path, "arm64/ipxe.efi");
}

static void test_proxy_example(void **state)
{
	size_t len = 0;
	const char *text = read_text("policy/examples/proxy.policy", &len);
	const struct policy_dhcp *d = &pol.dhcp;

	(void)state;
	assert_non_null(text);
	assert_parses_n(text, len, __FILE__, __LINE__);
	assert_int_equal(pol.n_interfaces, 1);
	assert_true(pol.tftp.enabled);
	assert_false(pol.https.enabled); /* boot http: served by another program */
	assert_int_equal(d->mode, POLICY_DHCP_PROXY);
	assert_int_equal(d->max_discover_per_s, 200);
	assert_int_equal(d->n_subnets, 0);
	assert_int_equal(d->n_deny, 1);
	assert_int_equal(d->n_hosts, 1);
	assert_int_equal(d->hosts[0].address.s_addr, 0);
	assert_int_equal(d->hosts[0].boot.proto, POLICY_BOOT_TFTP);
	assert_int_equal(d->n_classes, 3);
	assert_int_equal(d->classes[0].boot.proto, POLICY_BOOT_HTTP);
	assert_string_equal(d->classes[0].boot.path, "/boot/menu.ipxe");
}

static void test_empty_means_nothing_served(void **state)
{
	static const char *const texts[] = {
		"", "\n", "\n\n\n", "   \t  \n\t\n", "# only a comment", "# one\n# two\n\n  # indented\n",
		"\r\n# crlf\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_parses(texts[i]);
		assert_false(pol.tftp.enabled);
		assert_false(pol.https.enabled);
		assert_int_equal(pol.n_interfaces, 0);
		assert_documented_defaults(&pol);
	}
	assert_int_equal(policy_parse(NULL, 0, "t.policy", &pol, &errs), 0);
	assert_false(pol.tftp.enabled);
}

static void test_bare_tftp_enables_with_defaults(void **state)
{
	(void)state;
	assert_parses("tftp\n");
	assert_true(pol.tftp.enabled);
	assert_documented_defaults(&pol);
	assert_parses("tftp {\n}\n");
	assert_true(pol.tftp.enabled);
	assert_documented_defaults(&pol);
	assert_parses("tftp {}");
	assert_true(pol.tftp.enabled);
}

/* ---- https ------------------------------------------------------------- */

static void test_bare_https_enables_with_defaults(void **state)
{
	static const char *const texts[] = { "https\n", "https {\n}\n", "https {}", "https { }\n" };

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		assert_parses(texts[i]);
		assert_true(pol.https.enabled);
		assert_false(pol.tftp.enabled);
		assert_documented_defaults(&pol);
	}
	/* tftp alone leaves https off. */
	assert_parses("tftp\n");
	assert_false(pol.https.enabled);
}

static void test_https_settings(void **state)
{
	static const char *const forms[] = {
		"https root \"/srv/h\" port 8443 plain-http 8080 ciphers forward-secret max-connections 100 "
		"max-per-client 10 header-timeout 5s idle-timeout 2m listing on access-log off key-ops-rate 50\n",

		"https {\n"
		"\troot \"/srv/h\"\n"
		"\tport 8443\n"
		"\tplain-http 8080\n"
		"\tciphers forward-secret\n"
		"\tmax-connections 100\n"
		"\tmax-per-client 10\n"
		"\theader-timeout 5s\n"
		"\tidle-timeout 2m\n"
		"\tlisting on\n"
		"\taccess-log off\n"
		"\tkey-ops-rate 50\n"
		"}\n",

		/* any order, several on a line, values quoted */
		"https { key-ops-rate \"50\" access-log off listing on\n"
		"  idle-timeout 120s header-timeout 5000ms\n"
		"  max-per-client 10 max-connections 100 ciphers \"forward-secret\"\n"
		"  plain-http 8080 port 8443 root /srv/h/ }\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		assert_parses(forms[i]);
		assert_true(pol.https.enabled);
		assert_string_equal(pol.https.root, "/srv/h");
		assert_int_equal(pol.https.port, 8443);
		assert_int_equal(pol.https.plain_port, 8080);
		assert_int_equal(pol.https.ciphers, POLICY_CIPHERS_FORWARD_SECRET);
		assert_int_equal(pol.https.max_connections, 100);
		assert_int_equal(pol.https.max_per_client, 10);
		assert_int_equal(pol.https.header_timeout_ms, 5000);
		assert_int_equal(pol.https.idle_timeout_ms, 120000);
		assert_true(pol.https.listing);
		assert_false(pol.https.access_log);
		assert_int_equal(pol.https.key_ops_rate, 50);
	}
	/* the defaults written out */
	assert_parses("https ciphers compatible listing off access-log on\n");
	assert_documented_https_defaults(&pol.https);
}

static void test_https_plain_http(void **state)
{
	(void)state;
	assert_parses("https plain-http off\n");
	assert_int_equal(pol.https.plain_port, 0);
	assert_parses("https plain-http 8080\n");
	assert_int_equal(pol.https.plain_port, 8080);
	assert_int_equal(pol.https.port, 443);
	assert_parses("https plain-http 80\n");
	assert_int_equal(pol.https.plain_port, 80);
	assert_parses("https port 80\n"); /* plain HTTP off: 80 is free for TLS */
	assert_int_equal(pol.https.port, 80);
	assert_int_equal(pol.https.plain_port, 0);
	assert_parses("https plain-http 1 port 65535\n");
	assert_int_equal(pol.https.plain_port, 1);
	assert_int_equal(pol.https.port, 65535);

	assert_one_error("https plain-http on\n", 1, 18,
			 "plain-http on is not valid (expected off or a TCP port, e.g. 80)");
	assert_one_error("https plain-http 0\n", 1, 18, "plain-http 0 is out of range (1..65535)");
	assert_one_error("https plain-http 65536\n", 1, 18, "plain-http 65536 is out of range (1..65535)");
	/* Equal to port: reported at plain-http, wherever it is. */
	assert_one_error("https plain-http 443\n", 1, 18,
			 "plain-http and port are both 443: plain HTTP needs a port of its own");
	assert_one_error("https {\n  plain-http 8443\n  port 8443\n}\n", 2, 14,
			 "plain-http and port are both 8443: plain HTTP needs a port of its own");
}

static void test_https_limits(void **state)
{
	(void)state;
	/* max-per-client is capped by max-connections unless given. */
	assert_parses("https max-connections 10\n");
	assert_int_equal(pol.https.max_connections, 10);
	assert_int_equal(pol.https.max_per_client, 10);
	assert_parses("https max-connections 100 max-per-client 100\n");
	assert_int_equal(pol.https.max_per_client, 100);
	assert_parses("https max-connections 8000 max-per-client 8000 key-ops-rate 100000\n");
	assert_int_equal(pol.https.max_connections, 8000);
	assert_int_equal(pol.https.key_ops_rate, 100000);
	assert_parses("https max-connections 1 key-ops-rate 1 header-timeout 1s idle-timeout 1s\n");
	assert_int_equal(pol.https.max_per_client, 1);
	assert_int_equal(pol.https.header_timeout_ms, 1000);
	assert_int_equal(pol.https.idle_timeout_ms, 1000);
	assert_parses("https header-timeout 5m idle-timeout 1h\n");
	assert_int_equal(pol.https.header_timeout_ms, 300000);
	assert_int_equal(pol.https.idle_timeout_ms, 3600000);

	assert_one_error("https max-connections 100 max-per-client 101\n", 1, 42,
			 "max-per-client 101 is more than max-connections 100");
	assert_one_error("https {\n  max-per-client 65\n  max-connections 64\n}\n", 2, 18,
			 "max-per-client 65 is more than max-connections 64");
	assert_one_error("https max-connections 9000\n", 1, 23, "max-connections 9000 is out of range (1..8000)");
	assert_one_error("https max-connections 0\n", 1, 23, "max-connections 0 is out of range (1..8000)");
	assert_one_error("https max-per-client 8001\n", 1, 22, "max-per-client 8001 is out of range (1..8000)");
	assert_one_error("https header-timeout 0s\n", 1, 22, "header-timeout 0s is out of range (1s..300s)");
	assert_one_error("https header-timeout 999ms\n", 1, 22, "header-timeout 999ms is out of range (1s..300s)");
	assert_one_error("https header-timeout 301s\n", 1, 22, "header-timeout 301s is out of range (1s..300s)");
	assert_one_error("https idle-timeout 2h\n", 1, 20, "idle-timeout 2h is out of range (1s..1h)");
	assert_one_error("https key-ops-rate 0\n", 1, 20, "key-ops-rate 0 is out of range (1..100000)");
	assert_one_error("https key-ops-rate 100001\n", 1, 20, "key-ops-rate 100001 is out of range (1..100000)");
	assert_one_error("https port 0\n", 1, 12, "port 0 is out of range (1..65535)");
	/* Cross-field checks are skipped once a statement has an error. */
	assert_one_error("https max-connections 10 max-per-client 20 idle-timeout 0\n", 1, 57,
			 "idle-timeout 0 is out of range (1s..1h)");
}

static void test_https_errors(void **state)
{
	(void)state;
	assert_one_error("https ciphers bogus\n", 1, 15,
			 "ciphers bogus is not valid (expected compatible or forward-secret)");
	assert_one_error("https {\n  ciphers\n}\n", 2, 10,
			 "missing value for ciphers in https before end of line "
			 "(expected compatible or forward-secret)");
	assert_one_error("https listing maybe\n", 1, 15, "listing maybe is not valid (expected on or off)");
	assert_one_error("https access-log yes\n", 1, 18, "access-log yes is not valid (expected on or off)");
	assert_one_error("https root relative\n", 1, 12,
			 "root relative must be an absolute path (starting with '/')");
	assert_one_error("https bogus 1\n", 1, 7,
			 "unknown setting \"bogus\" in https (expected one of: root, port, plain-http, ciphers, "
			 "max-connections, max-per-client, header-timeout, idle-timeout, listing, access-log, "
			 "key-ops-rate)");
	assert_one_error("https port 8443\n\nhttps {\n  listing on\n}\n", 3, 1,
			 "https may be given only once (first at line 1)");
	assert_one_error("https { port 8443 port 8444 }\n", 1, 19,
			 "port is given twice in this https statement (first at line 1, column 9)");
	assert_error("https {\n  listing on\n", 1, 7, "the block of https is never closed (missing '}')");
	/* errors in files name the file */
	assert_int_equal(policy_parse("https ciphers weak\n", 19, "site.policy", &pol, &errs), -1);
	{
		char buf[256];

		assert_string_equal(policy_errors_format(&errs, buf, sizeof buf),
				    "site.policy:1:15: ciphers weak is not valid (expected compatible or forward-secret)\n");
	}
}

/* boot http and boot https name this server: with no https statement another
 * program may serve them; with one, boot http needs its plain-http port. */
static void test_boot_over_http_needs_plain_http(void **state)
{
	static const char classes[] =
		"dhcp proxy\n"
		"class tls   match user-class \"iPXE\" boot https \"/boot/menu.ipxe\"\n"
		"class plain match vendor-class \"HTTPClient\" boot http \"/boot/ipxe.efi\"\n";
	char text[512];

	(void)state;
	/* no https statement: accepted */
	assert_parses(classes);
	assert_false(pol.https.enabled);
	/* https with plain HTTP on: accepted, on any port */
	snprintf(text, sizeof text, "https plain-http 80\n%s", classes);
	assert_parses(text);
	snprintf(text, sizeof text, "%shttps { port 8443\n plain-http 8080 }\n", classes);
	assert_parses(text);
	/* boot https alone never needs plain HTTP */
	assert_parses("https\ndhcp proxy\nclass tls match any boot https \"/x\"\n"
		      "host a mac 00:0c:29:aa:bb:cc boot https \"/a\"\n");

	/* plain HTTP off: every class and host that boots over http, at its `boot` */
	snprintf(text, sizeof text, "https plain-http off\n%s", classes);
	assert_error(text, 4, 45,
		     "class plain boots over http, but the https statement at line 1 has plain-http off "
		     "(add plain-http 80 to the https statement, or boot https)");
	assert_int_equal(errs.total, 1);
	assert_one_error("dhcp proxy\nhost a mac 00:0c:29:aa:bb:cc boot http \"/a\"\n"
			 "host b mac 00:0c:29:aa:bb:cd\n\nhttps\n",
			 2, 30,
			 "host a boots over http, but the https statement at line 5 has plain-http off "
			 "(add plain-http 80 to the https statement, or boot https)");
	assert_error("https\ndhcp proxy\nclass a match arch 0 boot http \"/a\"\n"
		     "host h mac 00:0c:29:aa:bb:cc boot http \"/h\"\nclass b match any boot http \"/b\"\n",
		     3, 22,
		     "class a boots over http, but the https statement at line 1 has plain-http off "
		     "(add plain-http 80 to the https statement, or boot https)");
	assert_int_equal(errs.total, 3);
	assert_int_equal(errs.e[1].line, 4);
	assert_int_equal(errs.e[2].line, 5);
	/* an https statement with its own error adds no second one */
	assert_one_error("https plain-http 0\ndhcp proxy\nclass a match any boot http \"/a\"\n", 1, 18,
			 "plain-http 0 is out of range (1..65535)");
}

/* ---- forms ------------------------------------------------------------- */

static void test_block_and_line_forms_are_equivalent(void **state)
{
	static const char *const forms[] = {
		"tftp root \"/srv/t\" ports 5000-5099 max-transfers 50 max-per-client 4 timeout 500ms "
		"retries 7 max-blksize 1468 max-windowsize 8 upload \"up\" upload-max 1G\n",

		"tftp {\n"
		"\troot \"/srv/t\"\n"
		"\tports 5000-5099\n"
		"\tmax-transfers 50\n"
		"\tmax-per-client 4\n"
		"\ttimeout 500ms\n"
		"\tretries 7\n"
		"\tmax-blksize 1468\n"
		"\tmax-windowsize 8\n"
		"\tupload \"up\"\n"
		"\tupload-max 1G\n"
		"}\n",

		"tftp {\n"
		"    root \"/srv/t\" ports 5000-5099\n"
		"\n"
		"    max-transfers 50 max-per-client 4   # limits\n"
		"    timeout 500ms retries 7 max-blksize 1468 max-windowsize 8\n"
		"    upload \"up\" upload-max 1G }\n",

		"tftp { root \"/srv/t\" ports 5000-5099 max-transfers 50 max-per-client 4 timeout 500ms "
		"retries 7 max-blksize 1468 max-windowsize 8 upload \"up\" upload-max 1G }",

		"# same, in another order, with bare words\n"
		"tftp { upload-max 1024M upload up/ max-windowsize 8 max-blksize 1468\n"
		"retries 7 timeout 500ms max-per-client 4 max-transfers 50 ports 5000-5099 root /srv/t\n"
		"}\n",
	};
	static struct policy first; /* large: not on the stack */

	(void)state;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		assert_parses(forms[i]);
		if (i == 0) {
			first = pol;
			assert_string_equal(first.tftp.root, "/srv/t");
			assert_int_equal(first.tftp.port_low, 5000);
			assert_int_equal(first.tftp.port_high, 5099);
			assert_int_equal(first.tftp.max_transfers, 50);
			assert_int_equal(first.tftp.max_per_client, 4);
			assert_int_equal(first.tftp.timeout_ms, 500);
			assert_int_equal(first.tftp.retries, 7);
			assert_int_equal(first.tftp.max_blksize, 1468);
			assert_int_equal(first.tftp.max_windowsize, 8);
			assert_string_equal(first.tftp.upload_dir, "up");
			assert_int_equal(first.tftp.upload_max_bytes, 1ull << 30);
		} else {
			assert_memory_equal(&first, &pol, sizeof pol);
		}
	}
}

static void test_interface_block_form(void **state)
{
	(void)state;
	assert_parses("interface eth1 {\n  address 10.33.1.1\n}\n");
	assert_int_equal(pol.n_interfaces, 1);
	assert_string_equal(pol.interfaces[0].name, "eth1");
	assert_int_equal(pol.interfaces[0].address.s_addr, addr("10.33.1.1"));
	assert_parses("interface \"br-lan.10\" address 192.168.10.1\nsandbox { uid-base 70000 }\n");
	assert_string_equal(pol.interfaces[0].name, "br-lan.10");
	assert_int_equal(pol.uid_base, 70000);
	assert_false(pol.tftp.enabled);
}

/* ---- lexical rules ----------------------------------------------------- */

static void test_comments(void **state)
{
	(void)state;
	assert_parses("# head\ntftp root \"/srv/a#b\" # trailing \"quote { brace\n# tail");
	assert_string_equal(pol.tftp.root, "/srv/a#b");
	assert_parses("tftp { # after brace\n  # inside\n  retries 9# glued to the value\n} # after close\n");
	assert_int_equal(pol.tftp.retries, 9);
	/* Bytes that are errors elsewhere are fine in a comment, except NUL. */
	assert_parses("# \x01\x7f\xff \"unterminated \\q { }\ntftp\n");
	assert_true(pol.tftp.enabled);
}

static void test_strings(void **state)
{
	(void)state;
	assert_parses("tftp root \"/srv/with \\\"quotes\\\" and \\\\ slash\"\n");
	assert_string_equal(pol.tftp.root, "/srv/with \"quotes\" and \\ slash");
	assert_parses("tftp root \"/srv/caf\xc3\xa9\"\n");
	assert_string_equal(pol.tftp.root, "/srv/caf\xc3\xa9");
	assert_one_error("tftp root \"/srv/x\n", 1, 11,
			 "unterminated string (the closing '\"' must be on the same line)");
	assert_one_error("tftp root \"/srv/x", 1, 11,
			 "unterminated string (the closing '\"' must be on the same line)");
	assert_one_error("tftp root \"/srv/x\\\"\n", 1, 11,
			 "unterminated string (the closing '\"' must be on the same line)");
	assert_one_error("tftp root \"/srv\\n\"\n", 1, 16,
			 "invalid escape \\n in string (only \\\" and \\\\ are allowed)");
	assert_one_error("tftp root \"/srv\tx\"\n", 1, 16, "invalid control character 0x09 in string");
	assert_one_error("tftp root \"/srv\x7f\"\n", 1, 16, "invalid control character 0x7f in string");
}

static void test_nul_bytes(void **state)
{
	static const char between[] = "tftp\0 root \"/x\"\n";
	static const char in_string[] = "tftp root \"/x\0y\"\n";
	static const char in_comment[] = "tftp # a\0b\n";
	static const char alone[] = "\0";

	(void)state;
	assert_error_n(between, sizeof between - 1, 1, 5, "invalid character NUL (0x00)", __FILE__, __LINE__);
	assert_int_equal(errs.total, 1);
	assert_error_n(in_string, sizeof in_string - 1, 1, 14, "invalid character NUL (0x00) in string",
		       __FILE__, __LINE__);
	assert_int_equal(errs.total, 1);
	assert_error_n(in_comment, sizeof in_comment - 1, 1, 9, "invalid character NUL (0x00) in comment",
		       __FILE__, __LINE__);
	assert_int_equal(errs.total, 1);
	assert_error_n(alone, 1, 1, 1, "invalid character NUL (0x00)", __FILE__, __LINE__);
	assert_int_equal(errs.total, 1);
}

static void test_invalid_characters(void **state)
{
	(void)state;
	assert_one_error("tftp root=\"/x\"\n", 1, 10, "invalid character '='");
	/* A run of bad bytes is one error. */
	assert_one_error("tftp ;;;;\n", 1, 6, "invalid character ';'");
	assert_one_error("\x01\x02\x03 tftp\n", 1, 1, "invalid control character 0x01");
	assert_one_error("tftp\rroot \"/x\"\n", 1, 5, "invalid control character 0x0d");
	assert_one_error("tftp caf\xc3\xa9\n", 1, 9,
			 "invalid byte 0xc3 (non-ASCII text is allowed only in strings and comments)");
}

static void test_text_is_not_nul_terminated(void **state)
{
	static const char text[] = "tftp root \"/srv/x\" retries 12";

	(void)state;
	/* Cut inside the string: the parser must not look past len. */
	assert_error_n(text, 14, 1, 11, "unterminated string (the closing '\"' must be on the same line)",
		       __FILE__, __LINE__);
	/* Cut inside a number. */
	assert_parses_n(text, sizeof text - 2, __FILE__, __LINE__);
	assert_int_equal(pol.tftp.retries, 1);
}

static void test_crlf_line_ends(void **state)
{
	(void)state;
	assert_parses("tftp {\r\n  root \"/srv/x\"\r\n  retries 3\r\n}\r\n");
	assert_string_equal(pol.tftp.root, "/srv/x");
	assert_int_equal(pol.tftp.retries, 3);
	assert_error("tftp {\r\n  prots 1\r\n}\r\n", 2, 3,
		     "unknown setting \"prots\" in tftp (expected one of: root, ports, max-transfers, "
		     "max-per-client, timeout, retries, max-blksize, max-windowsize, upload, upload-max)");
}

static void test_columns_count_characters(void **state)
{
	(void)state;
	/* "é" is two bytes and one column; a tab is one column. */
	assert_one_error("tftp root \"/\xc3\xa9\" bogus 1\n", 1, 16,
			 "unknown setting \"bogus\" in tftp (expected one of: root, ports, max-transfers, "
			 "max-per-client, timeout, retries, max-blksize, max-windowsize, upload, upload-max)");
	assert_one_error("\t\ttftp retries 0\n", 1, 16, "retries 0 is out of range (1..50)");
}

static void test_long_tokens(void **state)
{
	char text[600];
	char path[300];

	(void)state;
	/* 255 bytes is the longest path. */
	path[0] = '/';
	memset(path + 1, 'a', 254);
	path[255] = '\0';
	snprintf(text, sizeof text, "tftp root \"%s\"\n", path);
	assert_parses(text);
	assert_string_equal(pol.tftp.root, path);
	snprintf(text, sizeof text, "tftp root \"%sb\"\n", path);
	assert_one_error(text, 1, 11, "value of root is too long (at most 255 bytes)");
	snprintf(text, sizeof text, "tftp root %sb\n", path);
	assert_one_error(text, 1, 11, "value of root is too long (at most 255 bytes)");
	/* An unknown word is quoted back cut short. */
	memset(text, 'x', 300);
	memcpy(text + 300, "\n", 2);
	assert_one_error(text, 1, 1,
			 "unknown statement \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" "
			 "(expected one of: " STATEMENTS ")");
}

/* ---- structure errors -------------------------------------------------- */

static const char tftp_keys[] =
	"root, ports, max-transfers, max-per-client, timeout, retries, max-blksize, max-windowsize, "
	"upload, upload-max";

static void test_unknown_words(void **state)
{
	char msg[256];

	(void)state;
	assert_one_error("interface eth0 address 10.0.0.1\ntftpd root \"/x\"\n", 2, 1,
			 "unknown statement \"tftpd\" (expected one of: " STATEMENTS ")");
	snprintf(msg, sizeof msg, "unknown setting \"prots\" in tftp (expected one of: %s)", tftp_keys);
	assert_one_error("tftp {\n    root \"/srv/bootward/tftp\"\n  prots 4096-4351\n}\n", 3, 3, msg);
	assert_one_error("sandbox uid 5\n", 1, 9,
			 "unknown setting \"uid\" in sandbox (expected one of: uid-base)");
	assert_one_error("interface eth0 addr 10.0.0.1\n", 1, 16,
			 "unknown setting \"addr\" in interface (expected one of: address)");
	/* Keywords are case-sensitive. */
	assert_one_error("TFTP\n", 1, 1, "unknown statement \"TFTP\" (expected one of: " STATEMENTS ")");
	/* The block of an unknown statement is skipped whole. */
	assert_one_error("dhcpd {\n  range 1 2\n  tftp\n}\ntftp\n", 1, 1,
			 "unknown statement \"dhcpd\" (expected one of: " STATEMENTS ")");
}

static void test_missing_values(void **state)
{
	(void)state;
	assert_one_error("tftp root\n", 1, 10,
			 "missing value for root in tftp before end of line "
			 "(expected an absolute path, e.g. \"/srv/bootward/tftp\")");
	assert_one_error("tftp ports", 1, 11,
			 "missing value for ports in tftp before end of file (expected a port range, e.g. 4096-4351)");
	assert_one_error("tftp { timeout }\n", 1, 16,
			 "missing value for timeout in tftp before '}' (expected a duration, e.g. 1s or 500ms)");
	assert_one_error("tftp {\n retries\n max-blksize 512\n}\n", 2, 9,
			 "missing value for retries in tftp before end of line (expected a number, e.g. 5)");
	assert_one_error("sandbox uid-base {\n", 1, 18,
			 "missing value for uid-base in sandbox before '{' (expected a number, e.g. 61100)");
	assert_one_error("interface\n", 1, 10, "missing interface name (e.g. interface eth1 address 10.33.1.1)");
	assert_one_error("interface eth0\n", 1, 11,
			 "interface eth0 needs an address (e.g. interface eth0 address 10.33.1.1)");
	assert_one_error("interface eth0 { }\n", 1, 11,
			 "interface eth0 needs an address (e.g. interface eth0 address 10.33.1.1)");
}

static void test_duplicates(void **state)
{
	(void)state;
	assert_one_error("tftp {\n  root \"/a\"\n  retries 3 root \"/b\"\n}\n", 3, 13,
			 "root is given twice in this tftp statement (first at line 2, column 3)");
	assert_one_error("tftp ports 5000-5010 ports 5000-5010\n", 1, 22,
			 "ports is given twice in this tftp statement (first at line 1, column 6)");
	assert_one_error("tftp root \"/a\"\n\ntftp retries 3\n", 3, 1,
			 "tftp may be given only once (first at line 1)");
	assert_one_error("sandbox uid-base 1000\nsandbox uid-base 2000\n", 2, 1,
			 "sandbox may be given only once (first at line 1)");
	assert_one_error("interface eth0 address 10.0.0.1\ninterface eth0 address 10.0.0.2\n", 2, 11,
			 "interface eth0 is already defined at line 1");
	assert_one_error("interface eth0 address 10.0.0.1\ninterface eth1 address 10.0.0.1\n", 2, 24,
			 "address 10.0.0.1 is already used by interface eth0 at line 1");
}

static void test_braces(void **state)
{
	(void)state;
	assert_one_error("tftp {\n  root \"/a\"\n", 1, 6, "the block of tftp is never closed (missing '}')");
	assert_one_error("tftp\n}\n", 2, 1, "expected a statement, found '}'");
	assert_one_error("tftp root \"/a\" }\n", 1, 16, "unexpected '}' (no block is open)");
	assert_one_error("tftp root \"/a\" {\n retries 3\n}\n", 1, 16,
			 "unexpected '{' (a block must open right after tftp)");
	assert_one_error("interface eth0 address 10.0.0.1 {\n}\n", 1, 33,
			 "unexpected '{' (a block must open right after interface and its name)");
	assert_one_error("tftp {\n  retries 3 {\n  }\n  max-blksize 512\n}\n", 2, 13,
			 "unexpected '{' (a block must open right after tftp)");
	assert_one_error("tftp { retries 3 } retries 4\n", 1, 20,
			 "unexpected \"retries\" after '}' (end the line after a block)");
	assert_one_error("tftp\n{\n}\n", 2, 1, "expected a statement, found '{'");
	assert_one_error("\"tftp\" root \"/a\"\n", 1, 1, "expected a statement, found string \"tftp\"");
	assert_one_error("tftp \"root\" \"/a\"\n", 1, 6, "expected a setting of tftp, found string \"root\"");
	/* A statement keyword inside a block hints at the missing '}'. */
	assert_error("tftp {\n  root \"/a\"\ninterface eth0 address 10.0.0.1\n", 3, 1,
		     "unknown setting \"interface\" in tftp (is the block's '}' missing?)");
	assert_int_equal(errs.total, 2);
	assert_int_equal(errs.e[1].line, 1);
	assert_int_equal(errs.e[1].column, 6);
}

/* ---- values ------------------------------------------------------------ */

struct value_case {
	const char *value;
	uint64_t want;     /* if msg is NULL */
	const char *msg;   /* expected error, at the value's column */
};

/* Parse "tftp KEY VALUE" for each case; field() reads what was stored. */
static void check_values(const char *key, const struct value_case *cases, size_t n,
			 uint64_t (*field)(void))
{
	for (size_t i = 0; i < n; i++) {
		char text[256];
		unsigned column = (unsigned)strlen("tftp ") + (unsigned)strlen(key) + 2;

		snprintf(text, sizeof text, "tftp %s %s\n", key, cases[i].value);
		if (cases[i].msg) {
			assert_one_error(text, 1, column, cases[i].msg);
		} else {
			assert_parses(text);
			if (field() != cases[i].want) {
				print_error("%s: stored %llu, want %llu\n", text, (unsigned long long)field(),
					    (unsigned long long)cases[i].want);
				fail();
			}
		}
	}
}

static uint64_t timeout_field(void) { return pol.tftp.timeout_ms; }
static uint64_t upload_max_field(void) { return pol.tftp.upload_max_bytes; }
static uint64_t port_field(void) { return (uint64_t)pol.tftp.port_low << 16 | pol.tftp.port_high; }
static uint64_t retries_field(void) { return pol.tftp.retries; }
static uint64_t blksize_field(void) { return pol.tftp.max_blksize; }
static uint64_t windowsize_field(void) { return pol.tftp.max_windowsize; }
static uint64_t max_transfers_field(void) { return pol.tftp.max_transfers; }

#define CHECK_VALUES(key, cases, field) check_values(key, cases, sizeof cases / sizeof cases[0], field)

static void test_durations(void **state)
{
	static const struct value_case cases[] = {
		{ "100ms", 100, NULL },
		{ "1", 1000, NULL },
		{ "1s", 1000, NULL },
		{ "60", 60000, NULL },
		{ "60s", 60000, NULL },
		{ "1m", 60000, NULL },
		{ "60000ms", 60000, NULL },
		{ "\"750ms\"", 750, NULL },
		{ "0100ms", 100, NULL },
		{ "99ms", 0, "timeout 99ms is out of range (100ms..60s)" },
		{ "0", 0, "timeout 0 is out of range (100ms..60s)" },
		{ "60001ms", 0, "timeout 60001ms is out of range (100ms..60s)" },
		{ "2m", 0, "timeout 2m is out of range (100ms..60s)" },
		{ "1h", 0, "timeout 1h is out of range (100ms..60s)" },
		/* 2^64 seconds, and a product that overflows 64 bits. */
		{ "18446744073709551616", 0, "timeout 18446744073709551616 is out of range (100ms..60s)" },
		{ "18446744073709551615h", 0, "timeout 18446744073709551615h is out of range (100ms..60s)" },
		{ "5124095576030432h", 0, "timeout 5124095576030432h is out of range (100ms..60s)" },
		{ "1.5s", 0, "timeout 1.5s is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "5S", 0, "timeout 5S is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "s", 0, "timeout s is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "-1s", 0, "timeout -1s is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "1sec", 0, "timeout 1sec is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "\"\"", 0, "timeout \"\" is not valid (expected a duration, e.g. 1s or 500ms)" },
		{ "\"1 s\"", 0, "timeout \"1 s\" is not valid (expected a duration, e.g. 1s or 500ms)" },
	};

	(void)state;
	CHECK_VALUES("timeout", cases, timeout_field);
}

static void test_sizes(void **state)
{
	static const struct value_case cases[] = {
		{ "1", 1, NULL },
		{ "512", 512, NULL },
		{ "1K", 1024, NULL },
		{ "64M", 64ull << 20, NULL },
		{ "4096M", 4ull << 30, NULL },
		{ "4G", 4ull << 30, NULL },
		{ "4294967296", 4ull << 30, NULL },
		{ "0", 0, "upload-max 0 is out of range (1..4G)" },
		{ "0K", 0, "upload-max 0K is out of range (1..4G)" },
		{ "4294967297", 0, "upload-max 4294967297 is out of range (1..4G)" },
		{ "5G", 0, "upload-max 5G is out of range (1..4G)" },
		{ "17179869184G", 0, "upload-max 17179869184G is out of range (1..4G)" },
		{ "99999999999999999999", 0, "upload-max 99999999999999999999 is out of range (1..4G)" },
		{ "1k", 0, "upload-max 1k is not valid (expected a size, e.g. 64M)" },
		{ "1KB", 0, "upload-max 1KB is not valid (expected a size, e.g. 64M)" },
		{ "M", 0, "upload-max M is not valid (expected a size, e.g. 64M)" },
		{ "1T", 0, "upload-max 1T is not valid (expected a size, e.g. 64M)" },
	};

	(void)state;
	CHECK_VALUES("upload-max", cases, upload_max_field);
}

static void test_ports(void **state)
{
	static const struct value_case cases[] = {
		{ "4096-4351", 4096u << 16 | 4351, NULL },
		{ "1024-1024", 1024u << 16 | 1024, NULL },
		{ "65535", 65535u << 16 | 65535, NULL },
		{ "61440-65535", 61440u << 16 | 65535, NULL },
		{ "4096-8191", 4096u << 16 | 8191, NULL },
		{ "4096-8192", 0, "ports 4096-8192: 4097 ports is too many (at most 4096)" },
		{ "1023-2000", 0, "ports 1023-2000: ports must be within 1024..65535" },
		{ "69", 0, "ports 69: ports must be within 1024..65535" },
		{ "65000-65536", 0, "ports 65000-65536: ports must be within 1024..65535" },
		{ "99999999999999999999-1", 0, "ports 99999999999999999999-1: ports must be within 1024..65535" },
		{ "5000-4000", 0, "ports 5000-4000: the first port is above the last (write LOW-HIGH)" },
		{ "4096-", 0, "ports 4096- is not valid (expected a port range, e.g. 4096-4351)" },
		{ "-4096", 0, "ports -4096 is not valid (expected a port range, e.g. 4096-4351)" },
		{ "4096:4351", 0, "ports 4096:4351 is not valid (expected a port range, e.g. 4096-4351)" },
		{ "4096-4351-5000", 0, "ports 4096-4351-5000 is not valid (expected a port range, e.g. 4096-4351)" },
	};

	(void)state;
	CHECK_VALUES("ports", cases, port_field);
}

static void test_counts(void **state)
{
	static const struct value_case retries[] = {
		{ "1", 1, NULL },
		{ "50", 50, NULL },
		{ "007", 7, NULL },
		{ "0", 0, "retries 0 is out of range (1..50)" },
		{ "51", 0, "retries 51 is out of range (1..50)" },
		{ "4294967301", 0, "retries 4294967301 is out of range (1..50)" },
		{ "184467440737095516150", 0, "retries 184467440737095516150 is out of range (1..50)" },
		{ "+5", 0, "retries +5 is not valid (expected a number, e.g. 5)" },
		{ "5x", 0, "retries 5x is not valid (expected a number, e.g. 5)" },
		{ "five", 0, "retries five is not valid (expected a number, e.g. 5)" },
	};
	static const struct value_case blksize[] = {
		{ "8", 8, NULL },
		{ "65464", 65464, NULL },
		{ "7", 0, "max-blksize 7 is out of range (8..65464)" },
		{ "65465", 0, "max-blksize 65465 is out of range (8..65464)" },
	};
	static const struct value_case windowsize[] = {
		{ "1", 1, NULL },
		{ "64", 64, NULL },
		{ "0", 0, "max-windowsize 0 is out of range (1..64)" },
		{ "65", 0, "max-windowsize 65 is out of range (1..64)" },
	};
	static const struct value_case transfers[] = {
		{ "1", 1, NULL },
		{ "256", 256, NULL },
		{ "0", 0, "max-transfers 0 is out of range (1..4096)" },
	};

	(void)state;
	CHECK_VALUES("retries", retries, retries_field);
	CHECK_VALUES("max-blksize", blksize, blksize_field);
	CHECK_VALUES("max-windowsize", windowsize, windowsize_field);
	CHECK_VALUES("max-transfers", transfers, max_transfers_field);
}

static void test_transfer_limits(void **state)
{
	(void)state;
	/* max-transfers follows the pool; max-per-client is capped by it. */
	assert_parses("tftp ports 5000-5999\n");
	assert_int_equal(pol.tftp.max_transfers, 1000);
	assert_int_equal(pol.tftp.max_per_client, 16);
	assert_parses("tftp ports 5000-5003\n");
	assert_int_equal(pol.tftp.max_transfers, 4);
	assert_int_equal(pol.tftp.max_per_client, 4);
	assert_parses("tftp ports 5000-5099 max-transfers 10\n");
	assert_int_equal(pol.tftp.max_transfers, 10);
	assert_int_equal(pol.tftp.max_per_client, 10);
	assert_parses("tftp ports 5000-5099 max-transfers 100 max-per-client 100\n");
	assert_int_equal(pol.tftp.max_per_client, 100);

	/* Reported at the value that breaks the limit, wherever it is. */
	assert_one_error("tftp {\n  max-transfers 300\n  ports 5000-5255\n}\n", 2, 17,
			 "max-transfers 300 is more than the 256 ports in the pool 5000-5255");
	assert_one_error("tftp max-transfers 257\n", 1, 20,
			 "max-transfers 257 is more than the 256 ports in the pool 4096-4351");
	assert_one_error("tftp ports 5000-5003 max-per-client 5\n", 1, 37,
			 "max-per-client 5 is more than the number of transfer ports, 4");
	assert_one_error("tftp max-per-client 9 max-transfers 8\n", 1, 21,
			 "max-per-client 9 is more than max-transfers 8");
	/* Cross-field checks are skipped once a statement has an error. */
	assert_one_error("tftp ports 5000-5003 max-per-client 5 retries 0\n", 1, 47,
			 "retries 0 is out of range (1..50)");
}

static void test_paths(void **state)
{
	(void)state;
	assert_parses("tftp root \"//srv//boot///\" upload \"in//box/\"\n");
	assert_string_equal(pol.tftp.root, "/srv/boot");
	assert_string_equal(pol.tftp.upload_dir, "in/box");
	assert_parses("tftp root /srv/boot/ upload a/b/c\n");
	assert_string_equal(pol.tftp.root, "/srv/boot");
	assert_string_equal(pol.tftp.upload_dir, "a/b/c");
	assert_parses("tftp root \"/srv/..boot/.x\" upload \"...\"\n");
	assert_string_equal(pol.tftp.root, "/srv/..boot/.x");
	assert_string_equal(pol.tftp.upload_dir, "...");

	assert_one_error("tftp root \"srv/boot\"\n", 1, 11,
			 "root \"srv/boot\" must be an absolute path (starting with '/')");
	assert_one_error("tftp root \"\"\n", 1, 11, "root \"\" must be an absolute path (starting with '/')");
	assert_one_error("tftp root \"/srv/../etc\"\n", 1, 11,
			 "root \"/srv/../etc\" must not contain \".\" or \"..\" components");
	assert_one_error("tftp root /srv/./boot\n", 1, 11,
			 "root /srv/./boot must not contain \".\" or \"..\" components");
	assert_one_error("tftp root /srv/boot/..\n", 1, 11,
			 "root /srv/boot/.. must not contain \".\" or \"..\" components");
	assert_one_error("tftp root \"/\"\n", 1, 11,
			 "root \"/\" would serve the whole file system; name a directory");
	assert_one_error("tftp root \"///\"\n", 1, 11,
			 "root \"///\" would serve the whole file system; name a directory");
	assert_one_error("tftp upload \"/srv/in\"\n", 1, 13,
			 "upload \"/srv/in\" must be relative to root (no leading '/')");
	assert_one_error("tftp upload \"\"\n", 1, 13, "upload \"\" must not be empty");
	assert_one_error("tftp upload ../etc\n", 1, 13, "upload ../etc must not contain \".\" or \"..\" components");
	assert_one_error("tftp upload \".\"\n", 1, 13, "upload \".\" must not contain \".\" or \"..\" components");
	assert_one_error("tftp upload in/./box\n", 1, 13, "upload in/./box must not contain \".\" or \"..\" components");
}

static void test_upload_off_unless_given(void **state)
{
	(void)state;
	assert_parses("tftp upload-max 1M\n");
	assert_string_equal(pol.tftp.upload_dir, "");
	assert_int_equal(pol.tftp.upload_max_bytes, 1 << 20);
	assert_parses("tftp upload incoming\n");
	assert_string_equal(pol.tftp.upload_dir, "incoming");
	assert_int_equal(pol.tftp.upload_max_bytes, 64 << 20);
}

static void test_addresses(void **state)
{
	static const char *const good[] = { "10.33.1.1", "127.0.0.1", "1.0.0.0", "240.0.0.1",
					    "255.255.255.254", "192.168.0.10" };
	static const struct {
		const char *value, *msg;
	} bad[] = {
		{ "10.33.1", "address 10.33.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "10.33.1.1.1", "address 10.33.1.1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "10.33.1.256", "address 10.33.1.256 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "10.033.1.1", "address 10.033.1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "10..1.1", "address 10..1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "10.33.1.", "address 10.33.1. is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "0010.1.1.1", "address 0010.1.1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "4294967306.1.1.1", "address 4294967306.1.1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "eth0", "address eth0 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "fe80::1", "address fe80::1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)" },
		{ "0.0.0.0", "address 0.0.0.0 is not a usable address (0.0.0.0/8); give the unicast address to listen on" },
		{ "0.1.2.3", "address 0.1.2.3 is not a usable address (0.0.0.0/8); give the unicast address to listen on" },
		{ "255.255.255.255", "address 255.255.255.255 is the broadcast address; give the unicast address to listen on" },
		{ "224.0.0.1", "address 224.0.0.1 is a multicast address; give the unicast address to listen on" },
		{ "239.255.255.255", "address 239.255.255.255 is a multicast address; give the unicast address to listen on" },
	};
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "interface eth0 address %s\n", good[i]);
		assert_parses(text);
		assert_int_equal(pol.n_interfaces, 1);
		assert_int_equal(pol.interfaces[0].address.s_addr, addr(good[i]));
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "interface eth0 address %s\n", bad[i].value);
		assert_one_error(text, 1, 24, bad[i].msg);
	}
}

static void test_interface_names(void **state)
{
	(void)state;
	assert_parses("interface a.b:c_d-e012345 address 10.0.0.1\n");
	assert_string_equal(pol.interfaces[0].name, "a.b:c_d-e012345");
	assert_one_error("interface a.b:c_d-e0123456 address 10.0.0.1\n", 1, 11,
			 "interface name \"a.b:c_d-e0123456\" is too long (at most 15 characters)");
	assert_one_error("interface eth/0 address 10.0.0.1\n", 1, 11,
			 "interface name \"eth/0\" contains '/' (allowed: letters, digits, _ . : -)");
	assert_one_error("interface \"eth 0\" address 10.0.0.1\n", 1, 11,
			 "interface name \"eth 0\" contains byte 0x20 (allowed: letters, digits, _ . : -)");
	assert_one_error("interface \"\" address 10.0.0.1\n", 1, 11, "interface name \"\" is empty");
	assert_one_error("interface .. address 10.0.0.1\n", 1, 11, "interface name \"..\" is not a valid name");
}

static void test_interface_limit(void **state)
{
	char text[2048];
	size_t used = 0;

	(void)state;
	for (int i = 0; i < POLICY_MAX_INTERFACES; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "interface eth%d address 10.0.%d.1\n", i, i);
	assert_parses(text);
	assert_int_equal(pol.n_interfaces, POLICY_MAX_INTERFACES);
	for (int i = 0; i < POLICY_MAX_INTERFACES; i++) {
		char name[16], a[16];

		snprintf(name, sizeof name, "eth%d", i);
		snprintf(a, sizeof a, "10.0.%d.1", i);
		assert_string_equal(pol.interfaces[i].name, name);
		assert_int_equal(pol.interfaces[i].address.s_addr, addr(a));
	}
	snprintf(text + used, sizeof text - used, "  interface eth99 address 10.0.99.1\n");
	assert_one_error(text, 17, 3, "too many interfaces (at most 16)");
}

static void test_uid_base(void **state)
{
	(void)state;
	assert_parses("sandbox uid-base 1\n");
	assert_int_equal(pol.uid_base, 1);
	assert_parses("sandbox uid-base 4294967000\n");
	assert_int_equal(pol.uid_base, 4294967000u);
	assert_parses("sandbox uid-base 65534\n");
	assert_parses("sandbox uid-base 65530\n");
	assert_one_error("sandbox uid-base 0\n", 1, 18, "uid-base 0 is out of range (1..4294967000)");
	assert_one_error("sandbox uid-base 4294967001\n", 1, 18, "uid-base 4294967001 is out of range (1..4294967000)");
	assert_one_error("sandbox uid-base 65531\n", 1, 18,
			 "uid-base 65531 would give a worker uid 65534, which is \"nobody\"");
	assert_one_error("sandbox uid-base 65533\n", 1, 18,
			 "uid-base 65533 would give a worker uid 65534, which is \"nobody\"");
}

/* ---- DHCP -------------------------------------------------------------- */

/* A prefix that makes the DHCP statements valid. */
#define AUTH "dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.1.100 10.33.1.200\n"
#define PROXY "dhcp proxy\n"

static void test_dhcp_modes_and_defaults(void **state)
{
	(void)state;
	assert_parses(PROXY);
	assert_int_equal(pol.dhcp.mode, POLICY_DHCP_PROXY);
	assert_documented_dhcp_defaults(&pol.dhcp);
	assert_false(pol.tftp.enabled);
	assert_parses("dhcp authoritative\nsubnet 10.33.0.0/16\n");
	assert_int_equal(pol.dhcp.mode, POLICY_DHCP_AUTHORITATIVE);
	assert_documented_dhcp_defaults(&pol.dhcp);
	assert_int_equal(pol.dhcp.n_subnets, 1);
	assert_int_equal(pol.dhcp.subnets[0].lease_s, 3600);
	assert_int_equal(pol.dhcp.subnets[0].renew_s, 0);
	assert_int_equal(pol.dhcp.subnets[0].rebind_s, 0);
	assert_int_equal(pol.dhcp.subnets[0].range_low.s_addr, 0);
	assert_int_equal(pol.dhcp.subnets[0].router.s_addr, 0);
	assert_int_equal(pol.dhcp.subnets[0].n_dns, 0);
	assert_parses("dhcp proxy {\n}\n");
	assert_int_equal(pol.dhcp.mode, POLICY_DHCP_PROXY);
	assert_parses("dhcp proxy { }");
	assert_int_equal(pol.dhcp.mode, POLICY_DHCP_PROXY);

	assert_parses("dhcp proxy next-server 10.33.1.1 offer-hold 5s discover-rate-per-mac 100 "
		      "discover-rate 100000\n");
	assert_int_equal(pol.dhcp.next_server.s_addr, addr("10.33.1.1"));
	assert_int_equal(pol.dhcp.offer_hold_s, 5);
	assert_int_equal(pol.dhcp.max_discover_per_mac_s, 100);
	assert_int_equal(pol.dhcp.max_discover_per_s, 100000);
	assert_parses("dhcp proxy { offer-hold 1h discover-rate-per-mac 1 discover-rate 1 }\n");
	assert_int_equal(pol.dhcp.offer_hold_s, 3600);
	assert_int_equal(pol.dhcp.max_discover_per_mac_s, 1);
	assert_int_equal(pol.dhcp.max_discover_per_s, 1);
	/* The per-MAC default follows a lower overall rate. */
	assert_parses("dhcp proxy discover-rate 1\n");
	assert_int_equal(pol.dhcp.max_discover_per_mac_s, 1);
	assert_int_equal(pol.dhcp.max_discover_per_s, 1);
}

static void test_dhcp_errors(void **state)
{
	(void)state;
	assert_one_error("dhcp\n", 1, 5, "missing dhcp mode before end of line (expected authoritative or proxy)");
	assert_one_error("dhcp {\n  offer-hold 5s\n}\ntftp\n", 1, 6,
			 "missing dhcp mode before '{' (expected authoritative or proxy)");
	assert_one_error("dhcp \"proxy\"\n", 1, 6,
			 "missing dhcp mode before string \"proxy\" (expected authoritative or proxy)");
	assert_one_error("dhcp Proxy\n", 1, 6, "unknown dhcp mode \"Proxy\" (expected authoritative or proxy)");
	assert_one_error("dhcp proxy\ndhcp proxy\n", 2, 1, "dhcp may be given only once (first at line 1)");
	assert_one_error("dhcp proxy offer-hold 4s\n", 1, 23, "offer-hold 4s is out of range (5s..1h)");
	assert_one_error("dhcp proxy offer-hold 3601\n", 1, 23, "offer-hold 3601 is out of range (5s..1h)");
	assert_one_error("dhcp proxy offer-hold 500ms\n", 1, 23,
			 "offer-hold 500ms is not valid (expected a duration, e.g. 60s or 1m)");
	assert_one_error("dhcp proxy discover-rate-per-mac 101\n", 1, 34,
			 "discover-rate-per-mac 101 is out of range (1..100)");
	assert_one_error("dhcp proxy discover-rate 0\n", 1, 26, "discover-rate 0 is out of range (1..100000)");
	assert_one_error("dhcp proxy discover-rate 100001\n", 1, 26, "discover-rate 100001 is out of range (1..100000)");
	assert_one_error("dhcp proxy discover-rate-per-mac 5 discover-rate 3\n", 1, 34,
			 "discover-rate-per-mac 5 is more than discover-rate 3");
	assert_one_error("dhcp proxy next-server 127.0.0.1\n", 1, 24,
			 "next-server 127.0.0.1 is a loopback address (127.0.0.0/8)");
	assert_one_error("dhcp proxy next-server 10.1.1\n", 1, 24,
			 "next-server 10.1.1 is not valid (expected an IPv4 address, e.g. 10.33.1.1)");
	assert_one_error("dhcp proxy lease 1h\n", 1, 12,
			 "unknown setting \"lease\" in dhcp (expected one of: next-server, offer-hold, "
			 "discover-rate-per-mac, discover-rate)");
	assert_one_error("dhcp proxy {\n  discover-rate 5 {\n  }\n}\n", 2, 19,
			 "unexpected '{' (a block must open right after dhcp and its mode)");
	/* Authoritative mode needs somewhere to hand addresses out from. */
	assert_one_error("dhcp authoritative\n", 1, 6,
			 "dhcp authoritative needs a subnet to serve (or use dhcp proxy beside another DHCP server)");
	assert_one_error("dhcp authoritative\nhost a mac 02:00:00:00:00:01\n", 1, 6,
			 "dhcp authoritative needs a subnet to serve (or use dhcp proxy beside another DHCP server)");
}

static void test_dhcp_needs_statement(void **state)
{
	static const char text[] =
		"subnet 10.33.0.0/16\n"
		"host web01 mac 00:0c:29:f6:07:ca\n"
		"host web02 mac 00:0c:29:f6:07:cb\n"
		"  deny mac 00:0c:29:5e:f2:3f\n"
		"class bios match arch 0 boot tftp \"undionly.kpxe\"\n"
		"class uefi match arch 7 boot tftp \"ipxe.efi\"\n";
	static const char *const want[] = {
		"subnet needs a dhcp statement (dhcp authoritative, or dhcp proxy beside another DHCP server)",
		"host needs a dhcp statement (dhcp authoritative, or dhcp proxy beside another DHCP server)",
		"deny needs a dhcp statement (dhcp authoritative, or dhcp proxy beside another DHCP server)",
		"class needs a dhcp statement (dhcp authoritative, or dhcp proxy beside another DHCP server)",
	};
	static const unsigned want_at[][2] = { { 1, 1 }, { 2, 1 }, { 4, 3 }, { 5, 1 } };

	(void)state;
	/* Once per kind of statement, at its first use, after the whole file. */
	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.total, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(errs.e[i].line, want_at[i][0]);
		assert_int_equal(errs.e[i].column, want_at[i][1]);
		assert_string_equal(errs.e[i].message, want[i]);
	}
	assert_one_error("tftp\n\nclass a match any boot tftp \"x\"\n", 3, 1, want[3]);
	/* The dhcp statement may come anywhere in the file. */
	assert_parses("class a match any boot tftp \"x\"\ndhcp proxy\n");
	assert_int_equal(pol.dhcp.n_classes, 1);
	/* A dhcp statement with a mistake is no missing one. */
	assert_one_error("dhcp proxi\nclass a match any boot tftp \"x\"\n", 1, 6,
			 "unknown dhcp mode \"proxi\" (expected authoritative or proxy)");
}

static void test_subnet_networks(void **state)
{
	static const struct {
		const char *net;
		const char *addr;
		unsigned prefix;
	} good[] = {
		{ "10.0.0.0/8", "10.0.0.0", 8 },
		{ "10.33.0.0/16", "10.33.0.0", 16 },
		{ "192.168.7.252/30", "192.168.7.252", 30 },
		{ "\"172.16.0.0/12\"", "172.16.0.0", 12 },
		{ "223.255.255.0/24", "223.255.255.0", 24 },
	};
	static const struct {
		const char *net, *msg;
	} bad[] = {
		{ "10.33.1.0/16", "subnet 10.33.1.0/16 has host bits set (the network is 10.33.0.0/16)" },
		{ "10.33.1.1/24", "subnet 10.33.1.1/24 has host bits set (the network is 10.33.1.0/24)" },
		{ "10.0.0.0/7", "subnet 10.0.0.0/7 has a prefix length out of range (/8../30)" },
		{ "10.0.0.0/31", "subnet 10.0.0.0/31 has a prefix length out of range (/8../30)" },
		{ "10.0.0.0/32", "subnet 10.0.0.0/32 has a prefix length out of range (/8../30)" },
		{ "10.0.0.0/016", "subnet 10.0.0.0/016 is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "10.0.0.0/", "subnet 10.0.0.0/ is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "10.0.0.0", "subnet 10.0.0.0 is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "10.0.0/8", "subnet 10.0.0/8 is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "10.0.0.0/8/8", "subnet 10.0.0.0/8/8 is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "10.0.0.0/99999999999999999999",
		  "subnet 10.0.0.0/99999999999999999999 is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "lab", "subnet lab is not valid (expected a network, e.g. 10.33.0.0/16)" },
		{ "0.0.0.0/8", "subnet 0.0.0.0/8 is not a usable network (0.0.0.0/8)" },
		{ "127.0.0.0/8", "subnet 127.0.0.0/8 is a loopback network (127.0.0.0/8)" },
		{ "224.0.0.0/8", "subnet 224.0.0.0/8 is a multicast or reserved network (224.0.0.0 and above)" },
		{ "240.0.0.0/8", "subnet 240.0.0.0/8 is a multicast or reserved network (224.0.0.0 and above)" },
	};
	char text[160];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, PROXY "subnet %s\n", good[i].net);
		assert_parses(text);
		assert_int_equal(pol.dhcp.n_subnets, 1);
		assert_int_equal(pol.dhcp.subnets[0].network.s_addr, addr(good[i].addr));
		assert_int_equal(pol.dhcp.subnets[0].prefix_len, good[i].prefix);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, PROXY "subnet %s\n", bad[i].net);
		assert_one_error(text, 2, 8, bad[i].msg);
	}
	assert_one_error(PROXY "subnet\n", 2, 7, "missing subnet network (e.g. subnet 10.33.0.0/16)");
	assert_one_error(PROXY "subnet { lease 1h }\n", 2, 8, "missing subnet network (e.g. subnet 10.33.0.0/16)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 1h {\n}\n", 2, 28,
			 "unexpected '{' (a block must open right after subnet and its network)");
	/* Settings are still checked after a bad network. */
	assert_error(PROXY "subnet 10.0.0.1/8 lease 1s\n", 2, 8,
		     "subnet 10.0.0.1/8 has host bits set (the network is 10.0.0.0/8)");
	assert_int_equal(errs.total, 2);
	assert_int_equal(errs.e[1].column, 25);
}

static void test_subnet_settings(void **state)
{
	const struct policy_subnet *sn = &pol.dhcp.subnets[0];

	(void)state;
	assert_parses("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.1.100 10.33.1.200 router 10.33.1.254 "
		      "dns 10.33.1.1 10.33.1.2 8.8.8.8 9.9.9.9 domain \"lab.Example-1.org\" lease 365d "
		      "renew 1d rebind 2d\n");
	assert_int_equal(sn->range_low.s_addr, addr("10.33.1.100"));
	assert_int_equal(sn->range_high.s_addr, addr("10.33.1.200"));
	assert_int_equal(sn->router.s_addr, addr("10.33.1.254"));
	assert_int_equal(sn->n_dns, 4);
	assert_int_equal(sn->dns[0].s_addr, addr("10.33.1.1"));
	assert_int_equal(sn->dns[1].s_addr, addr("10.33.1.2"));
	assert_int_equal(sn->dns[2].s_addr, addr("8.8.8.8"));
	assert_int_equal(sn->dns[3].s_addr, addr("9.9.9.9"));
	assert_string_equal(sn->domain, "lab.Example-1.org");
	assert_int_equal(sn->lease_s, 365 * 86400);
	assert_int_equal(sn->renew_s, 86400);
	assert_int_equal(sn->rebind_s, 2 * 86400);

	/* A pool of one address; the smallest subnet. */
	assert_parses("dhcp authoritative\nsubnet 192.168.7.252/30 range 192.168.7.254 192.168.7.254 "
		      "router 192.168.7.253 lease 60\n");
	assert_int_equal(sn->range_low.s_addr, addr("192.168.7.254"));
	assert_int_equal(sn->range_high.s_addr, addr("192.168.7.254"));
	assert_int_equal(sn->lease_s, 60);
	assert_int_equal(sn->n_dns, 0);

	/* Renew and rebind may be given alone when they fit the defaults. */
	assert_parses(PROXY "subnet 10.0.0.0/8 lease 1h renew 10m\n");
	assert_int_equal(sn->renew_s, 600);
	assert_int_equal(sn->rebind_s, 0);
	assert_parses(PROXY "subnet 10.0.0.0/8 lease 1h rebind 3599\n");
	assert_int_equal(sn->renew_s, 0);
	assert_int_equal(sn->rebind_s, 3599);
	assert_parses(PROXY "subnet 10.0.0.0/8 lease 2m renew 1m rebind 119s\n");
	assert_int_equal(sn->lease_s, 120);

	/* Several subnets, in order. */
	assert_parses(AUTH "subnet 10.34.0.0/16 range 10.34.0.1 10.34.255.254\nsubnet 10.35.1.0/24\n");
	assert_int_equal(pol.dhcp.n_subnets, 3);
	assert_int_equal(pol.dhcp.subnets[1].range_high.s_addr, addr("10.34.255.254"));
	assert_int_equal(pol.dhcp.subnets[2].network.s_addr, addr("10.35.1.0"));
	assert_int_equal(pol.dhcp.subnets[2].prefix_len, 24);
}

static void test_subnet_errors(void **state)
{
	(void)state;
	/* range: two addresses inside the subnet, in order. */
	assert_one_error(PROXY "subnet 10.33.0.0/16 router 10.34.1.1\n", 2, 28,
			 "router 10.34.1.1 is outside subnet 10.33.0.0/16");
	assert_one_error(PROXY "subnet 10.33.0.0/16 router 10.33.0.0\n", 2, 28,
			 "router 10.33.0.0 is the network address of subnet 10.33.0.0/16");
	assert_one_error(PROXY "subnet 10.33.0.0/16 router 10.33.255.255\n", 2, 28,
			 "router 10.33.255.255 is the broadcast address of subnet 10.33.0.0/16");
	assert_one_error(PROXY "subnet 10.33.0.0/16 router 224.0.0.1\n", 2, 28,
			 "router 224.0.0.1 is a multicast address");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.1.9 10.33.1.1\n", 2, 27,
			 "range 10.33.1.9 10.33.1.1: the first address is above the last (write LOW HIGH)");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.0.0 10.33.1.1\n", 2, 27,
			 "range 10.33.0.0 is the network address of subnet 10.33.0.0/16");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.0.1 10.33.255.255\n", 2, 37,
			 "range 10.33.255.255 is the broadcast address of subnet 10.33.0.0/16");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.32.0.1 10.33.0.9\n", 2, 27,
			 "range 10.32.0.1 is outside subnet 10.33.0.0/16");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.0.1 10.34.0.9\n", 2, 37,
			 "range 10.34.0.9 is outside subnet 10.33.0.0/16");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.1.1 10.33.1.9 router 10.33.1.9\n", 2, 54,
			 "router 10.33.1.9 is inside range 10.33.1.1-10.33.1.9: it could be given to a client");
	assert_one_error("dhcp authoritative\nsubnet 10.33.0.0/16 range 10.33.1.1 255.0.0.1\n", 2, 37,
			 "range 255.0.0.1 is a reserved address (240.0.0.0/4)");

	/* domain */
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain \"a..b\"\n", 2, 26,
			 "domain \"a..b\" is not a valid DNS name: it has an empty label");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain lab.example.\n", 2, 26,
			 "domain lab.example. is not a valid DNS name: it has an empty label");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain \"\"\n", 2, 26,
			 "domain \"\" is not a valid DNS name: it is empty");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain \"-lab.example\"\n", 2, 26,
			 "domain \"-lab.example\" is not a valid DNS name: it has a label that begins or ends with '-'");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain lab-.example\n", 2, 26,
			 "domain lab-.example is not a valid DNS name: it has a label that begins or ends with '-'");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain lab_1.example\n", 2, 26,
			 "domain lab_1.example is not a valid DNS name: it contains '_' (allowed: letters, digits and '-')");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain \"caf\xc3\xa9.example\"\n", 2, 26,
			 "domain \"caf\\xc3\\xa9.example\" is not a valid DNS name: "
			 "it contains byte 0xc3 (allowed: letters, digits and '-')");
	/* 63 characters is the most; a label of 64 is too long. */
	assert_parses(PROXY "subnet 10.0.0.0/8 domain "
		      "aaaaaaaaa.bbbbbbbbb.ccccccccc.ddddddddd.eeeeeeeee.fffffffff.ggg\n");
	assert_int_equal(strlen(pol.dhcp.subnets[0].domain), 63);
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain "
			 "aaaaaaaaa.bbbbbbbbb.ccccccccc.ddddddddd.eeeeeeeee.fffffffff.gggg\n", 2, 26,
			 "domain aaaaaaaaa.bbbbbbbbb.ccccccccc.ddddddddd.... is not a valid DNS name: "
			 "it is too long (at most 63 characters)");
	assert_parses(PROXY "subnet 10.0.0.0/8 domain "
		      "a23456789012345678901234567890123456789012345678901234567890123\n");
	assert_one_error(PROXY "subnet 10.0.0.0/8 domain "
			 "a234567890123456789012345678901234567890123456789012345678901234\n", 2, 26,
			 "domain a234567890123456789012345678901234567890... is not a valid DNS name: "
			 "it is too long (at most 63 characters)");

	/* lease, renew, rebind: whole seconds, renew < rebind < lease. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 59s\n", 2, 25, "lease 59s is out of range (60s..365d)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 366d\n", 2, 25, "lease 366d is out of range (60s..365d)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 31536001\n", 2, 25,
			 "lease 31536001 is out of range (60s..365d)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 99999999999999999999d\n", 2, 25,
			 "lease 99999999999999999999d is out of range (60s..365d)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 1500ms\n", 2, 25,
			 "lease 1500ms is not valid (expected a duration, e.g. 1h or 3600s)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 1w\n", 2, 25,
			 "lease 1w is not valid (expected a duration, e.g. 1h or 3600s)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 renew 0\n", 2, 25, "renew 0 is out of range (1s..365d)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 1h renew 1h\n", 2, 34, "renew 1h is not less than lease 1h");
	assert_one_error(PROXY "subnet 10.0.0.0/8 rebind 2h\n", 2, 26, "rebind 2h is not less than lease 1h");
	assert_one_error(PROXY "subnet 10.0.0.0/8 renew 20m rebind 10m\n", 2, 36,
			 "rebind 600s is not more than renew 1200s");
	assert_one_error(PROXY "subnet 10.0.0.0/8 renew 20m rebind 20m\n", 2, 36,
			 "rebind 1200s is not more than renew 1200s");
	assert_one_error(PROXY "subnet 10.0.0.0/8 rebind 20m\n", 2, 26,
			 "rebind 1200s is not more than renew (by default half the lease, 1800s)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 lease 2h renew 7000\n", 2, 34,
			 "renew 7000s is not less than rebind (by default 7/8 of the lease, 6300s)");

	/* Unknown and repeated settings. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 gateway 10.0.0.1\n", 2, 19,
			 "unknown setting \"gateway\" in subnet (expected one of: range, router, dns, domain, lease, "
			 "renew, rebind)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 {\n  lease 1h\n  lease 2h\n}\n", 4, 3,
			 "lease is given twice in this subnet statement (first at line 3, column 3)");
}

/* Lists: the values after the key on the same line, while they look like
 * elements; at least min, at most max. */
static void test_lists(void **state)
{
	const struct policy_subnet *sn = &pol.dhcp.subnets[0];

	(void)state;
	/* A list ends at the next setting, at a '}' or at the end of the line. */
	assert_parses(PROXY "subnet 10.0.0.0/8 dns 10.0.0.1 10.0.0.2 lease 1h\n");
	assert_int_equal(sn->n_dns, 2);
	assert_int_equal(sn->lease_s, 3600);
	assert_parses(PROXY "subnet 10.0.0.0/8 { dns 10.0.0.1 \"10.0.0.2\" }\n");
	assert_int_equal(sn->n_dns, 2);
	assert_int_equal(sn->dns[1].s_addr, addr("10.0.0.2"));
	assert_parses(PROXY "subnet 10.0.0.0/8 {\n  dns 10.0.0.1\n  lease 1h\n}\n");
	assert_int_equal(sn->n_dns, 1);
	assert_parses(PROXY "class uefi match arch 7 9 boot tftp \"ipxe.efi\"\n");
	assert_int_equal(pol.dhcp.classes[0].n_arch, 2);
	assert_int_equal(pol.dhcp.classes[0].boot.proto, POLICY_BOOT_TFTP);

	/* Too few. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns\n", 2, 22,
			 "missing value for dns in subnet before end of line (expected IPv4 addresses, "
			 "e.g. 10.33.1.1 10.33.1.2)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns lease 1h\n", 2, 23,
			 "missing value for dns in subnet before \"lease\" (expected IPv4 addresses, "
			 "e.g. 10.33.1.1 10.33.1.2)");
	assert_one_error("dhcp authoritative\nsubnet 10.0.0.0/8 range 10.0.0.1\n", 2, 33,
			 "missing value for range in subnet before end of line (expected two IPv4 addresses, "
			 "e.g. 10.33.1.100 10.33.1.200)");
	assert_one_error("dhcp authoritative\nsubnet 10.0.0.0/8 { range 10.0.0.1 }\n", 2, 36,
			 "missing value for range in subnet before '}' (expected two IPv4 addresses, "
			 "e.g. 10.33.1.100 10.33.1.200)");
	/* A list does not continue on the next line. */
	assert_error("dhcp authoritative\nsubnet 10.0.0.0/8 {\n  range 10.0.0.1\n  10.0.0.9\n}\n", 3, 17,
		     "missing value for range in subnet before end of line (expected two IPv4 addresses, "
		     "e.g. 10.33.1.100 10.33.1.200)");
	assert_int_equal(errs.total, 2);
	assert_int_equal(errs.e[1].line, 4);
	assert_int_equal(errs.e[1].column, 3);
	assert_memory_equal(errs.e[1].message, "unknown setting \"10.0.0.9\" in subnet", 35);

	/* Too many: reported at the first extra value, the rest skipped. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns 1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 6.6.6.6 lease 1h\n",
			 2, 55, "too many values for dns (at most 4)");
	assert_one_error("dhcp authoritative\nsubnet 10.0.0.0/8 range 10.0.0.1 10.0.0.2 10.0.0.3\n", 2, 43,
			 "too many values for range (at most 2)");
	assert_one_error(PROXY "class a match arch 1 2 3 4 5 6 7 8 9 10 boot tftp \"x\"\n", 2, 36,
			 "too many values for match arch (at most 8)");

	/* Each value is checked; an element may not repeat. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns 10.0.0.1 10.0.0.256\n", 2, 32,
			 "dns 10.0.0.256 is not valid (expected IPv4 addresses, e.g. 10.33.1.1 10.33.1.2)");
	assert_error(PROXY "subnet 10.0.0.0/8 dns 0.0.0.1 127.0.0.1\n", 2, 23,
		     "dns 0.0.0.1 is not a usable address (0.0.0.0/8)");
	assert_int_equal(errs.total, 2);
	assert_int_equal(errs.e[1].column, 31);
	assert_string_equal(errs.e[1].message, "dns 127.0.0.1 is a loopback address (127.0.0.0/8)");
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns 10.0.0.1 10.0.0.2 \"10.0.0.1\"\n", 2, 41,
			 "dns \"10.0.0.1\" is listed twice");
	assert_one_error(PROXY "class a match arch 7 9 7 boot tftp \"x\"\n", 2, 24, "match arch 7 is listed twice");

	/* A repeated list setting is skipped whole. */
	assert_one_error(PROXY "subnet 10.0.0.0/8 dns 10.0.0.1 dns 10.0.0.2 10.0.0.3 lease 1h\n", 2, 32,
			 "dns is given twice in this subnet statement (first at line 2, column 19)");
}

static void test_kickstarts(void **state)
{
	(void)state;
	assert_parses("kickstart centos7 template \"/etc/bootward/ks/centos7.ks\"\n"
		      "kickstart rhel9 {\n template \"/ks/rhel9.ks\"\n lifetime 2h\n one-time on\n}\n");
	assert_int_equal(pol.n_kickstarts, 2);
	assert_string_equal(pol.kickstarts[0].name, "centos7");
	assert_string_equal(pol.kickstarts[0].template_path, "/etc/bootward/ks/centos7.ks");
	assert_int_equal(pol.kickstarts[0].lifetime_s, 3600);
	assert_false(pol.kickstarts[0].one_time);
	assert_int_equal(pol.kickstarts[1].lifetime_s, 7200);
	assert_true(pol.kickstarts[1].one_time);
	assert_string_equal(pol.kickstarts[0].kernel, "");

	assert_parses("kickstart c7 {\n template \"/ks/c7.ks\"\n kernel \"/c7/vmlinuz\"\n"
		      " initrd \"/c7/initrd.img\"\n append \"inst.ks=${ks_url} ip=dhcp\"\n}\n");
	assert_string_equal(pol.kickstarts[0].kernel, "/c7/vmlinuz");
	assert_string_equal(pol.kickstarts[0].initrd, "/c7/initrd.img");
	assert_string_equal(pol.kickstarts[0].append, "inst.ks=${ks_url} ip=dhcp");
	assert_true(pol.kickstarts[0].verify);
	assert_parses("kickstart c7 template \"/ks/c7.ks\" kernel \"/c7/vmlinuz\" verify off\n");
	assert_false(pol.kickstarts[0].verify);
	assert_one_error("kickstart c template \"/a.ks\" verify off\n", 1, 37,
			 "initrd, append and verify belong to a kernel (e.g. kernel \"/c/vmlinuz\")");
	assert_one_error("kickstart c template \"/a.ks\" kernel \"vmlinuz\"\n", 1, 37,
			 "kernel \"vmlinuz\" must be an absolute URL path (starting with '/')");
	assert_one_error("kickstart c template \"/a.ks\" kernel \"/a/../vmlinuz\"\n", 1, 37,
			 "kernel \"/a/../vmlinuz\" must not contain \".\" or \"..\" components");
	assert_one_error("kickstart c template \"/a.ks\" kernel \"/k?x=1\"\n", 1, 37,
			 "kernel \"/k?x=1\" must name a file plainly (no '?', '$' or '%')");
	assert_one_error("kickstart c template \"/a.ks\" kernel \"/ks/vmlinuz\"\n", 1, 37,
			 "kernel \"/ks/vmlinuz\" must not be under /ks/, where bootward serves kickstarts");
	assert_one_error("kickstart c template \"/a.ks\" initrd \"/i.img\"\n", 1, 37,
			 "initrd, append and verify belong to a kernel (e.g. kernel \"/c/vmlinuz\")");
	assert_one_error("kickstart c template \"/a.ks\" kernel \"/k\" append \"caf\xc3\xa9\"\n", 1, 49,
			 "append \"caf\\xc3\\xa9\" must be printable ASCII on one line");

	assert_one_error("kickstart centos7\n", 1, 11,
			 "kickstart centos7 needs a template (e.g. template \"/etc/bootward/ks/centos7.ks\")");
	assert_one_error("kickstart c template \"/a.ks\"\nkickstart c template \"/b.ks\"\n", 2, 11,
			 "kickstart c is already defined at line 1");
	assert_one_error("kickstart c template \"a.ks\"\n", 1, 22,
			 "template \"a.ks\" must be an absolute path (starting with '/')");
	assert_one_error("kickstart c template \"/a.ks\" lifetime 10s\n", 1, 39,
			 "lifetime 10s is out of range (60s..7d)");
	assert_one_error(AUTH "host web01 mac 00:0c:29:f6:07:ca kickstart centos7\n", 3, 44,
			 "host web01 names kickstart centos7, but there is no kickstart statement "
			 "(e.g. kickstart centos7 template \"/etc/bootward/ks/centos7.ks\")");
	assert_one_error(AUTH "kickstart rhel9 template \"/r.ks\"\n"
			 "host web01 mac 00:0c:29:f6:07:ca kickstart centos7\n", 4, 44,
			 "host web01 names kickstart centos7, which is not defined");
}

static void test_hosts(void **state)
{
	const struct policy_host *h = &pol.dhcp.hosts[0];

	(void)state;
	assert_parses(AUTH "host web01 mac 00:0c:29:f6:07:ca address 10.33.1.65 kickstart centos7\n"
		      "kickstart centos7 template \"/ks/c7.ks\"\n");
	assert_int_equal(pol.dhcp.n_hosts, 1);
	assert_string_equal(h->name, "web01");
	assert_memory_equal(h->mac, "\x00\x0c\x29\xf6\x07\xca", 6);
	assert_int_equal(h->address.s_addr, addr("10.33.1.65"));
	assert_string_equal(h->kickstart, "centos7");
	assert_int_equal(h->boot.proto, POLICY_BOOT_NONE);
	assert_string_equal(h->boot.path, "");

	assert_parses(PROXY "host db01 mac 00:0C:29:AA:BB:CC boot tftp \"special/undionly.kpxe\"\n");
	assert_string_equal(h->name, "db01");
	assert_memory_equal(h->mac, "\x00\x0c\x29\xaa\xbb\xcc", 6);
	assert_int_equal(h->address.s_addr, 0);
	assert_string_equal(h->kickstart, "");
	assert_int_equal(h->boot.proto, POLICY_BOOT_TFTP);
	assert_string_equal(h->boot.path, "special/undionly.kpxe");

	assert_parses(PROXY "host \"a-1\" {\n  mac 00-0c-29-aa-bb-cc\n  boot https \"/boot/${hostname}.ipxe\"\n}\n"
			    "host B mac 02:00:00:00:00:01 kickstart \"rhel9.2_x-y\"\n"
			    "kickstart \"rhel9.2_x-y\" template \"/ks/r.ks\"\n");
	assert_int_equal(pol.dhcp.n_hosts, 2);
	assert_string_equal(h->name, "a-1");
	assert_memory_equal(h->mac, "\x00\x0c\x29\xaa\xbb\xcc", 6);
	assert_int_equal(h->boot.proto, POLICY_BOOT_HTTPS);
	assert_string_equal(pol.dhcp.hosts[1].name, "B");
	assert_string_equal(pol.dhcp.hosts[1].kickstart, "rhel9.2_x-y");

	/* Names: one DNS label. */
	assert_parses(PROXY "host a23456789012345678901234567890123456789012345678901234567890123 "
			    "mac 02:00:00:00:00:01\n");
	assert_int_equal(strlen(h->name), 63);
	assert_one_error(PROXY "host a234567890123456789012345678901234567890123456789012345678901234 "
			       "mac 02:00:00:00:00:01\n", 2, 6,
			 "host name \"a234567890123456789012345678901234567890...\" is too long (at most 63 characters)");
	assert_one_error(PROXY "host -web mac 02:00:00:00:00:01\n", 2, 6,
			 "host name \"-web\" must not begin or end with '-'");
	assert_one_error(PROXY "host web- mac 02:00:00:00:00:01\n", 2, 6,
			 "host name \"web-\" must not begin or end with '-'");
	assert_one_error(PROXY "host web.lab mac 02:00:00:00:00:01\n", 2, 6,
			 "host name \"web.lab\" contains '.' (allowed: letters, digits and '-')");
	assert_one_error(PROXY "host \"web 1\" mac 02:00:00:00:00:01\n", 2, 6,
			 "host name \"web 1\" contains byte 0x20 (allowed: letters, digits and '-')");
	assert_one_error(PROXY "host \"\" mac 02:00:00:00:00:01\n", 2, 6, "host name \"\" is empty");
	assert_one_error(PROXY "host\n", 2, 5, "missing host name (e.g. host web01 mac 00:0c:29:f6:07:ca)");
	assert_one_error(PROXY "host { mac 02:00:00:00:00:01 }\n", 2, 6,
			 "missing host name (e.g. host web01 mac 00:0c:29:f6:07:ca)");

	/* mac is required; the rest is optional. */
	assert_one_error(PROXY "host web01\n", 2, 6, "host web01 needs a mac (e.g. host web01 mac 00:0c:29:f6:07:ca)");
	assert_one_error(PROXY "host web01 address 10.0.0.1\n", 2, 6,
			 "host web01 needs a mac (e.g. host web01 mac 00:0c:29:f6:07:ca)");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 ip 10.0.0.1\n", 2, 34,
			 "unknown setting \"ip\" in host (expected one of: mac, address, kickstart, boot)");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 address 10.0.0.0.1\n", 2, 42,
			 "address 10.0.0.0.1 is not valid (expected an IPv4 address, e.g. 10.33.1.165)");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 address 255.255.255.255\n", 2, 42,
			 "address 255.255.255.255 is the broadcast address");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 kickstart .hidden\n", 2, 44,
			 "kickstart .hidden must begin with a letter or digit");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 kickstart \"a/b\"\n", 2, 44,
			 "kickstart \"a/b\" contains '/' (allowed: letters, digits, _ . -)");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 kickstart a2345678901234567890123456789012\n",
			 2, 44, "kickstart a2345678901234567890123456789012 is too long (at most 31 characters)");
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01 mac 02:00:00:00:00:02\n", 2, 34,
			 "mac is given twice in this host statement (first at line 2, column 12)");

	/* Unique names (as DNS compares them), MACs and addresses. */
	assert_one_error(PROXY "host web01 mac 02:00:00:00:00:01\nhost WEB01 mac 02:00:00:00:00:02\n", 3, 6,
			 "host WEB01 is already defined at line 2");
	assert_one_error(PROXY "host a mac 02:00:00:00:00:01\n\nhost b mac 02-00-00-00-00-01\n", 4, 12,
			 "mac 02:00:00:00:00:01 is already used by host a at line 2");
	assert_one_error(PROXY "host a mac 02:00:00:00:00:01 address 10.0.0.1\n"
			       "host b mac 02:00:00:00:00:02 address 10.0.0.1\n", 3, 38,
			 "address 10.0.0.1 is already used by host a at line 2");
	/* In proxy mode an address is not checked against subnets. */
	assert_parses(PROXY "host a mac 02:00:00:00:00:01 address 10.0.0.1\n");
	assert_int_equal(h->address.s_addr, addr("10.0.0.1"));
}

static void test_macs(void **state)
{
	static const struct {
		const char *text;
		const char *bytes;
	} good[] = {
		{ "00:0c:29:f6:07:ca", "\x00\x0c\x29\xf6\x07\xca" },
		{ "00:0C:29:F6:07:CA", "\x00\x0c\x29\xf6\x07\xca" },
		{ "00-0c-29-F6-07-ca", "\x00\x0c\x29\xf6\x07\xca" },
		{ "\"fe:ff:ff:ff:ff:ff\"", "\xfe\xff\xff\xff\xff\xff" },
		{ "02:00:00:00:00:00", "\x02\x00\x00\x00\x00\x00" },
	};
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "00:0c:29:f6:07", "mac 00:0c:29:f6:07 is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "00:0c:29:f6:07:ca:01", "mac 00:0c:29:f6:07:ca:01 is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "0:c:29:f6:7:ca", "mac 0:c:29:f6:7:ca is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "00:0c-29:f6:07:ca", "mac 00:0c-29:f6:07:ca is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "00.0c.29.f6.07.ca", "mac 00.0c.29.f6.07.ca is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "000c29f607ca", "mac 000c29f607ca is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "00:0g:29:f6:07:ca", "mac 00:0g:29:f6:07:ca is not valid (expected a MAC address, e.g. 00:0c:29:f6:07:ca)" },
		{ "00:00:00:00:00:00", "mac 00:00:00:00:00:00 is all zero; no client has it" },
		{ "01:00:5e:00:00:01", "mac 01:00:5e:00:00:01 is a group (multicast) address; no client has it" },
		{ "ff:ff:ff:ff:ff:ff", "mac ff:ff:ff:ff:ff:ff is a group (multicast) address; no client has it" },
	};
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, PROXY "host h mac %s\ndeny mac %s\n", good[i].text,
			 strcmp(good[i].bytes, "\x02") == 0 ? "04:00:00:00:00:00" : "02:00:00:00:00:01");
		assert_parses(text);
		assert_memory_equal(pol.dhcp.hosts[0].mac, good[i].bytes, 6);
		snprintf(text, sizeof text, PROXY "deny mac %s\n", good[i].text);
		assert_parses(text);
		assert_memory_equal(pol.dhcp.deny[0], good[i].bytes, 6);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, PROXY "host h mac %s\n", bad[i].text);
		assert_one_error(text, 2, 12, bad[i].msg);
		snprintf(text, sizeof text, PROXY "deny mac %s\n", bad[i].text);
		assert_one_error(text, 2, 10, bad[i].msg);
	}
}

static void test_deny(void **state)
{
	(void)state;
	assert_parses(PROXY "deny mac 00:0c:29:5e:f2:3f\ndeny { mac 00:0c:29:5e:f2:40 }\n");
	assert_int_equal(pol.dhcp.n_deny, 2);
	assert_memory_equal(pol.dhcp.deny[0], "\x00\x0c\x29\x5e\xf2\x3f", 6);
	assert_memory_equal(pol.dhcp.deny[1], "\x00\x0c\x29\x5e\xf2\x40", 6);
	assert_one_error(PROXY "deny\n", 2, 1, "deny needs a mac (e.g. deny mac 00:0c:29:5e:f2:3f)");
	assert_one_error(PROXY "deny mac\n", 2, 9,
			 "missing value for mac in deny before end of line (expected a MAC address, "
			 "e.g. 00:0c:29:f6:07:ca)");
	assert_one_error(PROXY "deny arch 7\n", 2, 6, "unknown setting \"arch\" in deny (expected one of: mac)");
	assert_one_error(PROXY "deny mac 02:00:00:00:00:01 mac 02:00:00:00:00:02\n", 2, 28,
			 "mac is given twice in this deny statement (first at line 2, column 6)");
	assert_one_error(PROXY "deny mac 02:00:00:00:00:01\ndeny mac 02-00-00-00-00-01\n", 3, 10,
			 "mac 02:00:00:00:00:01 is already denied at line 2");
	/* A denied MAC cannot also be served as a host, in either order. */
	assert_one_error(PROXY "deny mac 02:00:00:00:00:01\nhost h mac 02:00:00:00:00:01\n", 2, 10,
			 "mac 02:00:00:00:00:01 is denied here but served as host h at line 3");
	assert_one_error(PROXY "host h mac 02:00:00:00:00:01\ndeny mac 02:00:00:00:00:01\n", 3, 10,
			 "mac 02:00:00:00:00:01 is denied here but served as host h at line 2");
}

static void test_classes(void **state)
{
	const struct policy_class *c = &pol.dhcp.classes[0];

	(void)state;
	assert_parses(PROXY
		      "class bios   match arch 0               boot tftp \"undionly.kpxe\"\n"
		      "class uefi   match arch 7 9             boot tftp \"ipxe.efi\"\n"
		      "class arm64  match arch 11              boot tftp \"arm64/ipxe.efi\"\n"
		      "class httpboot match vendor-class \"HTTPClient\" boot http \"/boot/ipxe.efi\"\n"
		      "class ipxe   match user-class \"iPXE\"    boot https \"/boot/${class}.ipxe\"\n"
		      "class all    match arch 65535 match user-class x match vendor-class \"PXEClient:Arch\" "
		      "boot tftp y\n"
		      "class rest   match any                  boot tftp \"z\"\n");
	assert_int_equal(pol.dhcp.n_classes, 7);
	assert_string_equal(c[0].name, "bios");
	assert_int_equal(c[0].n_arch, 1);
	assert_int_equal(c[0].arch[0], 0);
	assert_string_equal(c[0].user_class, "");
	assert_string_equal(c[0].vendor_class, "");
	assert_int_equal(c[0].boot.proto, POLICY_BOOT_TFTP);
	assert_string_equal(c[0].boot.path, "undionly.kpxe");
	assert_int_equal(c[1].n_arch, 2);
	assert_int_equal(c[1].arch[0], 7);
	assert_int_equal(c[1].arch[1], 9);
	assert_int_equal(c[2].arch[0], 11);
	assert_string_equal(c[3].vendor_class, "HTTPClient");
	assert_int_equal(c[3].n_arch, 0);
	assert_int_equal(c[3].boot.proto, POLICY_BOOT_HTTP);
	assert_string_equal(c[3].boot.path, "/boot/ipxe.efi");
	assert_string_equal(c[4].user_class, "iPXE");
	assert_int_equal(c[4].boot.proto, POLICY_BOOT_HTTPS);
	assert_string_equal(c[4].boot.path, "/boot/${class}.ipxe");
	assert_int_equal(c[5].arch[0], 65535);
	assert_string_equal(c[5].user_class, "x");
	assert_string_equal(c[5].vendor_class, "PXEClient:Arch");
	assert_string_equal(c[6].name, "rest");
	assert_int_equal(c[6].n_arch, 0);
	assert_string_equal(c[6].user_class, "");
	assert_string_equal(c[6].vendor_class, "");

	/* Names. */
	assert_one_error(PROXY "class\n", 2, 6,
			 "missing class name (e.g. class uefi match arch 7 9 boot tftp \"ipxe.efi\")");
	assert_one_error(PROXY "class -x match any boot tftp x\n", 2, 7,
			 "class name \"-x\" must begin with a letter or digit");
	assert_one_error(PROXY "class a/b match any boot tftp x\n", 2, 7,
			 "class name \"a/b\" contains '/' (allowed: letters, digits, _ . -)");
	assert_one_error(PROXY "class a2345678901234567890123456789012 match any boot tftp x\n", 2, 7,
			 "class name \"a2345678901234567890123456789012\" is too long (at most 31 characters)");
	assert_one_error(PROXY "class a match arch 7 boot tftp x\nclass a match arch 9 boot tftp y\n", 3, 7,
			 "class a is already defined at line 2");

	/* Required parts. */
	assert_one_error(PROXY "class a boot tftp x\n", 2, 7,
			 "class a needs a match (match arch, match user-class, match vendor-class or match any)");
	assert_one_error(PROXY "class a match arch 7\n", 2, 7, "class a needs a boot target (e.g. boot tftp \"ipxe.efi\")");

	/* match: a criterion word, then its value. */
	assert_one_error(PROXY "class a match mac 02:00:00:00:00:01 boot tftp x\n", 2, 15,
			 "unknown match criterion \"mac\" in class (expected one of: arch, user-class, vendor-class, any)");
	assert_one_error(PROXY "class a match\n", 2, 14,
			 "missing criterion after match in class before end of line (expected one of: arch, "
			 "user-class, vendor-class, any)");
	assert_one_error(PROXY "class a match \"arch\" 7 boot tftp x\n", 2, 15,
			 "missing criterion after match in class before string \"arch\" (expected one of: arch, "
			 "user-class, vendor-class, any)");
	assert_one_error(PROXY "class a match arch boot tftp x\n", 2, 20,
			 "missing value for match arch in class before \"boot\" (expected client architecture "
			 "numbers, e.g. 7 9)");
	assert_one_error(PROXY "class a match arch 65536 boot tftp x\n", 2, 20,
			 "match arch 65536 is out of range (0..65535)");
	assert_one_error(PROXY "class a match arch 7x boot tftp x\n", 2, 20,
			 "match arch 7x is not valid (expected client architecture numbers, e.g. 7 9)");
	assert_one_error(PROXY "class a match user-class \"\" boot tftp x\n", 2, 26,
			 "match user-class \"\" must not be empty");
	assert_one_error(PROXY "class a match vendor-class \"0123456789012345678901234567890x\" boot tftp x\n",
			 2, 28, "match vendor-class \"0123456789012345678901234567890x\" is too long (at most 31 bytes)");
	assert_one_error(PROXY "class a match user-class\n", 2, 25,
			 "missing value for match user-class in class before end of line (expected a user class, "
			 "e.g. \"iPXE\")");
	/* Criteria of different kinds combine; the same kind twice does not. */
	assert_one_error(PROXY "class a match arch 7 match arch 9 boot tftp x\n", 2, 22,
			 "match arch is given twice in this class statement (first at line 2, column 9)");
	assert_one_error(PROXY "class a match user-class a match user-class b boot tftp x\n", 2, 28,
			 "match user-class is given twice in this class statement (first at line 2, column 9)");
	assert_one_error(PROXY "class a match any match arch 7 boot tftp x\n", 2, 15,
			 "match any cannot be combined with other match criteria");
	assert_one_error(PROXY "class a match arch 7 match any boot tftp x\n", 2, 28,
			 "match any cannot be combined with other match criteria");
	assert_one_error(PROXY "class a match any match any boot tftp x\n", 2, 19,
			 "match any is given twice in this class statement (first at line 2, column 9)");
	/* A class after one that matches everything would never be chosen. */
	assert_one_error(PROXY "class rest match any boot tftp x\nclass uefi match arch 7 boot tftp y\n", 3, 7,
			 "class uefi can never match: class rest at line 2 matches every client first");

	/* boot: one protocol word and a path, once. */
	assert_one_error(PROXY "class a match any boot ftp x\n", 2, 24,
			 "unknown boot protocol \"ftp\" in class (expected one of: tftp, http, https)");
	assert_one_error(PROXY "class a match any boot\n", 2, 23,
			 "missing protocol after boot in class before end of line (expected one of: tftp, http, https)");
	assert_one_error(PROXY "class a match any boot tftp\n", 2, 28,
			 "missing value for boot tftp in class before end of line (expected a file name relative "
			 "to the TFTP root, e.g. \"ipxe.efi\")");
	assert_one_error(PROXY "class a match any boot https { }\n", 2, 30,
			 "missing value for boot https in class before '{' (expected a URL path, e.g. \"/boot/ipxe.efi\")");
	assert_one_error(PROXY "class a match any boot tftp x boot http \"/y\"\n", 2, 31,
			 "boot is given twice in this class statement (first at line 2, column 19)");
	assert_one_error(PROXY "class a match any boot tftp x boot tftp y\n", 2, 31,
			 "boot is given twice in this class statement (first at line 2, column 19)");
	assert_one_error(PROXY "class a match any bot tftp x\n", 2, 19,
			 "unknown setting \"bot\" in class (expected one of: match, boot)");
}

static void test_boot_paths(void **state)
{
	const struct policy_boot *b = &pol.dhcp.classes[0].boot;
	static const char *const vars[] = { "${class}", "${mac}", "${hostname}", "${ip}", "${arch}" };
	char text[256];

	(void)state;
	assert_parses(PROXY "class a match any boot tftp \"efi//x64///ipxe.efi\"\n");
	assert_string_equal(b->path, "efi/x64/ipxe.efi");
	assert_parses(PROXY "class a match any boot tftp ...x/..y/z.\n");
	assert_string_equal(b->path, "...x/..y/z.");
	assert_parses(PROXY "class a match any boot http \"/a//b/?x=../y#z\"\n");
	assert_string_equal(b->path, "/a//b/?x=../y#z");
	assert_int_equal(b->proto, POLICY_BOOT_HTTP);
	assert_parses(PROXY "class a match any boot https \"/$x/{y}/$/${mac}${ip}$\"\n");
	assert_string_equal(b->path, "/$x/{y}/$/${mac}${ip}$");
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		snprintf(text, sizeof text, PROXY "class a match any boot tftp \"boot/%s/%s.efi\"\n", vars[i], vars[i]);
		assert_parses(text);
		snprintf(text, sizeof text, "/boot/%s/%s.efi", vars[i], vars[i]);
		assert_string_equal(b->path, text + 1);
	}

	/* TFTP: a relative file name without "." or ".." components. */
	assert_one_error(PROXY "class a match any boot tftp \"/ipxe.efi\"\n", 2, 29,
			 "boot tftp \"/ipxe.efi\" must be relative to the TFTP root (no leading '/')");
	assert_one_error(PROXY "class a match any boot tftp \"\"\n", 2, 29, "boot tftp \"\" must not be empty");
	assert_one_error(PROXY "class a match any boot tftp a/../../etc/passwd\n", 2, 29,
			 "boot tftp a/../../etc/passwd must not contain \".\" or \"..\" components");
	assert_one_error(PROXY "class a match any boot tftp ./x\n", 2, 29,
			 "boot tftp ./x must not contain \".\" or \"..\" components");
	assert_one_error(PROXY "class a match any boot tftp \"efi\\\\ipxe.efi\"\n", 2, 29,
			 "boot tftp \"efi\\\\ipxe.efi\" must not contain '\\' (TFTP names use '/')");
	assert_one_error(PROXY "class a match any boot tftp efi/\n", 2, 29,
			 "boot tftp efi/ must name a file (no trailing '/')");
	/* HTTP(S): the absolute path of a URL. */
	assert_one_error(PROXY "class a match any boot http ipxe.efi\n", 2, 29,
			 "boot http ipxe.efi must be an absolute URL path (starting with '/')");
	assert_one_error(PROXY "class a match any boot https \"\"\n", 2, 30,
			 "boot https \"\" must be an absolute URL path (starting with '/')");
	assert_one_error(PROXY "class a match any boot http \"/a b\"\n", 2, 29,
			 "boot http \"/a b\" must be printable ASCII without spaces, '\"' or '\\' "
			 "(write other characters %-encoded)");
	assert_one_error(PROXY "class a match any boot http \"/caf\xc3\xa9\"\n", 2, 29,
			 "boot http \"/caf\\xc3\\xa9\" must be printable ASCII without spaces, '\"' or '\\' "
			 "(write other characters %-encoded)");
	assert_one_error(PROXY "class a match any boot http /a/../b\n", 2, 29,
			 "boot http /a/../b must not contain \".\" or \"..\" components");
	assert_one_error(PROXY "class a match any boot https \"/a/.\"\n", 2, 30,
			 "boot https \"/a/.\" must not contain \".\" or \"..\" components");

	/* Variables: reported at the '$', counting characters as written. */
	assert_one_error(PROXY "class a match any boot tftp \"x/${uuid}.efi\"\n", 2, 32,
			 "unknown variable \"${uuid}\" in the path of boot tftp "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	assert_one_error(PROXY "class a match any boot https \"/${}\"\n", 2, 32,
			 "unknown variable \"${}\" in the path of boot https "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	assert_one_error(PROXY "class a match any boot https \"/${CLASS}\"\n", 2, 32,
			 "unknown variable \"${CLASS}\" in the path of boot https "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	assert_one_error(PROXY "class a match any boot tftp \"${mac}/${mac\"\n", 2, 37,
			 "unterminated ${ in the path of boot tftp (missing '}')");
	/* Escapes take two characters, UTF-8 characters one. */
	assert_one_error(PROXY "class a match any boot tftp \"\\\"q\\\"${x}\"\n", 2, 35,
			 "unknown variable \"${x}\" in the path of boot tftp "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	assert_one_error(PROXY "class a match any boot tftp \"caf\xc3\xa9\\\"/${x}\"\n", 2, 37,
			 "unknown variable \"${x}\" in the path of boot tftp "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	/* The same rules for a host's boot override. */
	assert_one_error(PROXY "host h mac 02:00:00:00:00:01 boot tftp \"${host}\"\n", 2, 41,
			 "unknown variable \"${host}\" in the path of boot tftp "
			 "(known: ${class} ${mac} ${hostname} ${ip} ${arch})");
	assert_one_error(PROXY "host h mac 02:00:00:00:00:01 boot tftp a boot https \"/b\"\n", 2, 42,
			 "boot is given twice in this host statement (first at line 2, column 30)");
}

/* Checks that need the whole file: reported at the word that breaks them,
 * in file order, after the errors found while reading. */
static void test_dhcp_cross_checks(void **state)
{
	(void)state;
	/* Host addresses in authoritative mode: in a subnet, outside its range. */
	assert_parses(AUTH "host a mac 02:00:00:00:00:01 address 10.33.1.99\n"
			   "host b mac 02:00:00:00:00:02 address 10.33.1.201\n"
			   "host c mac 02:00:00:00:00:03 address 10.33.255.254\n");
	assert_int_equal(pol.dhcp.n_hosts, 3);
	assert_one_error(AUTH "host a mac 02:00:00:00:00:01 address 10.34.1.1\n", 3, 38,
			 "host a: fixed address 10.34.1.1 is in none of the subnets");
	assert_one_error(AUTH "host a mac 02:00:00:00:00:01 address 10.33.1.100\n", 3, 38,
			 "host a: fixed address 10.33.1.100 inside range 10.33.1.100-10.33.1.200: "
			 "it could be given to another client");
	assert_one_error(AUTH "host a mac 02:00:00:00:00:01 address 10.33.1.200\n", 3, 38,
			 "host a: fixed address 10.33.1.200 inside range 10.33.1.100-10.33.1.200: "
			 "it could be given to another client");
	assert_one_error(AUTH "host a mac 02:00:00:00:00:01 address 10.33.0.0\n", 3, 38,
			 "host a: fixed address 10.33.0.0 is the network address of subnet 10.33.0.0/16");
	assert_one_error(AUTH "host a mac 02:00:00:00:00:01 address 10.33.255.255\n", 3, 38,
			 "host a: fixed address 10.33.255.255 is the broadcast address of subnet 10.33.0.0/16");
	/* The subnet may come after the host. */
	assert_parses("host a mac 02:00:00:00:00:01 address 10.40.0.9\ndhcp authoritative\nsubnet 10.40.0.0/24\n");
	assert_one_error("host a mac 02:00:00:00:00:01 address 10.40.0.9\ndhcp authoritative\n"
			 "subnet 10.40.0.0/24 range 10.40.0.2 10.40.0.99\n", 1, 38,
			 "host a: fixed address 10.40.0.9 inside range 10.40.0.2-10.40.0.99: it could be given to another client");

	/* Subnets must not overlap. */
	assert_one_error(PROXY "subnet 10.33.0.0/16\nsubnet 10.34.0.0/16\nsubnet 10.33.128.0/24\n", 4, 8,
			 "subnet 10.33.128.0/24 overlaps subnet 10.33.0.0/16 at line 2");
	assert_one_error(PROXY "subnet 10.33.7.0/24\nsubnet 10.0.0.0/8\n", 3, 8,
			 "subnet 10.0.0.0/8 overlaps subnet 10.33.7.0/24 at line 2");
	assert_one_error(PROXY "subnet 10.33.7.0/24\nsubnet 10.33.7.0/24\n", 3, 8,
			 "subnet 10.33.7.0/24 overlaps subnet 10.33.7.0/24 at line 2");
	assert_parses(PROXY "subnet 10.33.7.0/25\nsubnet 10.33.7.128/25\n");

	/* Proxy mode hands out no addresses: a range is refused, wherever the
	 * dhcp statement is. */
	assert_one_error(PROXY "subnet 10.33.0.0/16 {\n  range 10.33.1.1 10.33.1.9\n}\n", 3, 3,
			 "range in dhcp proxy mode: proxy mode hands out no addresses (the other DHCP server does)");
	assert_one_error("subnet 10.33.0.0/16 range 10.33.1.1 10.33.1.9\n" PROXY, 1, 21,
			 "range in dhcp proxy mode: proxy mode hands out no addresses (the other DHCP server does)");

	/* Several: in file order, after the reading errors. */
	static const char text[] =
		"host late mac 02:00:00:00:00:09 address 10.99.0.1\n"  /* 1: in no subnet */
		"dhcp authoritative\n"                                  /* 2 */
		"subnet 10.33.0.0/16 range 10.33.1.100 10.33.1.200\n"   /* 3 */
		"subnet 10.33.1.0/24\n"                                 /* 4: overlaps */
		"deny mac 02:00:00:00:00:01\n"                          /* 5: is host a */
		"host a mac 02:00:00:00:00:01 address 10.33.1.150\n"    /* 6: inside range */
		"subnet 10.35.0.0/16 lease 1\n";                        /* 7: read error */
	static const struct {
		unsigned line, column;
		const char *start;
	} want[] = {
		{ 7, 27, "lease 1 is out of range" },
		{ 1, 41, "host late: fixed address 10.99.0.1 is in none" },
		{ 4, 8, "subnet 10.33.1.0/24 overlaps subnet 10.33.0.0/16" },
		{ 5, 10, "mac 02:00:00:00:00:01 is denied here but served as host a at line 6" },
		{ 6, 38, "host a: fixed address 10.33.1.150 inside range" },
	};

	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.total, 5);
	for (size_t i = 0; i < errs.count; i++) {
		assert_int_equal(errs.e[i].line, want[i].line);
		assert_int_equal(errs.e[i].column, want[i].column);
		assert_memory_equal(errs.e[i].message, want[i].start, strlen(want[i].start));
	}
}

static void test_dhcp_limits(void **state)
{
	static char text[POLICY_MAX_HOSTS * 64 + 256];
	size_t used;

	(void)state;
	used = (size_t)snprintf(text, sizeof text, PROXY);
	for (int i = 0; i < POLICY_MAX_SUBNETS; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "subnet 10.%d.0.0/16\n", i);
	assert_parses(text);
	assert_int_equal(pol.dhcp.n_subnets, POLICY_MAX_SUBNETS);
	assert_int_equal(pol.dhcp.subnets[POLICY_MAX_SUBNETS - 1].network.s_addr, addr("10.31.0.0"));
	snprintf(text + used, sizeof text - used, "subnet 10.99.0.0/16 lease 1\n");
	/* Past the limit, the statement's settings are still checked. */
	assert_error(text, POLICY_MAX_SUBNETS + 2, 1, "too many subnets (at most 32)");
	assert_int_equal(errs.total, 2);
	assert_string_equal(errs.e[1].message, "lease 1 is out of range (60s..365d)");

	used = (size_t)snprintf(text, sizeof text, "dhcp authoritative\nsubnet 10.0.0.0/8\n");
	for (int i = 0; i < POLICY_MAX_HOSTS; i++)
		used += (size_t)snprintf(text + used, sizeof text - used,
					 "host h%d mac 02:00:00:00:%02x:%02x address 10.1.%d.%d\n", i, i >> 8, i & 255,
					 i >> 8, i & 255);
	assert_parses(text);
	assert_int_equal(pol.dhcp.n_hosts, POLICY_MAX_HOSTS);
	assert_string_equal(pol.dhcp.hosts[POLICY_MAX_HOSTS - 1].name, "h2047");
	assert_memory_equal(pol.dhcp.hosts[POLICY_MAX_HOSTS - 1].mac, "\x02\x00\x00\x00\x07\xff", 6);
	snprintf(text + used, sizeof text - used, "host x mac 02:00:00:00:99:99\n");
	assert_one_error(text, POLICY_MAX_HOSTS + 3, 1, "too many hosts (at most 2048)");

	used = (size_t)snprintf(text, sizeof text, PROXY);
	for (int i = 0; i < POLICY_MAX_DENY; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "deny mac 02:00:00:00:%02x:%02x\n",
					 i >> 8, i & 255);
	assert_parses(text);
	assert_int_equal(pol.dhcp.n_deny, POLICY_MAX_DENY);
	snprintf(text + used, sizeof text - used, "deny mac 02:00:00:00:99:99\n");
	assert_one_error(text, POLICY_MAX_DENY + 2, 1, "too many deny statements (at most 1024)");

	used = (size_t)snprintf(text, sizeof text, PROXY);
	for (int i = 0; i < POLICY_MAX_CLASSES; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "class c%d match arch %d boot tftp x\n", i, i);
	assert_parses(text);
	assert_int_equal(pol.dhcp.n_classes, POLICY_MAX_CLASSES);
	snprintf(text + used, sizeof text - used, "class z match any boot tftp x\n");
	assert_one_error(text, POLICY_MAX_CLASSES + 2, 1, "too many classes (at most 32)");
}

static void test_dhcp_block_and_line_forms_are_equivalent(void **state)
{
	static const char *const forms[] = {
		"dhcp authoritative next-server 10.33.1.1 offer-hold 2m discover-rate-per-mac 3 discover-rate 400\n"
		"subnet 10.33.0.0/16 range 10.33.1.100 10.33.1.200 router 10.33.1.254 dns 10.33.1.1 10.33.1.2 "
		"domain lab.example lease 4000s renew 2000s rebind 3500s\n"
		"host web01 mac 00:0c:29:f6:07:ca address 10.33.1.65 kickstart centos7 boot tftp \"w/ipxe.efi\"\n"
		"deny mac 00:0c:29:5e:f2:3f\n"
		"class uefi match arch 7 9 match user-class \"x\" match vendor-class PXEClient boot tftp ipxe.efi\n",

		"dhcp authoritative {\n"
		"\tnext-server 10.33.1.1\n"
		"\toffer-hold 120s\n"
		"\tdiscover-rate-per-mac 3\n"
		"\tdiscover-rate 400\n"
		"}\n"
		"subnet 10.33.0.0/16 {\n"
		"\trange 10.33.1.100 10.33.1.200\n"
		"\trouter 10.33.1.254\n"
		"\tdns 10.33.1.1 10.33.1.2\n"
		"\tdomain \"lab.example\"\n"
		"\tlease 4000\n"
		"\trenew 2000s\n"
		"\trebind 3500s\n"
		"}\n"
		"host web01 {\n"
		"\tmac 00-0C-29-F6-07-CA\n"
		"\taddress 10.33.1.65\n"
		"\tkickstart centos7\n"
		"\tboot tftp \"w//ipxe.efi\"\n"
		"}\n"
		"deny {\n\tmac 00:0c:29:5e:f2:3f\n}\n"
		"class uefi {\n"
		"\tmatch arch 7 9\n"
		"\tmatch user-class \"x\"\n"
		"\tmatch vendor-class \"PXEClient\"\n"
		"\tboot tftp \"ipxe.efi\"\n"
		"}\n",

		"# the same in another order\n"
		"class uefi { boot tftp ipxe.efi match vendor-class PXEClient match arch 7 9 match user-class x }\n"
		"deny { mac 00:0c:29:5e:f2:3f }\n"
		"host web01 { boot tftp w/ipxe.efi kickstart centos7 address 10.33.1.65 mac 00:0c:29:f6:07:ca }\n"
		"subnet 10.33.0.0/16 { rebind 3500s renew 2000s lease 4000s domain lab.example\n"
		"  dns 10.33.1.1 10.33.1.2 router 10.33.1.254\n"
		"  range 10.33.1.100 10.33.1.200 }\n"
		"dhcp authoritative { discover-rate 400 discover-rate-per-mac 3 offer-hold 2m next-server 10.33.1.1 }\n",
	};
	static struct policy first; /* large: not on the stack */

	(void)state;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		static char text[4096];
		/* every form's host names kickstart centos7 */
		snprintf(text, sizeof text, "%skickstart centos7 template \"/ks/c7.ks\"\n", forms[i]);
		assert_parses(text);
		if (i == 0) {
			first = pol;
			assert_int_equal(first.dhcp.mode, POLICY_DHCP_AUTHORITATIVE);
			assert_int_equal(first.dhcp.next_server.s_addr, addr("10.33.1.1"));
			assert_int_equal(first.dhcp.offer_hold_s, 120);
			assert_int_equal(first.dhcp.max_discover_per_mac_s, 3);
			assert_int_equal(first.dhcp.max_discover_per_s, 400);
			assert_int_equal(first.dhcp.n_subnets, 1);
			assert_int_equal(first.dhcp.subnets[0].n_dns, 2);
			assert_int_equal(first.dhcp.n_hosts, 1);
			assert_string_equal(first.dhcp.hosts[0].boot.path, "w/ipxe.efi");
			assert_int_equal(first.dhcp.n_deny, 1);
			assert_int_equal(first.dhcp.n_classes, 1);
			assert_int_equal(first.dhcp.classes[0].n_arch, 2);
			assert_string_equal(first.dhcp.classes[0].user_class, "x");
			assert_string_equal(first.dhcp.classes[0].vendor_class, "PXEClient");
		} else {
			assert_memory_equal(&first, &pol, sizeof pol);
		}
	}
}

/* A failed statement does not leave a half-stored item behind. */
static void test_dhcp_recovery(void **state)
{
	static const char text[] =
		"dhcp proxy {\n"                                       /* 1 */
		"    offer-hold 1d\n"                                  /* 2: out of range */
		"}\n"                                                  /* 3 */
		"subnet 10.33.0.0/16 dns 10.33.1.1 bogus 1\n"          /* 4: unknown setting */
		"host web01 mac 00:0c:29:f6:07:ca\n"                   /* 5: fine */
		"host web02 mac 00:0c:29:f6:07:ca\n"                   /* 6: MAC taken */
		"host web03 { mac 00:0c:29:f6:07:cb\n"                 /* 7 */
		"    boot tftp \"/abs\"\n"                             /* 8: absolute */
		"}\n"                                                  /* 9 */
		"class uefi match arch 7 9 boot tftp ipxe.efi\n"       /* 10: fine */
		"class bios match arch 0 boot\n";                      /* 11: no protocol */
	static const struct {
		unsigned line, column;
		const char *start;
	} want[] = {
		{ 2, 16, "offer-hold 1d is out of range (5s..1h)" },
		{ 4, 35, "unknown setting \"bogus\" in subnet" },
		{ 6, 16, "mac 00:0c:29:f6:07:ca is already used by host web01 at line 5" },
		{ 8, 15, "boot tftp \"/abs\" must be relative" },
		{ 11, 29, "missing protocol after boot in class" },
	};

	(void)state;
	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.total, 5);
	for (size_t i = 0; i < errs.count; i++) {
		assert_int_equal(errs.e[i].line, want[i].line);
		assert_int_equal(errs.e[i].column, want[i].column);
		assert_memory_equal(errs.e[i].message, want[i].start, strlen(want[i].start));
	}
	assert_int_equal(pol.dhcp.n_subnets, 0);
	assert_int_equal(pol.dhcp.n_hosts, 1);
	assert_string_equal(pol.dhcp.hosts[0].name, "web01");
	assert_int_equal(pol.dhcp.n_classes, 1);
	assert_string_equal(pol.dhcp.classes[0].name, "uefi");
}

/* ---- recovery and reporting ------------------------------------------- */

static void test_recovery_reports_every_error(void **state)
{
	static const char text[] =
		"# a policy with five mistakes\n"                 /* 1 */
		"interface eth1 address 10.33.1.300\n"            /* 2: bad address */
		"interface eth2 address 10.34.1.1\n"              /* 3: fine */
		"sandbox uid-base lots\n"                         /* 4: bad number */
		"tftp {\n"                                        /* 5 */
		"    root \"/srv/bootward/tftp\"\n"               /* 6 */
		"    prots 4096-4351 retries 99\n"                /* 7: unknown, rest of line skipped */
		"    timeout 0.5s\n"                              /* 8: bad duration */
		"    retries 3\n"                                 /* 9: fine */
		"}\n"                                             /* 10 */
		"http root \"/srv/http\"\n"                       /* 11: unknown statement */
		"interface eth3 address 10.35.1.1\n";             /* 12: fine */
	static const struct {
		unsigned line, column;
		const char *start;
	} want[] = {
		{ 2, 24, "address 10.33.1.300 is not valid" },
		{ 4, 18, "uid-base lots is not valid" },
		{ 7, 5, "unknown setting \"prots\" in tftp" },
		{ 8, 13, "timeout 0.5s is not valid" },
		{ 11, 1, "unknown statement \"http\"" },
	};

	(void)state;
	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.total, 5);
	assert_int_equal(errs.count, 5);
	for (size_t i = 0; i < errs.count; i++) {
		assert_int_equal(errs.e[i].line, want[i].line);
		assert_int_equal(errs.e[i].column, want[i].column);
		assert_memory_equal(errs.e[i].message, want[i].start, strlen(want[i].start));
	}
}

static void test_error_cap(void **state)
{
	static char text[4096];
	static char out[16384];
	size_t used = 0;
	int n = POLICY_MAX_ERRORS + 8;

	(void)state;
	for (int i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, sizeof text - used, "bogus%d\n", i);
	assert_int_equal(parse(text), -1);
	assert_int_equal(errs.total, n);
	assert_int_equal(errs.count, POLICY_MAX_ERRORS);
	assert_int_equal(errs.e[POLICY_MAX_ERRORS - 1].line, POLICY_MAX_ERRORS);
	policy_errors_format(&errs, out, sizeof out);
	assert_non_null(strstr(out, "t.policy:32:1: unknown statement \"bogus31\""));
	assert_null(strstr(out, "bogus32"));
	assert_non_null(strstr(out, "\nt.policy: 8 more errors not shown\n"));
}

static void test_errors_format(void **state)
{
	static const char want[] =
		"site.policy:1:9: unknown setting \"x\" in sandbox (expected one of: uid-base)\n"
		"site.policy:3:14: retries 0 is out of range (1..50)\n";
	char out[512], small[20];

	(void)state;
	assert_int_equal(policy_parse("sandbox x 1\n\ntftp retries 0\n", 28, "site.policy", &pol, &errs), -1);
	assert_int_equal(errs.total, 2);
	assert_ptr_equal(policy_errors_format(&errs, out, sizeof out), out);
	assert_string_equal(out, want);

	/* Truncated to the buffer, always terminated. */
	memset(small, 'Z', sizeof small);
	policy_errors_format(&errs, small, sizeof small);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_memory_equal(small, want, sizeof small - 1);
	small[0] = 'Z';
	policy_errors_format(&errs, small, 1);
	assert_int_equal(small[0], '\0');
	small[0] = 'Z';
	policy_errors_format(&errs, small, 0);
	assert_int_equal(small[0], 'Z');

	/* One error left over is singular. */
	errs.count = 1;
	policy_errors_format(&errs, out, sizeof out);
	assert_string_equal(out,
			    "site.policy:1:9: unknown setting \"x\" in sandbox (expected one of: uid-base)\n"
			    "site.policy: 1 more error not shown\n");

	/* A successful parse leaves nothing to print. */
	assert_parses("tftp\n");
	policy_errors_format(&errs, out, sizeof out);
	assert_string_equal(out, "");
}

static void test_file_name_in_errors(void **state)
{
	char out[512];
	char name[POLICY_PATH_MAX + 50];

	(void)state;
	assert_int_equal(policy_parse("x\n", 2, NULL, &pol, &errs), -1);
	assert_string_equal(errs.file, "policy");
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	assert_int_equal(policy_parse("x\n", 2, name, &pol, &errs), -1);
	assert_int_equal(strlen(errs.file), POLICY_PATH_MAX - 1);
	policy_errors_format(&errs, out, sizeof out);
	assert_non_null(strstr(out, "nnnn:1:1: unknown statement"));
}

static void test_size_limit(void **state)
{
	static char big[POLICY_MAX_SIZE + 1];

	(void)state;
	memset(big, '\n', sizeof big);
	assert_parses_n(big, POLICY_MAX_SIZE, __FILE__, __LINE__);
	assert_error_n(big, sizeof big, 1, 1, "policy is too large (1048577 bytes; at most 1048576)",
		       __FILE__, __LINE__);
}

static void test_errors_argument_may_be_null(void **state)
{
	(void)state;
	assert_int_equal(policy_parse("tftp\n", 5, "t", &pol, NULL), 0);
	assert_int_equal(policy_parse("bogus\n", 6, "t", &pol, NULL), -1);
}

/* Arbitrary bytes: the parser returns, and what it reports is well formed. */
static void test_random_bytes(void **state)
{
	static const char alphabet[] = "tftp root ports \"/{}#\\\n\r\t 0123456789-.msKMG\x01\xc3\xa9";
	char text[200];
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = round % sizeof text;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned r = seed >> 16;
			text[i] = (r & 7) == 0 ? (char)(r >> 3) : alphabet[(r >> 3) % (sizeof alphabet - 1)];
		}
		if (parse_n(text, len) == 0) {
			assert_true(pol.tftp.root[0] == '/');
			assert_true(pol.tftp.port_low <= pol.tftp.port_high);
			continue;
		}
		assert_true(errs.total >= 1);
		for (size_t i = 0; i < errs.count; i++) {
			assert_true(errs.e[i].line >= 1);
			assert_true(errs.e[i].column >= 1);
			assert_true(errs.e[i].message[0] != '\0');
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_defaults),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_default_policy_file_is_embedded),
		cmocka_unit_test(test_site_example),
		cmocka_unit_test(test_empty_means_nothing_served),
		cmocka_unit_test(test_bare_tftp_enables_with_defaults),
		cmocka_unit_test(test_bare_https_enables_with_defaults),
		cmocka_unit_test(test_https_settings),
		cmocka_unit_test(test_https_plain_http),
		cmocka_unit_test(test_https_limits),
		cmocka_unit_test(test_https_errors),
		cmocka_unit_test(test_boot_over_http_needs_plain_http),
		cmocka_unit_test(test_block_and_line_forms_are_equivalent),
		cmocka_unit_test(test_interface_block_form),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_invalid_characters),
		cmocka_unit_test(test_text_is_not_nul_terminated),
		cmocka_unit_test(test_crlf_line_ends),
		cmocka_unit_test(test_columns_count_characters),
		cmocka_unit_test(test_long_tokens),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_braces),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_transfer_limits),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_upload_off_unless_given),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_interface_names),
		cmocka_unit_test(test_interface_limit),
		cmocka_unit_test(test_uid_base),
		cmocka_unit_test(test_proxy_example),
		cmocka_unit_test(test_dhcp_modes_and_defaults),
		cmocka_unit_test(test_dhcp_errors),
		cmocka_unit_test(test_dhcp_needs_statement),
		cmocka_unit_test(test_subnet_networks),
		cmocka_unit_test(test_subnet_settings),
		cmocka_unit_test(test_subnet_errors),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_kickstarts),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_deny),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_boot_paths),
		cmocka_unit_test(test_dhcp_cross_checks),
		cmocka_unit_test(test_dhcp_limits),
		cmocka_unit_test(test_dhcp_block_and_line_forms_are_equivalent),
		cmocka_unit_test(test_dhcp_recovery),
		cmocka_unit_test(test_recovery_reports_every_error),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_errors_format),
		cmocka_unit_test(test_file_name_in_errors),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_errors_argument_may_be_null),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
