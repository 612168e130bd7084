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
}

static void test_init_defaults(void **state)
{
	(void)state;
	memset(&pol, 0xa5, sizeof pol);
	policy_init(&pol);
	assert_false(pol.tftp.enabled);
	assert_documented_defaults(&pol);
}

static void test_default_policy(void **state)
{
	(void)state;
	assert_parses(policy_default_text);
	assert_true(pol.tftp.enabled);
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
			 "(expected one of: interface, sandbox, tftp)");
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
			 "unknown statement \"tftpd\" (expected one of: interface, sandbox, tftp)");
	snprintf(msg, sizeof msg, "unknown setting \"prots\" in tftp (expected one of: %s)", tftp_keys);
	assert_one_error("tftp {\n    root \"/srv/bootward/tftp\"\n  prots 4096-4351\n}\n", 3, 3, msg);
	assert_one_error("sandbox uid 5\n", 1, 9,
			 "unknown setting \"uid\" in sandbox (expected one of: uid-base)");
	assert_one_error("interface eth0 addr 10.0.0.1\n", 1, 16,
			 "unknown setting \"addr\" in interface (expected one of: address)");
	/* Keywords are case-sensitive. */
	assert_one_error("TFTP\n", 1, 1, "unknown statement \"TFTP\" (expected one of: interface, sandbox, tftp)");
	/* The block of an unknown statement is skipped whole. */
	assert_one_error("dhcp {\n  range 1 2\n  tftp\n}\ntftp\n", 1, 1,
			 "unknown statement \"dhcp\" (expected one of: interface, sandbox, tftp)");
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
		"dhcp authoritative\n"                            /* 11: unknown statement */
		"interface eth3 address 10.35.1.1\n";             /* 12: fine */
	static const struct {
		unsigned line, column;
		const char *start;
	} want[] = {
		{ 2, 24, "address 10.33.1.300 is not valid" },
		{ 4, 18, "uid-base lots is not valid" },
		{ 7, 5, "unknown setting \"prots\" in tftp" },
		{ 8, 13, "timeout 0.5s is not valid" },
		{ 11, 1, "unknown statement \"dhcp\"" },
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
