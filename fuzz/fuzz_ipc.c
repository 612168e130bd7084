/* fuzz_ipc.c — what a compromised worker can send the broker: ipc_check() on
 * arbitrary bytes, in both directions, with the invariants the broker's
 * relay code relies on once a message is accepted. */
#include "common/ipc.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;

	for (int from_worker = 0; from_worker <= 1; from_worker++) {
		why = NULL;
		if (ipc_check(data, size, from_worker, &why) < 0) {
			if (!why)
				abort();
			continue;
		}
		struct ipc_hdr h;
		if (size < sizeof h || size > IPC_MSG_MAX)
			abort();
		memcpy(&h, data, sizeof h);
		if (h.len != size - sizeof h || h.flags)
			abort();
		if (from_worker && h.type == IPC_KEY_OP) {
			/* The broker hands `len` bytes after the header to the key code. */
			struct ipc_key_op k;
			if (h.len < sizeof k)
				abort();
			memcpy(&k, data + sizeof h, sizeof k);
			if (k.len == 0 || k.len > IPC_KEY_DATA_MAX || sizeof k + k.len != h.len ||
			    (k.op == IPC_KEY_SIGN) == (k.sigalg == 0) ||
			    (k.op != IPC_KEY_SIGN && k.op != IPC_KEY_DECRYPT))
				abort();
		} else if (!from_worker && h.type == IPC_KEY_RESULT) {
			/* httpsd copies `len` bytes into a buffer of IPC_KEY_DATA_MAX. */
			struct ipc_key_result r;
			if (h.len < sizeof r)
				abort();
			memcpy(&r, data + sizeof h, sizeof r);
			if (r.len > IPC_KEY_DATA_MAX || sizeof r + r.len != h.len || r.ok > 1 || (!r.ok && r.len))
				abort();
		} else if (from_worker && h.type == IPC_KS_REQ) {
			/* The broker uses token and host as C strings in URLs
			 * and in iPXE script lines. */
			struct ipc_ks_req r;
			if (h.len != sizeof r)
				abort();
			memcpy(&r, data + sizeof h, sizeof r);
			if (!memchr(r.token, 0, sizeof r.token) || !memchr(r.host, 0, sizeof r.host) ||
			    r.what < IPC_KS_SCRIPT || r.what > IPC_KS_WHAT_MAX ||
			    (!r.token[0]) != (r.what == IPC_KS_SCRIPT))
				abort();
			for (const char *c = r.host; *c; c++)
				if (*c <= ' ' || *c > '~' || *c == '/' || *c == '"' || *c == '\\' || *c == '$')
					abort();
			for (const char *c = r.token; *c; c++)
				if (*c <= ' ' || *c > '~' || *c == '/' || *c == '$' || *c == '.')
					abort();
		} else if (!from_worker && h.type == IPC_KS_RESULT) {
			struct ipc_ks_result r;
			if (h.len != sizeof r)
				abort();
			memcpy(&r, data + sizeof h, sizeof r);
			if (r.status != 200 && r.status != 404 && r.status != 500 && r.status != 503)
				abort();
		} else if (from_worker) {
			/* The broker copies the text into a buffer of IPC_LOG_MAX + 1. */
			if (h.type != IPC_LOG || h.len < 2 || h.len - 1 > IPC_LOG_MAX)
				abort();
			if (data[sizeof h] > LOG_LEVEL_DEBUG)
				abort();
			for (size_t i = sizeof h + 1; i < size; i++)
				if (data[i] < 0x20 || data[i] > 0x7e)
					abort();
		}
	}
	/* Quoting untrusted values always yields a NUL-terminated string that fits. */
	char out[128];
	log_quote(out, sizeof out, (const char *)data, size);
	if (strlen(out) >= sizeof out)
		abort();
	return 0;
}
