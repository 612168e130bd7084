/* template.h — kickstart templates: text with ${name} variables.
 *
 * A template is the operator's kickstart with variables the broker fills in
 * for each host.  No code runs in a template: the only construct is
 * ${name}, where name is one of the variables below, and "$${" which
 * stands for a literal "${" (for shell variables in %post sections).  Any
 * other "$" is copied as it is, so password hashes such as "$6$salt$..."
 * need no escaping.  A variable that is not defined is an error, found at
 * `policy check` time when the template is read.
 *
 * Pure code: no syscalls, no allocation.
 */
#ifndef BOOTWARD_TEMPLATE_H
#define BOOTWARD_TEMPLATE_H

#include <stddef.h>

enum template_var {
	TV_HOSTNAME,  /* the host's name from the policy */
	TV_IP,        /* its address */
	TV_MAC,       /* aa:bb:cc:dd:ee:ff */
	TV_SERVER,    /* the boot server's address */
	TV_KS_URL,    /* the URL of this kickstart (with its token) */
	TV_DOMAIN,    /* the subnet's domain, may be empty */
	TV_GATEWAY,   /* the subnet's router, may be empty */
	TV_NETMASK,   /* dotted quad */
	TV_DNS,       /* the subnet's DNS servers, comma-separated, may be empty */
	TV_COUNT
};

/* The variable's name as written in templates ("hostname"). */
const char *template_var_name(enum template_var v);

struct template_error {
	unsigned line, column; /* 1-based, where the bad ${ starts */
	char message[96];
};

/* Values for one host; a NULL value is an undefined variable. */
struct template_values {
	const char *v[TV_COUNT];
};

/* Check a template without values: every ${...} is closed and names a known
 * variable.  Returns 0, or -1 with *err set (the first problem). */
int template_check(const char *t, size_t len, struct template_error *err);

/* Render into out (NUL-terminated; cap includes the NUL).  Returns the
 * length written, or -1 with *err set: a template error as above, an
 * undefined value, or output longer than cap - 1. */
long template_render(const char *t, size_t len, const struct template_values *vals, char *out,
		     size_t cap, struct template_error *err);

#endif
