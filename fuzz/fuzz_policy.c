/* fuzz_policy.c — the policy parser on arbitrary bytes.
 *
 * Besides surviving, a parse must keep its promises: an accepted policy is
 * within every documented limit, a rejected one reports at least one error
 * with a real position, the same input always gives the same answer, and the
 * error report is a terminated string whatever the buffer size.
 *
 * struct policy is large (room for every host); only the parts in use are
 * compared, so that a run costs about the two parses. */
#include "policy/policy.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Letters, digits and '-', not at either end; 1..63 characters. */
static void check_label(const char *s, size_t len)
{
	CHECK(len >= 1 && len <= 63);
	CHECK(s[0] != '-' && s[len - 1] != '-');
	for (size_t i = 0; i < len; i++)
		CHECK(alnum(s[i]) || s[i] == '-');
}

static void check_domain(const char *d)
{
	CHECK(terminated(d, POLICY_HOSTNAME_MAX));
	if (d[0] == '\0')
		return;
	for (const char *c = d;;) {
		const char *dot = strchr(c, '.');
		size_t n = dot ? (size_t)(dot - c) : strlen(c);

		check_label(c, n);
		if (!dot)
			break;
		c = dot + 1;
	}
}

/* A class or kickstart name. */
static void check_name(const char *s, bool may_be_empty)
{
	CHECK(terminated(s, POLICY_NAME_MAX));

	size_t len = strlen(s);

	CHECK(len > 0 || may_be_empty);
	if (len > 0)
		CHECK(alnum(s[0]));
	for (size_t i = 0; i < len; i++)
		CHECK(alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-');
}

/* Every "${" opens one of the known variables. */
static void check_variables(const char *path)
{
	static const char *const known[] = { "${class}", "${mac}", "${hostname}", "${ip}", "${arch}" };

	for (const char *v = strstr(path, "${"); v; v = strstr(v + 2, "${")) {
		size_t k = 0;

		while (k < sizeof known / sizeof known[0] && strncmp(v, known[k], strlen(known[k])) != 0)
			k++;
		CHECK(k < sizeof known / sizeof known[0]);
	}
}

static void check_boot(const struct policy_boot *b, bool required)
{
	CHECK(terminated(b->path, sizeof b->path));
	switch (b->proto) {
	case POLICY_BOOT_NONE:
		CHECK(!required && b->path[0] == '\0');
		return;
	case POLICY_BOOT_TFTP:
		CHECK(b->path[0] != '\0' && strchr(b->path, '\\') == NULL);
		check_path(b->path, false);
		break;
	case POLICY_BOOT_HTTP:
	case POLICY_BOOT_HTTPS:
		CHECK(b->path[0] == '/');
		for (const char *c = b->path; *c; c++)
			CHECK(*c > ' ' && *c < 0x7f && *c != '"' && *c != '\\');
		break;
	default:
		CHECK(false);
	}
	check_variables(b->path);
}

static bool unicast(struct in_addr in)
{
	uint32_t a = ntohl(in.s_addr);

	return a >> 24 != 0 && a >> 24 != 127 && a >> 28 < 0xe;
}

static uint32_t first_of(const struct policy_subnet *s)
{
	return ntohl(s->network.s_addr);
}

static uint32_t last_of(const struct policy_subnet *s)
{
	return first_of(s) | (0xffffffffu >> s->prefix_len);
}

/* A host address of s: inside, and neither its network nor its broadcast address. */
static bool inside(const struct policy_subnet *s, struct in_addr in)
{
	uint32_t a = ntohl(in.s_addr);

	return a > first_of(s) && a < last_of(s);
}

static bool in_range(const struct policy_subnet *s, struct in_addr in)
{
	uint32_t a = ntohl(in.s_addr);

	return s->range_low.s_addr != 0 && a >= ntohl(s->range_low.s_addr) && a <= ntohl(s->range_high.s_addr);
}

static void check_subnet(const struct policy_dhcp *d, size_t i)
{
	const struct policy_subnet *s = &d->subnets[i];

	CHECK(s->prefix_len >= 8 && s->prefix_len <= 30);
	CHECK((first_of(s) & (0xffffffffu >> s->prefix_len)) == 0);
	CHECK(unicast(s->network));
	for (size_t j = 0; j < i; j++) {
		const struct policy_subnet *o = &d->subnets[j];

		CHECK(last_of(s) < first_of(o) || first_of(s) > last_of(o));
	}
	if (s->range_low.s_addr == 0) {
		CHECK(s->range_high.s_addr == 0);
	} else {
		CHECK(d->mode == POLICY_DHCP_AUTHORITATIVE);
		CHECK(inside(s, s->range_low) && inside(s, s->range_high));
		CHECK(ntohl(s->range_low.s_addr) <= ntohl(s->range_high.s_addr));
	}
	if (s->router.s_addr != 0)
		CHECK(inside(s, s->router) && !in_range(s, s->router));
	CHECK(s->n_dns <= POLICY_MAX_DNS);
	for (size_t k = 0; k < s->n_dns; k++) {
		CHECK(unicast(s->dns[k]));
		for (size_t m = 0; m < k; m++)
			CHECK(s->dns[k].s_addr != s->dns[m].s_addr);
	}
	CHECK(all_zero(&s->dns[s->n_dns], (POLICY_MAX_DNS - s->n_dns) * sizeof s->dns[0]));
	check_domain(s->domain);
	CHECK(s->lease_s >= 60 && s->lease_s <= 365u * 86400);

	uint32_t renew = s->renew_s ? s->renew_s : s->lease_s / 2;
	uint32_t rebind = s->rebind_s ? s->rebind_s : s->lease_s * 7 / 8;

	CHECK(renew < rebind && rebind < s->lease_s);
}

static void check_host(const struct policy_dhcp *d, size_t i)
{
	static const uint8_t zero[6];
	const struct policy_host *h = &d->hosts[i];

	CHECK(terminated(h->name, sizeof h->name));
	check_label(h->name, strlen(h->name));
	CHECK(memcmp(h->mac, zero, 6) != 0 && (h->mac[0] & 1) == 0);
	if (h->address.s_addr != 0) {
		CHECK(unicast(h->address));
		if (d->mode == POLICY_DHCP_AUTHORITATIVE) {
			size_t in = 0;

			for (size_t j = 0; j < d->n_subnets; j++) {
				in += inside(&d->subnets[j], h->address);
				CHECK(!in_range(&d->subnets[j], h->address));
			}
			CHECK(in == 1);
		}
	}
	check_name(h->kickstart, true);
	check_boot(&h->boot, false);
	for (size_t j = 0; j < i; j++) {
		CHECK(strcasecmp(h->name, d->hosts[j].name) != 0);
		CHECK(memcmp(h->mac, d->hosts[j].mac, 6) != 0);
		CHECK(h->address.s_addr == 0 || h->address.s_addr != d->hosts[j].address.s_addr);
	}
}

static void check_class(const struct policy_dhcp *d, size_t i)
{
	const struct policy_class *c = &d->classes[i];

	check_name(c->name, false);
	CHECK(c->n_arch <= POLICY_MAX_ARCH);
	for (size_t k = 0; k < c->n_arch; k++)
		for (size_t m = 0; m < k; m++)
			CHECK(c->arch[k] != c->arch[m]);
	CHECK(all_zero(&c->arch[c->n_arch], (POLICY_MAX_ARCH - c->n_arch) * sizeof c->arch[0]));
	CHECK(terminated(c->user_class, sizeof c->user_class));
	CHECK(terminated(c->vendor_class, sizeof c->vendor_class));
	check_boot(&c->boot, true);
	for (size_t j = 0; j < i; j++) {
		const struct policy_class *o = &d->classes[j];

		CHECK(strcmp(c->name, o->name) != 0);
		/* Nothing follows a class that matches every client. */
		CHECK(o->n_arch || o->user_class[0] || o->vendor_class[0]);
	}
}

static void check_dhcp(const struct policy_dhcp *d)
{
	CHECK(d->mode == POLICY_DHCP_OFF || d->mode == POLICY_DHCP_AUTHORITATIVE || d->mode == POLICY_DHCP_PROXY);
	CHECK(d->offer_hold_s >= 5 && d->offer_hold_s <= 3600);
	CHECK(d->max_discover_per_s >= 1 && d->max_discover_per_s <= 100000);
	CHECK(d->max_discover_per_mac_s >= 1 && d->max_discover_per_mac_s <= 100);
	CHECK(d->max_discover_per_mac_s <= d->max_discover_per_s);
	CHECK(d->next_server.s_addr == 0 || unicast(d->next_server));
	CHECK(d->n_subnets <= POLICY_MAX_SUBNETS && d->n_hosts <= POLICY_MAX_HOSTS);
	CHECK(d->n_deny <= POLICY_MAX_DENY && d->n_classes <= POLICY_MAX_CLASSES);
	if (d->mode == POLICY_DHCP_OFF)
		CHECK(d->n_subnets == 0 && d->n_hosts == 0 && d->n_deny == 0 && d->n_classes == 0);
	if (d->mode == POLICY_DHCP_AUTHORITATIVE)
		CHECK(d->n_subnets >= 1);
	for (size_t i = 0; i < d->n_subnets; i++)
		check_subnet(d, i);
	for (size_t i = 0; i < d->n_hosts; i++)
		check_host(d, i);
	for (size_t i = 0; i < d->n_deny; i++) {
		CHECK(!all_zero(d->deny[i], 6) && (d->deny[i][0] & 1) == 0);
		for (size_t j = 0; j < i; j++)
			CHECK(memcmp(d->deny[i], d->deny[j], 6) != 0);
		for (size_t j = 0; j < d->n_hosts; j++)
			CHECK(memcmp(d->deny[i], d->hosts[j].mac, 6) != 0);
	}
	for (size_t i = 0; i < d->n_classes; i++)
		check_class(d, i);

	/* The first slot past each count was never written. */
	if (d->n_subnets < POLICY_MAX_SUBNETS)
		CHECK(all_zero(&d->subnets[d->n_subnets], sizeof d->subnets[0]));
	if (d->n_hosts < POLICY_MAX_HOSTS)
		CHECK(all_zero(&d->hosts[d->n_hosts], sizeof d->hosts[0]));
	if (d->n_deny < POLICY_MAX_DENY)
		CHECK(all_zero(d->deny[d->n_deny], sizeof d->deny[0]));
	if (d->n_classes < POLICY_MAX_CLASSES)
		CHECK(all_zero(&d->classes[d->n_classes], sizeof d->classes[0]));
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
	const struct policy_https *h = &p->https;
	check_path(h->root, true);
	CHECK(h->port >= 1 && h->plain_port != h->port);
	CHECK(h->ciphers == POLICY_CIPHERS_COMPATIBLE || h->ciphers == POLICY_CIPHERS_FORWARD_SECRET);
	CHECK(h->max_connections >= 1 && h->max_connections <= 8000);
	CHECK(h->max_per_client >= 1 && h->max_per_client <= h->max_connections);
	CHECK(h->header_timeout_ms >= 1000 && h->header_timeout_ms <= 300000);
	CHECK(h->idle_timeout_ms >= 1000 && h->idle_timeout_ms <= 3600000);
	CHECK(h->key_ops_rate >= 1 && h->key_ops_rate <= 100000);
	CHECK(p->n_kickstarts <= POLICY_MAX_KICKSTARTS);
	for (size_t i = 0; i < p->n_kickstarts; i++) {
		const struct policy_kickstart *k = &p->kickstarts[i];
		CHECK(terminated(k->name, sizeof k->name) && k->name[0]);
		check_path(k->template_path, true);
		CHECK(k->lifetime_s >= 60 && k->lifetime_s <= 7 * 86400);
		/* initrd, append and verify belong to a kernel */
		if (!k->kernel[0])
			CHECK(!k->initrd[0] && !k->append[0] && k->verify);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(k->name, p->kickstarts[j].name) != 0);
	}
	for (size_t i = 0; i < p->dhcp.n_hosts; i++) {
		const char *ks = p->dhcp.hosts[i].kickstart;
		bool found = !ks[0];
		for (size_t k = 0; k < p->n_kickstarts && !found; k++)
			found = strcmp(p->kickstarts[k].name, ks) == 0;
		CHECK(found);
	}
	check_dhcp(&p->dhcp);
}

/* Equal in everything in use: the fields before the DHCP tables, the counts,
 * and the tables up to their counts. */
static bool same_policy(const struct policy *a, const struct policy *b)
{
	const struct policy_dhcp *x = &a->dhcp, *y = &b->dhcp;

	_Static_assert(offsetof(struct policy, dhcp) + sizeof(struct policy_dhcp) == sizeof(struct policy),
		       "dhcp is not the last part of struct policy");
	return memcmp(a, b, offsetof(struct policy, dhcp) + offsetof(struct policy_dhcp, subnets)) == 0 &&
	       x->n_subnets == y->n_subnets && x->n_hosts == y->n_hosts && x->n_deny == y->n_deny &&
	       x->n_classes == y->n_classes &&
	       memcmp(x->subnets, y->subnets, x->n_subnets * sizeof x->subnets[0]) == 0 &&
	       memcmp(x->hosts, y->hosts, x->n_hosts * sizeof x->hosts[0]) == 0 &&
	       memcmp(x->deny, y->deny, x->n_deny * sizeof x->deny[0]) == 0 &&
	       memcmp(x->classes, y->classes, x->n_classes * sizeof x->classes[0]) == 0;
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
		CHECK(same_policy(&p1, &p2));
	return 0;
}
