/* sign.h — detached signatures of boot files: CMS SignedData for iPXE's
 * imgverify (FILE.sig) and Ed25519 in minisign's format (FILE.minisig).
 * The signing keys live in STATE/trust and are read by root-run commands
 * only (`bootward sign`, the broker); no network-facing process has them.
 *
 * Files, in the trust directory:
 *   codesign.key   RSA private key (PEM, 2048 to 16384 bits), 0600, root's
 *   codesign.crt   its certificate (PEM), then any intermediates; keyUsage
 *                  digitalSignature and extendedKeyUsage codeSigning, both
 *                  of which iPXE requires
 *   ca.crt         the root CA (PEM) the certificate chains to; copied into
 *                  every CMS signature, as iPXE needs the whole chain there
 *   minisign.key   "bootward-minisign-v1 KEYID SECRET\n": KEYID as minisign
 *                  prints key ids (16 upper-case hex digits of the 8 id
 *                  bytes read as a little-endian number), SECRET the 64-byte
 *                  libsodium Ed25519 secret key (seed || public key) in
 *                  lower-case hex; 0600, root's
 *   minisign.pub   minisign's public key file: "untrusted comment: minisign
 *                  public key KEYID" and base64("Ed" || id || public key)
 *
 * FILE.minisig is minisign's prehashed format ("ED": Ed25519 over the
 * BLAKE2b-512 of the file), with the trusted comment
 * "timestamp:UNIXTIME\tfile:BASENAME" signed together with the signature. */
#ifndef BOOTWARD_SIGN_H
#define BOOTWARD_SIGN_H

#include <stddef.h>
#include <stdint.h>

struct sign_keys; /* opaque: the loaded keys and certificates */

/* Create trust_dir/minisign.key (secret, 0600) and trust_dir/minisign.pub
 * (minisign's public key format) unless both exist.  Returns 1 when
 * created, 0 when they were there already, -1 with a message in err. */
int sign_minisign_keygen(const char *trust_dir, char *err, size_t cap);

/* Load and check every signing file in trust_dir (see above): the key
 * matches the certificate, the certificate may sign code and chains to
 * ca.crt, the minisign pair matches.  NULL with a message naming the file
 * in err on any problem. */
struct sign_keys *sign_keys_load(const char *trust_dir, char *err, size_t cap);
void sign_keys_free(struct sign_keys *k);

/* The CMS signature (DER) of data: *sig is malloc'd.  0, or -1. */
int sign_cms(const struct sign_keys *k, const uint8_t *data, size_t len, uint8_t **sig,
	     size_t *sig_len);

/* The minisign signature file of data, with `name` (a base name without
 * control characters, at most 255 bytes) in the trusted comment: *out is a
 * malloc'd NUL-terminated text of *out_len bytes.  0, or -1. */
int sign_minisig(const struct sign_keys *k, const uint8_t *data, size_t len, const char *name,
		 char **out, size_t *out_len);

/* Sign the file at path, read once: write path.sig and path.minisig next to
 * it (each atomically, mode 0644).  sha256 receives the file's digest.
 * 0, or -1 with a message in err. */
int sign_file(const struct sign_keys *k, const char *path, uint8_t sha256[32], char *err,
	      size_t cap);

#endif
