/* keys.h — the TLS server key, held by the broker only.
 *
 * httpsd never sees the private key: during a handshake it asks the broker,
 * over its IPC channel, to sign or decrypt one block, and the broker answers
 * through keys_perform().  The broker checks each request (kind, signature
 * algorithm, length) before touching the key.
 *
 * Files, in the state directory's trust/ directory:
 *   server.crt   the server certificate first, then any intermediates (PEM)
 *   ca.crt       the root CA (PEM); appended to the chain sent to clients,
 *                because iPXE trusts a root by its fingerprint and needs it
 *                in the chain
 *   server.key   the RSA private key (PEM), mode 0600, owned by root
 */
#ifndef BOOTWARD_KEYS_H
#define BOOTWARD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tls_key; /* opaque: the loaded private key */

/* Load and cross-check the chain and key from `trust_dir`.  On success
 * returns the key and sets *chain (malloc'd PEM text: leaf first, root last)
 * and *chain_len.  On failure writes a message for the operator into err
 * and returns NULL. */
struct tls_key *keys_load(const char *trust_dir, char **chain, size_t *chain_len,
			  char *err, size_t err_cap);

void keys_free(struct tls_key *k);

/* One private-key operation: op and sigalg as in struct ipc_key_op.  Returns
 * the number of bytes written to out (at most out_cap), or 0 when the request
 * is refused (unknown algorithm, wrong length) or fails. */
size_t keys_perform(const struct tls_key *k, unsigned op, uint16_t sigalg, const uint8_t *in,
		    size_t in_len, uint8_t *out, size_t out_cap);

/* Helpers for the files of STATE/trust, shared with trust.c and sign.c. */

/* The last BoringSSL error as text (or "no PEM data"); clears the queue. */
void trust_ssl_reason(char *out, size_t cap);

/* Read a whole small regular file (no symlink).  With secret, the file must
 * be owned by the effective uid and unreadable by group and others.
 * Returns malloc'd, NUL-terminated contents and *len, or NULL with a
 * message naming the file in err. */
char *trust_read_file(const char *path, size_t *len, bool secret, char *err, size_t cap);

/* Append the PEM certificates of text to v[*n] (at most max in all).
 * Returns 0, or -1 with a message naming path when there is none, one
 * does not parse, or there are more than max. */
struct x509_st;
int trust_read_certs(const char *text, size_t len, struct x509_st **v, size_t *n, size_t max,
		     const char *path, char *err, size_t cap);

/* A certificate chain and its RSA key from a trust directory: NAME.crt
 * (the certificate, then any intermediates), ca.crt (the root alone,
 * appended unless NAME.crt already ends with it) and NAME.key (secret, as
 * trust_read_file() checks it).  The key must be RSA, 2048 bits up to
 * max_key_bytes * 8 bits, and match the first certificate. */
#define TRUST_CHAIN_MAX 8
#define TRUST_PATH_MAX 4096
struct evp_pkey_st;
struct trust_pair {
	struct x509_st *certs[TRUST_CHAIN_MAX]; /* leaf first, root last */
	size_t n;
	struct evp_pkey_st *key;
	char crt_path[TRUST_PATH_MAX], ca_path[TRUST_PATH_MAX], key_path[TRUST_PATH_MAX];
};

/* Returns 0, or -1 with a message naming the file in err (then nothing
 * is held). */
int trust_load_pair(const char *dir, const char *name, size_t max_key_bytes, struct trust_pair *p,
		    char *err, size_t cap);
void trust_pair_free(struct trust_pair *p);

/* The TLS signature algorithms the key may be used with, in preference order
 * (RSA-PSS, then PKCS#1 v1.5; SHA-1 last, for old clients). */
extern const uint16_t keys_sigalgs[];
extern const size_t keys_n_sigalgs;

#endif
