/* keys.c — load the TLS chain and key; sign and decrypt for httpsd. */
#include "broker/keys.h"
#include "common/ipc.h"

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "bootward is built against BoringSSL (android-libboringssl-dev); see DESIGN.md"
#endif
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX (256 * 1024) /* bytes of one PEM file */

struct tls_key {
	EVP_PKEY *pkey;
};

const uint16_t keys_sigalgs[] = {
	SSL_SIGN_RSA_PSS_RSAE_SHA256, SSL_SIGN_RSA_PKCS1_SHA256, SSL_SIGN_RSA_PSS_RSAE_SHA384,
	SSL_SIGN_RSA_PKCS1_SHA384,    SSL_SIGN_RSA_PSS_RSAE_SHA512, SSL_SIGN_RSA_PKCS1_SHA512,
	SSL_SIGN_RSA_PKCS1_SHA1,
};
const size_t keys_n_sigalgs = sizeof keys_sigalgs / sizeof keys_sigalgs[0];

void trust_ssl_reason(char *out, size_t cap)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, out, cap);
	else
		snprintf(out, cap, "no PEM data");
	ERR_clear_error();
}

/* Read a whole small file, refusing anything but a regular file. */
char *trust_read_file(const char *path, size_t *len, bool secret, char *err, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;

	if (fd < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > FILE_MAX) {
		snprintf(err, cap, "%s: not a regular file of 1 byte to %d KiB", path, FILE_MAX / 1024);
		goto out;
	}
	if (secret && ((st.st_mode & 077) || st.st_uid != geteuid())) {
		snprintf(err, cap, "%s: a private key must be owned by uid %u and mode 0600 "
			 "(it is mode %04o, uid %u)", path, (unsigned)geteuid(),
			 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		snprintf(err, cap, "%s: cannot read", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
out:
	close(fd);
	return buf;
}

int trust_read_certs(const char *text, size_t len, X509 **v, size_t *n, size_t max, const char *path,
		     char *err, size_t cap)
{
	BIO *bio = BIO_new_mem_buf(text, (ssize_t)len);
	size_t before = *n;
	X509 *x;

	if (!bio)
		return -1;
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (*n == max) {
			X509_free(x);
			BIO_free(bio);
			ERR_clear_error();
			snprintf(err, cap, "%s: more than %zu certificates", path, max);
			return -1;
		}
		v[(*n)++] = x;
	}
	unsigned long e = ERR_peek_last_error();
	ERR_clear_error();
	BIO_free(bio);
	/* The loop ends at the end of the data (PEM_R_NO_START_LINE) or at an error. */
	if (*n == before || (e && ERR_GET_REASON(e) != PEM_R_NO_START_LINE)) {
		snprintf(err, cap, "%s: no readable PEM certificate", path);
		return -1;
	}
	return 0;
}

static int append_pem(char **out, size_t *len, X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	const uint8_t *data;
	size_t n;
	int rc = -1;

	if (bio && PEM_write_bio_X509(bio, x) && BIO_mem_contents(bio, &data, &n)) {
		char *p = realloc(*out, *len + n + 1);
		if (p) {
			memcpy(p + *len, data, n);
			*len += n;
			p[*len] = '\0';
			*out = p;
			rc = 0;
		}
	}
	BIO_free(bio);
	return rc;
}

int trust_load_pair(const char *dir, const char *name, size_t max_key_bytes, struct trust_pair *p,
		    char *err, size_t cap)
{
	char *text[3] = { NULL, NULL, NULL };
	size_t len[3] = { 0, 0, 0 }, leaf_certs;
	const char *path[3] = { p->crt_path, p->ca_path, p->key_path };
	char why[160];
	int rc = -1;

	p->n = 0;
	p->key = NULL;
	snprintf(p->crt_path, sizeof p->crt_path, "%s/%s.crt", dir, name);
	snprintf(p->ca_path, sizeof p->ca_path, "%s/ca.crt", dir);
	snprintf(p->key_path, sizeof p->key_path, "%s/%s.key", dir, name);
	for (int i = 0; i < 3; i++)
		if (!(text[i] = trust_read_file(path[i], &len[i], i == 2, err, cap)))
			goto out;
	if (trust_read_certs(text[0], len[0], p->certs, &p->n, TRUST_CHAIN_MAX, path[0], err, cap) < 0)
		goto out;
	leaf_certs = p->n;
	if (trust_read_certs(text[1], len[1], p->certs, &p->n, TRUST_CHAIN_MAX, path[1], err, cap) < 0)
		goto out;
	if (p->n - leaf_certs != 1) {
		snprintf(err, cap, "%s: holds %zu certificates; it must hold the root CA only", path[1],
			 p->n - leaf_certs);
		goto out;
	}
	/* NAME.crt may already end with the root: keep it once. */
	if (leaf_certs > 1 && X509_cmp(p->certs[leaf_certs - 1], p->certs[p->n - 1]) == 0)
		X509_free(p->certs[--p->n]);
	BIO *bio = BIO_new_mem_buf(text[2], (ssize_t)len[2]);
	p->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (!p->key) {
		trust_ssl_reason(why, sizeof why);
		snprintf(err, cap, "%s: not a PEM private key (%s)", path[2], why);
		goto out;
	}
	if (EVP_PKEY_id(p->key) != EVP_PKEY_RSA || EVP_PKEY_bits(p->key) < 2048 ||
	    (size_t)EVP_PKEY_size(p->key) > max_key_bytes) {
		snprintf(err, cap, "%s: must be an RSA key of 2048 to %zu bits (iPXE accepts only RSA)",
			 path[2], max_key_bytes * 8);
		goto out;
	}
	if (X509_check_private_key(p->certs[0], p->key) != 1) {
		snprintf(err, cap, "%s does not match the first certificate of %s", path[2], path[0]);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		trust_pair_free(p);
	if (text[2])
		OPENSSL_cleanse(text[2], len[2]);
	for (int i = 0; i < 3; i++)
		free(text[i]);
	ERR_clear_error();
	return rc;
}

void trust_pair_free(struct trust_pair *p)
{
	for (size_t i = 0; i < p->n; i++)
		X509_free(p->certs[i]);
	p->n = 0;
	EVP_PKEY_free(p->key);
	p->key = NULL;
}

struct tls_key *keys_load(const char *dir, char **chain, size_t *chain_len, char *err, size_t cap)
{
	static struct trust_pair p; /* large paths: not on the stack */
	struct tls_key *k = NULL;

	*chain = NULL;
	*chain_len = 0;
	if (trust_load_pair(dir, "server", IPC_KEY_DATA_MAX, &p, err, cap) < 0)
		return NULL;
	for (size_t i = 0; i < p.n; i++)
		if (append_pem(chain, chain_len, p.certs[i]) < 0) {
			snprintf(err, cap, "out of memory");
			goto out;
		}
	k = calloc(1, sizeof *k);
	if (k) {
		k->pkey = p.key;
		p.key = NULL;
	}
out:
	if (!k) {
		free(*chain);
		*chain = NULL;
	}
	trust_pair_free(&p);
	return k;
}

void keys_free(struct tls_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

static bool sigalg_allowed(uint16_t alg)
{
	for (size_t i = 0; i < keys_n_sigalgs; i++)
		if (keys_sigalgs[i] == alg)
			return true;
	return false;
}

size_t keys_perform(const struct tls_key *k, unsigned op, uint16_t sigalg, const uint8_t *in,
		    size_t in_len, uint8_t *out, size_t out_cap)
{
	size_t out_len = 0;
	int ok = 0;

	if (!k || in_len == 0 || in_len > IPC_KEY_DATA_MAX)
		return 0;
	if (op == IPC_KEY_SIGN && sigalg_allowed(sigalg)) {
		const EVP_MD *md = SSL_get_signature_algorithm_digest(sigalg);
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pctx = NULL;

		out_len = out_cap;
		ok = md && ctx && out_cap >= (size_t)EVP_PKEY_size(k->pkey) &&
		     EVP_DigestSignInit(ctx, &pctx, md, NULL, k->pkey) &&
		     (!SSL_is_signature_algorithm_rsa_pss(sigalg) ||
		      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) &&
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1))) &&
		     EVP_DigestSign(ctx, out, &out_len, in, in_len);
		EVP_MD_CTX_free(ctx);
	} else if (op == IPC_KEY_DECRYPT && sigalg == 0) {
		/* RSA key exchange: BoringSSL removes the padding itself, in
		 * constant time, so the raw operation is all it asks for. */
		RSA *rsa = EVP_PKEY_get0_RSA(k->pkey);
		ok = rsa && in_len == RSA_size(rsa) &&
		     RSA_decrypt(rsa, &out_len, out, out_cap, in, in_len, RSA_NO_PADDING);
	}
	ERR_clear_error();
	return ok ? out_len : 0;
}
