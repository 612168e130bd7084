/* template.c — ${name} substitution in kickstart templates (see template.h). */
#include "broker/template.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 32

static const char *const names[TV_COUNT] = {
	[TV_HOSTNAME] = "hostname", [TV_IP] = "ip",       [TV_MAC] = "mac",
	[TV_SERVER] = "server",     [TV_KS_URL] = "ks_url", [TV_DOMAIN] = "domain",
	[TV_GATEWAY] = "gateway",   [TV_NETMASK] = "netmask", [TV_DNS] = "dns",
};

const char *template_var_name(enum template_var v)
{
	return (unsigned)v < TV_COUNT ? names[v] : NULL;
}

/* Where in the text: 1-based line and column of offset at. */
static void locate(const char *t, size_t at, struct template_error *err)
{
	err->line = 1;
	err->column = 1;
	for (size_t i = 0; i < at; i++) {
		if (t[i] == '\n') {
			err->line++;
			err->column = 1;
		} else {
			err->column++;
		}
	}
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The variable of "${...}" starting at t[at] ("$" at at, "{" at at + 1).
 * Returns its index and sets *end past the "}", or -1 with err. */
static int parse_var(const char *t, size_t len, size_t at, size_t *end, struct template_error *err)
{
	size_t i = at + 2, n;

	while (i < len && t[i] != '}' && t[i] != '\n' && i - (at + 2) <= NAME_MAX_LEN)
		i++;
	n = i - (at + 2);
	locate(t, at, err);
	if (i >= len || t[i] != '}') {
		snprintf(err->message, sizeof err->message,
			 "unclosed ${ (write $${ for a literal ${, e.g. in a shell script)");
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		if (!name_char(t[at + 2 + k])) {
			snprintf(err->message, sizeof err->message,
				 "${%.*s} is not a variable (write $${ for a literal ${)", (int)n, t + at + 2);
			return -1;
		}
	}
	for (int v = 0; v < TV_COUNT; v++) {
		if (strlen(names[v]) == n && memcmp(names[v], t + at + 2, n) == 0) {
			*end = i + 1;
			return v;
		}
	}
	snprintf(err->message, sizeof err->message,
		 "unknown variable ${%.*s} (known: hostname ip mac server ks_url domain gateway netmask dns)",
		 (int)n, t + at + 2);
	return -1;
}

/* One pass for both check (out NULL) and render. */
static long walk(const char *t, size_t len, const struct template_values *vals, char *out, size_t cap,
		 struct template_error *err)
{
	size_t o = 0;

#define EMIT(p, n)                                                                \
	do {                                                                      \
		if (out) {                                                        \
			if ((n) > cap - 1 - o) {                                  \
				locate(t, i, err);                                \
				snprintf(err->message, sizeof err->message,       \
					 "rendered kickstart longer than %zu bytes", cap - 1); \
				return -1;                                        \
			}                                                         \
			memcpy(out + o, (p), (n));                                \
		}                                                                 \
		o += (n);                                                         \
	} while (0)

	if (out && cap == 0)
		return -1;
	for (size_t i = 0; i < len;) {
		if (t[i] == '\0') {
			locate(t, i, err);
			snprintf(err->message, sizeof err->message, "NUL byte in template");
			return -1;
		}
		if (t[i] != '$' || i + 1 >= len) {
			EMIT(t + i, (size_t)1);
			i++;
			continue;
		}
		if (t[i + 1] == '$' && i + 2 < len && t[i + 2] == '{') {
			EMIT("${", (size_t)2); /* $${ is a literal ${ */
			i += 3;
			continue;
		}
		if (t[i + 1] != '{') {
			EMIT(t + i, (size_t)1);
			i++;
			continue;
		}
		size_t end;
		int v = parse_var(t, len, i, &end, err);
		if (v < 0)
			return -1;
		if (vals) {
			const char *val = vals->v[v];
			if (!val) {
				locate(t, i, err);
				snprintf(err->message, sizeof err->message,
					 "${%s} has no value for this host", names[v]);
				return -1;
			}
			EMIT(val, strlen(val));
		}
		i = end;
	}
#undef EMIT
	if (out)
		out[o] = '\0';
	return (long)o;
}

int template_check(const char *t, size_t len, struct template_error *err)
{
	return walk(t, len, NULL, NULL, 0, err) < 0 ? -1 : 0;
}

long template_render(const char *t, size_t len, const struct template_values *vals, char *out,
		     size_t cap, struct template_error *err)
{
	if (!out || cap == 0) {
		snprintf(err->message, sizeof err->message, "no output buffer");
		err->line = err->column = 0;
		return -1;
	}
	return walk(t, len, vals, out, cap, err);
}
