/* fuzz_template.c — kickstart templates are operator text, but a mistake in
 * one must give an error, never a crash or an overflow.  Arbitrary bytes are
 * checked and rendered into a buffer whose size the first byte chooses; the
 * two must agree, and a rendering must fit and match its length. */
#include "broker/template.h"

#include <stdint.h>

#include <stdlib.h>
#include <string.h>

static const struct template_values host = { .v = {
	[TV_HOSTNAME] = "web01", [TV_IP] = "10.33.1.20", [TV_MAC] = "00:0c:29:f6:07:ca",
	[TV_SERVER] = "10.33.1.1", [TV_KS_URL] = "https://10.33.1.1/ks/t/ks.cfg", [TV_DOMAIN] = "",
	[TV_GATEWAY] = "10.33.1.254", [TV_NETMASK] = "255.255.0.0", [TV_DNS] = "10.33.1.1",
} };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[1 << 16];
	struct template_error err;

	if (size < 1)
		return 0;
	size_t cap = (size_t)data[0] * 64 + 1;
	const char *t = (const char *)data + 1;
	size_t len = size - 1;
	int checked = template_check(t, len, &err);
	if (checked < 0 && (err.line == 0 || err.column == 0 || !memchr(err.message, '\0', sizeof err.message)))
		abort();
	long n = template_render(t, len, &host, out, cap, &err);
	if (n >= 0) {
		if (checked < 0 || (size_t)n >= cap || strlen(out) != (size_t)n)
			abort();
	} else if (checked == 0) {
		/* Every value is defined, so a valid template fails only for
		 * room: with all of it (no value is longer than 64 bytes) it
		 * renders. */
		if (len < sizeof out / 64 && template_render(t, len, &host, out, sizeof out, &err) < 0)
			abort();
	}
	return 0;
}
