/* fuzz_policy.c — the policy parser on arbitrary bytes.
 *
 * Besides surviving, a parse must keep its promises: an accepted policy is
 * within every documented limit, a rejected one reports at least one error
 * with a real position, the same input always gives the same answer, and the
 * error report is a terminated string whatever the buffer size. */
#include "policy/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                      \
	do {                             \
		if (!(cond))             \
			abort();         \
	} while (0)

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static void check_path(const char *path, bool absolute)
{
	CHECK(terminated(path, POLICY_PATH_MAX));

	size_t len = strlen(path);

	if (absolute)
		CHECK(len >= 2 && path[0] == '/' && path[len - 1] != '/');
	else if (len > 0)
		CHECK(path[0] != '/' && path[len - 1] != '/');
	CHECK(strstr(path, "//") == NULL);
	for (size_t i = 0; i < len; i++)
		CHECK((unsigned char)path[i] >= 0x20 && path[i] != 0x7f);

	/* No "." or ".." component. */
	for (const char *c = path; *c;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		CHECK(!(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		c += n;
		if (*c == '/')
			c++;
	}
}

static void check_accepted(const struct policy *p, size_t lines)
{
	const struct policy_tftp *t = &p->tftp;

	CHECK(p->n_interfaces <= POLICY_MAX_INTERFACES);
	for (size_t i = 0; i < p->n_interfaces; i++) {
		const struct policy_interface *f = &p->interfaces[i];

		CHECK(terminated(f->name, sizeof f->name));
		CHECK(strlen(f->name) >= 1 && strlen(f->name) <= 15);
		CHECK(f->address.s_addr != 0);
		for (size_t j = 0; j < i; j++) {
			CHECK(strcmp(f->name, p->interfaces[j].name) != 0);
			CHECK(f->address.s_addr != p->interfaces[j].address.s_addr);
		}
	}
	CHECK(p->uid_base >= 1 && p->uid_base <= 4294967000u);
	CHECK(lines >= 1);

	check_path(t->root, true);
	check_path(t->upload_dir, false);
	CHECK(t->port_low >= 1024 && t->port_low <= t->port_high);
	CHECK((uint32_t)t->port_high - t->port_low + 1 <= 4096);
	CHECK(t->max_transfers >= 1 && t->max_transfers <= (uint32_t)t->port_high - t->port_low + 1);
	CHECK(t->max_per_client >= 1 && t->max_per_client <= t->max_transfers);
	CHECK(t->timeout_ms >= 100 && t->timeout_ms <= 60000);
	CHECK(t->retries >= 1 && t->retries <= 50);
	CHECK(t->max_blksize >= 8 && t->max_blksize <= 65464);
	CHECK(t->max_windowsize >= 1 && t->max_windowsize <= 64);
	CHECK(t->upload_max_bytes >= 1 && t->upload_max_bytes <= 4ull << 30);
}

static void check_rejected(const struct policy_errors *errs, size_t lines)
{
	CHECK(errs->total >= 1);
	CHECK(errs->count >= 1 && errs->count <= POLICY_MAX_ERRORS && errs->count <= errs->total);
	for (size_t i = 0; i < errs->count; i++) {
		const struct policy_error *e = &errs->e[i];

		CHECK(e->line >= 1 && e->line <= lines);
		CHECK(e->column >= 1);
		CHECK(terminated(e->message, sizeof e->message));
		CHECK(e->message[0] != '\0');
	}
}

static void check_format(const struct policy_errors *errs)
{
	static char big[POLICY_MAX_ERRORS * 600];
	char small[37];

	policy_errors_format(errs, big, sizeof big);
	CHECK(terminated(big, sizeof big));
	memset(small, 'Z', sizeof small);
	policy_errors_format(errs, small, sizeof small);
	CHECK(terminated(small, sizeof small));
	CHECK(strncmp(small, big, strlen(small)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p1, p2;
	static struct policy_errors e1, e2;
	const char *text = (const char *)data;
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';

	int rc = policy_parse(text, size, "fuzz.policy", &p1, &e1);

	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		CHECK(e1.total == 0 && e1.count == 0);
		check_accepted(&p1, lines);
	} else {
		check_rejected(&e1, lines);
	}
	check_format(&e1);

	/* Deterministic, with no state kept between calls. */
	CHECK(policy_parse(text, size, "fuzz.policy", &p2, &e2) == rc);
	CHECK(memcmp(&e1, &e2, sizeof e1) == 0);
	if (rc == 0)
		CHECK(memcmp(&p1, &p2, sizeof p1) == 0);
	return 0;
}
