/* kickstart.h — per-host boot scripts and kickstarts, rendered and signed
 * by the broker for requests httpsd passes on (IPC_KS_REQ).
 *
 *   /ks/boot.ipxe            the requesting host's iPXE boot script.  The
 *                            host is the policy host whose fixed address is
 *                            the client's, else the one whose MAC the
 *                            kernel's neighbour table gives for the client's
 *                            address.  It must name a kickstart with a
 *                            kernel.  The script carries a fresh token.
 *   /ks/TOKEN/ks.cfg         the host's kickstart, rendered from its template
 *   /ks/TOKEN/ks.cpio        the same as a newc archive holding /ks.cfg
 *   ... .sig, .minisig       their CMS and minisign signatures
 *
 * A wrong, forged or expired token, or a one-time token already used, is
 * 404.  A one-time token is used by the first GET of ks.cfg or ks.cpio;
 * signatures can be fetched again while the token is valid.  Tokens are
 * remembered in memory only: one-time tokens issued before the broker
 * started are refused, so a restart cannot make one usable twice.
 *
 * The signing and token keys are loaded here, in the broker; httpsd gets
 * only the bytes to send.
 */
#ifndef BOOTWARD_KICKSTART_H
#define BOOTWARD_KICKSTART_H

#include "common/ipc.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct policy;
struct ks_service; /* keys and templates for one policy */
struct ks_used;    /* one-time tokens seen; kept across reloads */

/* Load what the policy's kickstarts need from trust_dir (code-signing and
 * minisign keys, token.key) and read their templates.  Returns NULL with
 * *none set when the policy serves no kickstarts (no https or no kickstart
 * statement); NULL with a message in err on failure. */
struct ks_service *ks_open(const char *trust_dir, const struct policy *p, int *none, char *err, size_t cap);
void ks_close(struct ks_service *s);

/* started: wall-clock second the broker started. */
struct ks_used *ks_used_new(uint32_t started);
void ks_used_free(struct ks_used *u);

struct ks_reply {
	int status;    /* 200, 404, 500 or 503 */
	uint8_t *body; /* malloc'd, status 200 only */
	size_t len;
};

/* Answer one request (already checked by ipc_check) at wall-clock second
 * now, with the neighbour table's text (/proc/net/arp) for identifying a
 * host.  Writes one log record. */
void ks_answer(const struct ks_service *s, const struct policy *p, struct ks_used *used,
	       const struct ipc_ks_req *r, uint32_t now, const char *arp, size_t arp_len,
	       struct ks_reply *out);

/* ---- pure parts, exposed for tests ---- */

/* The MAC of a complete entry for a in /proc/net/arp's text.  0, or -1. */
int ks_arp_lookup(const char *text, size_t len, struct in_addr a, uint8_t mac[6]);

struct ks_script_in {
	const char *base;     /* "https://10.0.0.1" or "https://boot.example:8443" */
	const char *token;
	const char *kernel;   /* URL path */
	const char *initrd;   /* URL path or "" */
	const char *append;   /* rendered command line, may be "" */
	const char *host;     /* the policy host's name, for the comment */
	const char *mac;      /* aa:bb:cc:dd:ee:ff, for the comment */
	const char *kickstart;
	uint32_t expiry;
	int one_time;
	int verify; /* imgtrust --permanent and an imgverify per image */
};

/* The iPXE boot script: imgtrust --permanent, then kernel, initrd and
 * kickstart each fetched and verified against its .sig (without verify:
 * no imgtrust and no imgverify, for an iPXE built without
 * IMAGE_TRUST_CMD); the kickstart goes
 * in by name on BIOS (initrd ... /ks.cfg) and as ks.cpio on UEFI.
 * Returns the length written (out NUL-terminated), or -1 when it does not
 * fit in cap. */
long ks_script(char *out, size_t cap, const struct ks_script_in *in);

#endif
