/* sign.c — `bootward sign`: detached CMS and minisign signatures of boot
 * files, with the keys in STATE/trust (see sign.h for the files). */
#include "broker/sign.h"
#include "broker/keys.h"
#include "broker/broker.h"
#include "common/cms.h"

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "bootward is built against BoringSSL (android-libboringssl-dev); see DESIGN.md"
#endif
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PEM_FILE_MAX (256 * 1024)
#define MINISIGN_MAGIC "bootward-minisign-v1"
#define MINISIGN_NAME_MAX 255
#define KEYID_HEX 16 /* as minisign prints a key id */

_Static_assert(CMS_CERTS_MAX >= TRUST_CHAIN_MAX, "a trust chain must fit a CMS signature");

struct sign_keys {
	EVP_PKEY *pkey;
	uint8_t *der[CMS_CERTS_MAX]; /* [0] the signer, then the chain, root last */
	size_t der_len[CMS_CERTS_MAX];
	size_t n_der;
	uint8_t keyid[8];
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
};

static const char sign_usage[] =
	"usage: bootward sign [--state DIR] FILE...\n"
	"\n"
	"Write FILE.sig (CMS, for iPXE's imgverify) and FILE.minisig (minisign) next to\n"
	"each FILE, with the code-signing and minisign keys in DIR/trust (default state\n"
	"directory: /var/lib/bootward).  Needs root.  A missing minisign key pair is\n"
	"created first (`bootward trust init` normally does that).  See bootward(8).\n";

/* ---- small files --------------------------------------------------------- */


static void free_secret(char *buf, size_t len)
{
	if (buf) {
		sodium_memzero(buf, len);
		free(buf);
	}
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (n == 0)
		snprintf(dir, sizeof dir, "/");
	else if (n < sizeof dir)
		snprintf(dir, sizeof dir, "%.*s", (int)n, path);
	else
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Write path atomically: a new temporary file beside it (O_EXCL), synced,
 * then renamed over it.  With no_replace an existing path is an error
 * (EEXIST) instead of being replaced. */
static int write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			bool no_replace, char *err, size_t cap)
{
	char tmp[PATH_MAX];
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= sizeof tmp) {
		snprintf(err, cap, "%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, cap, "%s: cannot create a temporary file beside it: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		snprintf(err, cap, "%s: cannot write %s: %s", path, tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (no_replace) {
		rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
		if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* No RENAME_NOREPLACE on this file system: link() never replaces. */
			rc = link(tmp, path);
			unlink(tmp);
		}
	} else {
		rc = rename(tmp, path);
	}
	if (rc < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	fsync_parent(path);
	return 0;
}

/* ---- minisign keys ------------------------------------------------------- */

/* minisign prints a key id as the 8 bytes read as a little-endian number. */
static void keyid_hex(const uint8_t id[8], char out[KEYID_HEX + 1])
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | id[i];
	snprintf(out, KEYID_HEX + 1, "%016" PRIX64, v);
}

static int keyid_parse(const char *hex, uint8_t id[8])
{
	uint64_t v = 0;

	for (int i = 0; i < KEYID_HEX; i++) {
		char c = hex[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
		if (d == 16)
			return -1;
		v = (v << 4) | d;
	}
	for (int i = 0; i < 8; i++, v >>= 8)
		id[i] = (uint8_t)v;
	return 0;
}

/* Parse minisign.key's one line into id and sk. */
static int minisign_key_parse(const char *text, size_t len, uint8_t id[8],
			      uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	const size_t magic = sizeof MINISIGN_MAGIC - 1;
	const size_t want = magic + 1 + KEYID_HEX + 1 + 2 * crypto_sign_SECRETKEYBYTES + 1;
	size_t bin_len = 0;

	if (len != want || memcmp(text, MINISIGN_MAGIC, magic) != 0 || text[magic] != ' ' ||
	    text[magic + 1 + KEYID_HEX] != ' ' || text[len - 1] != '\n' ||
	    keyid_parse(text + magic + 1, id) < 0)
		return -1;
	const char *hex = text + magic + 1 + KEYID_HEX + 1;
	for (size_t i = 0; i < 2 * crypto_sign_SECRETKEYBYTES; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return -1;
	if (sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex, 2 * crypto_sign_SECRETKEYBYTES,
			   NULL, &bin_len, NULL) != 0 ||
	    bin_len != crypto_sign_SECRETKEYBYTES)
		return -1;
	/* The seed must yield the public half stored after it. */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pk, sk2, sk);
	int rc = sodium_memcmp(sk, sk2, sizeof sk2) == 0 ? 0 : -1;
	sodium_memzero(sk2, sizeof sk2);
	return rc;
}

#define PUB_B64_LEN sodium_base64_ENCODED_LEN(2 + 8 + crypto_sign_PUBLICKEYBYTES, \
					    sodium_base64_VARIANT_ORIGINAL)

/* minisign.pub's key line: base64("Ed" || id || the public half of sk). */
static void minisign_pub_b64(const uint8_t id[8], const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			     char out[PUB_B64_LEN])
{
	uint8_t blob[2 + 8 + crypto_sign_PUBLICKEYBYTES];

	blob[0] = 'E';
	blob[1] = 'd';
	memcpy(blob + 2, id, 8);
	crypto_sign_ed25519_sk_to_pk(blob + 10, sk);
	sodium_bin2base64(out, PUB_B64_LEN, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
}

/* minisign.pub's text for id and the public half of sk. */
static int minisign_pub_text(const uint8_t id[8], const uint8_t sk[crypto_sign_SECRETKEYBYTES],
			     char *out, size_t cap)
{
	char b64[PUB_B64_LEN];
	char idhex[KEYID_HEX + 1];

	minisign_pub_b64(id, sk, b64);
	keyid_hex(id, idhex);
	int n = snprintf(out, cap, "untrusted comment: minisign public key %s\n%s\n", idhex, b64);
	return n > 0 && (size_t)n < cap ? n : -1;
}

int sign_minisign_keygen(const char *trust_dir, char *err, size_t cap)
{
	char key_path[PATH_MAX], pub_path[PATH_MAX], pub[256];
	char line[sizeof MINISIGN_MAGIC + 1 + KEYID_HEX + 1 + 2 * crypto_sign_SECRETKEYBYTES + 2];
	uint8_t id[8], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char idhex[KEYID_HEX + 1];
	struct stat st;
	int rc = -1;

	if (sodium_init() < 0) {
		snprintf(err, cap, "libsodium cannot initialise");
		return -1;
	}
	if ((size_t)snprintf(key_path, sizeof key_path, "%s/minisign.key", trust_dir) >=
		    sizeof key_path ||
	    (size_t)snprintf(pub_path, sizeof pub_path, "%s/minisign.pub", trust_dir) >=
		    sizeof pub_path) {
		snprintf(err, cap, "%s: path too long", trust_dir);
		return -1;
	}
	bool have_key = lstat(key_path, &st) == 0;
	if (!have_key && errno != ENOENT) {
		snprintf(err, cap, "%s: %s", key_path, strerror(errno));
		return -1;
	}
	bool have_pub = lstat(pub_path, &st) == 0;
	if (!have_pub && errno != ENOENT) {
		snprintf(err, cap, "%s: %s", pub_path, strerror(errno));
		return -1;
	}
	if (have_key && have_pub)
		return 0;
	if (!have_key && have_pub) {
		snprintf(err, cap, "%s exists without %s; move it away to make a new key pair "
			 "(clients that trust it will need the new one)", pub_path, key_path);
		return -1;
	}
	if (have_key) {
		/* Only the public half is missing: write it again from the key. */
		size_t len;
		char *text = trust_read_file(key_path, &len, true, err, cap);
		if (!text)
			return -1;
		rc = minisign_key_parse(text, len, id, sk);
		free_secret(text, len);
		if (rc < 0) {
			snprintf(err, cap, "%s: not a bootward minisign key", key_path);
			goto out;
		}
	} else {
		crypto_sign_keypair(pk, sk);
		randombytes_buf(id, sizeof id);
		keyid_hex(id, idhex);
		int n = snprintf(line, sizeof line, MINISIGN_MAGIC " %s ", idhex);
		sodium_bin2hex(line + n, sizeof line - (size_t)n, sk, sizeof sk);
		n += 2 * (int)sizeof sk;
		line[n++] = '\n';
		line[n] = '\0';
		rc = write_atomic(key_path, line, (size_t)n, 0600, true, err, cap);
		sodium_memzero(line, sizeof line);
		if (rc < 0)
			goto out;
	}
	rc = -1;
	int n = minisign_pub_text(id, sk, pub, sizeof pub);
	if (n < 0 || write_atomic(pub_path, pub, (size_t)n, 0644, true, err, cap) < 0)
		goto out;
	rc = 1;
out:
	sodium_memzero(sk, sizeof sk);
	return rc;
}

static int load_minisign(struct sign_keys *k, const char *dir, char *err, size_t cap)
{
	char key_path[PATH_MAX], pub_path[PATH_MAX], want[PUB_B64_LEN];
	size_t key_len = 0, pub_len = 0;
	char *key = NULL, *pub = NULL;
	int rc = -1;

	snprintf(key_path, sizeof key_path, "%s/minisign.key", dir);
	snprintf(pub_path, sizeof pub_path, "%s/minisign.pub", dir);
	if (!(key = trust_read_file(key_path, &key_len, true, err, cap)) ||
	    !(pub = trust_read_file(pub_path, &pub_len, false, err, cap)))
		goto out;
	if (minisign_key_parse(key, key_len, k->keyid, k->ed_sk) < 0) {
		snprintf(err, cap, "%s: not a bootward minisign key (one line: \"" MINISIGN_MAGIC
			 " KEYID SECRET-KEY-HEX\")", key_path);
		goto out;
	}
	/* The published key must be this key: its second line, exactly. */
	minisign_pub_b64(k->keyid, k->ed_sk, want);
	const char *nl = memchr(pub, '\n', pub_len);
	size_t line_len = nl ? strcspn(nl + 1, "\r\n") : 0;
	if (strncmp(pub, "untrusted comment: ", 19) != 0 || !nl || line_len != strlen(want) ||
	    memcmp(nl + 1, want, line_len) != 0) {
		snprintf(err, cap, "%s does not hold the public key of %s", pub_path, key_path);
		goto out;
	}
	rc = 0;
out:
	free_secret(key, key_len);
	free(pub);
	return rc;
}

/* ---- the code-signing key and certificates ------------------------------- */



/* What iPXE's imgverify demands of the signer (src/crypto/cms.c): a
 * keyUsage with digitalSignature and an extendedKeyUsage with codeSigning.
 * iPXE treats a missing extension as no usage at all, so both must be there. */
static int check_code_signing(X509 *x, const char *path, char *err, size_t cap)
{
	uint32_t flags = X509_get_extension_flags(x);

	if (flags & EXFLAG_INVALID) {
		snprintf(err, cap, "%s: the certificate's extensions cannot be parsed", path);
		return -1;
	}
	if (!(flags & EXFLAG_KUSAGE) || !(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE)) {
		snprintf(err, cap, "%s: keyUsage does not include digitalSignature; iPXE refuses "
			 "signatures made with such a certificate", path);
		return -1;
	}
	if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(x) & XKU_CODE_SIGN)) {
		snprintf(err, cap, "%s: extendedKeyUsage does not include codeSigning; iPXE refuses "
			 "signatures made with such a certificate", path);
		return -1;
	}
	return 0;
}

/* The signer must chain to ca.crt now, or iPXE will not accept it either. */
static int check_chain(X509 **certs, size_t n, const char *path, const char *ca_path, char *err,
		       size_t cap)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int rc = -1;

	if (!store || !ctx || !untrusted || !X509_STORE_add_cert(store, certs[n - 1])) {
		snprintf(err, cap, "out of memory");
		goto out;
	}
	for (size_t i = 1; i + 1 < n; i++)
		if (!sk_X509_push(untrusted, certs[i])) {
			snprintf(err, cap, "out of memory");
			goto out;
		}
	if (!X509_STORE_CTX_init(ctx, store, certs[0], untrusted)) {
		snprintf(err, cap, "out of memory");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		snprintf(err, cap, "%s does not verify against %s: %s", path, ca_path,
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	rc = 0;
out:
	sk_X509_free(untrusted); /* the certificates stay the caller's */
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}

static int load_codesign(struct sign_keys *k, const char *dir, char *err, size_t cap)
{
	static struct trust_pair p; /* large paths: not on the stack */
	int rc = -1;

	if (trust_load_pair(dir, "codesign", CMS_SIGNATURE_MAX, &p, err, cap) < 0)
		return -1;
	if (check_code_signing(p.certs[0], p.crt_path, err, cap) < 0 ||
	    check_chain(p.certs, p.n, p.crt_path, p.ca_path, err, cap) < 0)
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		uint8_t *der = NULL;
		int l = i2d_X509(p.certs[i], &der);
		if (l <= 0) {
			snprintf(err, cap, "%s: cannot encode a certificate", i ? p.ca_path : p.crt_path);
			goto out;
		}
		k->der[i] = der;
		k->der_len[i] = (size_t)l;
		k->n_der = i + 1;
	}
	k->pkey = p.key;
	p.key = NULL;
	rc = 0;
out:
	trust_pair_free(&p);
	ERR_clear_error();
	return rc;
}

void sign_keys_free(struct sign_keys *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	for (size_t i = 0; i < k->n_der; i++)
		OPENSSL_free(k->der[i]);
	sodium_memzero(k->ed_sk, sizeof k->ed_sk);
	free(k);
}

struct sign_keys *sign_keys_load(const char *trust_dir, char *err, size_t cap)
{
	struct sign_keys *k;

	if (sodium_init() < 0) {
		snprintf(err, cap, "libsodium cannot initialise");
		return NULL;
	}
	k = calloc(1, sizeof *k);
	if (!k) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	if (load_codesign(k, trust_dir, err, cap) < 0 || load_minisign(k, trust_dir, err, cap) < 0) {
		sign_keys_free(k);
		return NULL;
	}
	return k;
}

/* ---- signing ------------------------------------------------------------- */

static int cms_from_digest(const struct sign_keys *k, const uint8_t digest[SHA256_DIGEST_LENGTH],
			   uint8_t **sig, size_t *sig_len)
{
	RSA *rsa = EVP_PKEY_get0_RSA(k->pkey);
	uint8_t s[CMS_SIGNATURE_MAX];
	unsigned s_len = 0;
	struct cms_cert signer, extra[CMS_CERTS_MAX];
	int rc;

	if (!rsa || RSA_size(rsa) > sizeof s ||
	    !RSA_sign(NID_sha256, digest, SHA256_DIGEST_LENGTH, s, &s_len, rsa)) {
		ERR_clear_error();
		return -1;
	}
	signer = (struct cms_cert){ k->der[0], k->der_len[0] };
	for (size_t i = 1; i < k->n_der; i++)
		extra[i - 1] = (struct cms_cert){ k->der[i], k->der_len[i] };
	rc = cms_signed_data_build(&signer, extra, k->n_der - 1, CMS_SHA256, s, s_len, sig,
				   sig_len);
	OPENSSL_cleanse(s, sizeof s);
	return rc;
}

static bool name_ok(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > MINISIGN_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static int minisig_from_hash(const struct sign_keys *k, const uint8_t hash[64], const char *name,
			     time_t when, char **out, size_t *out_len)
{
	uint8_t blob[2 + 8 + crypto_sign_BYTES];
	uint8_t global[crypto_sign_BYTES];
	char b64_sig[sodium_base64_ENCODED_LEN(sizeof blob, sodium_base64_VARIANT_ORIGINAL)];
	char b64_global[sodium_base64_ENCODED_LEN(sizeof global, sodium_base64_VARIANT_ORIGINAL)];
	char trusted[64 + MINISIGN_NAME_MAX];
	uint8_t signed_part[crypto_sign_BYTES + sizeof trusted];

	*out = NULL;
	*out_len = 0;
	if (!name_ok(name))
		return -1;
	int t_len = snprintf(trusted, sizeof trusted, "timestamp:%lld\tfile:%s", (long long)when,
			     name);
	if (t_len < 0 || (size_t)t_len >= sizeof trusted)
		return -1;
	/* "ED": the signature is over BLAKE2b-512 of the file (minisign -H). */
	blob[0] = 'E';
	blob[1] = 'D';
	memcpy(blob + 2, k->keyid, 8);
	crypto_sign_detached(blob + 10, NULL, hash, 64, k->ed_sk);
	/* The trusted comment is bound to this signature by a second one. */
	memcpy(signed_part, blob + 10, crypto_sign_BYTES);
	memcpy(signed_part + crypto_sign_BYTES, trusted, (size_t)t_len);
	crypto_sign_detached(global, NULL, signed_part, crypto_sign_BYTES + (size_t)t_len,
			     k->ed_sk);
	sodium_bin2base64(b64_sig, sizeof b64_sig, blob, sizeof blob,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b64_global, sizeof b64_global, global, sizeof global,
			  sodium_base64_VARIANT_ORIGINAL);

	static const char head[] = "untrusted comment: signature from bootward secret key\n";
	size_t cap = sizeof head + sizeof b64_sig + sizeof trusted + sizeof b64_global + 32;
	char *text = malloc(cap);
	if (!text)
		return -1;
	int n = snprintf(text, cap, "%s%s\ntrusted comment: %s\n%s\n", head, b64_sig, trusted,
			 b64_global);
	if (n < 0 || (size_t)n >= cap) {
		free(text);
		return -1;
	}
	*out = text;
	*out_len = (size_t)n;
	return 0;
}

int sign_cms(const struct sign_keys *k, const uint8_t *data, size_t len, uint8_t **sig,
	     size_t *sig_len)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];

	*sig = NULL;
	*sig_len = 0;
	if (!k || (!data && len))
		return -1;
	SHA256(data, len, digest);
	return cms_from_digest(k, digest, sig, sig_len);
}

int sign_minisig(const struct sign_keys *k, const uint8_t *data, size_t len, const char *name,
		 char **out, size_t *out_len)
{
	uint8_t hash[crypto_generichash_BYTES_MAX];

	*out = NULL;
	*out_len = 0;
	if (!k || (!data && len))
		return -1;
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	return minisig_from_hash(k, hash, name, time(NULL), out, out_len);
}

int sign_file(const struct sign_keys *k, const char *path, uint8_t sha256[32], char *err,
	      size_t cap)
{
	enum { CHUNK = 1 << 16 };
	crypto_generichash_state b2;
	SHA256_CTX sha;
	uint8_t hash[crypto_generichash_BYTES_MAX];
	char out_path[PATH_MAX];
	uint8_t *cms = NULL;
	char *minisig = NULL;
	size_t cms_len = 0, minisig_len = 0;
	struct stat st;
	int rc = -1;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	if (!name_ok(base)) {
		snprintf(err, cap, "%s: the file name must be 1 to %d bytes without control "
			 "characters (it goes into the minisign trusted comment)", path,
			 MINISIGN_NAME_MAX);
		return -1;
	}
	if (strlen(path) + sizeof ".minisig.tmpXXXXXX" > sizeof out_path) {
		snprintf(err, cap, "%s: path too long", path);
		return -1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, cap, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	uint8_t *buf = malloc(CHUNK);
	if (!buf) {
		snprintf(err, cap, "out of memory");
		close(fd);
		return -1;
	}
	/* One pass feeds both digests. */
	SHA256_Init(&sha);
	crypto_generichash_init(&b2, NULL, 0, sizeof hash);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, cap, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		SHA256_Update(&sha, buf, (size_t)n);
		crypto_generichash_update(&b2, buf, (size_t)n);
	}
	close(fd);
	free(buf);
	SHA256_Final(sha256, &sha);
	crypto_generichash_final(&b2, hash, sizeof hash);

	if (cms_from_digest(k, sha256, &cms, &cms_len) < 0) {
		snprintf(err, cap, "%s: the CMS signature failed", path);
		goto out;
	}
	if (minisig_from_hash(k, hash, base, time(NULL), &minisig, &minisig_len) < 0) {
		snprintf(err, cap, "%s: the minisign signature failed", path);
		goto out;
	}
	snprintf(out_path, sizeof out_path, "%s.sig", path);
	if (write_atomic(out_path, cms, cms_len, 0644, false, err, cap) < 0)
		goto out;
	snprintf(out_path, sizeof out_path, "%s.minisig", path);
	if (write_atomic(out_path, minisig, minisig_len, 0644, false, err, cap) < 0)
		goto out;
	rc = 0;
out:
	free(cms);
	free(minisig);
	return rc;
}

/* ---- bootward sign ------------------------------------------------------- */

int sign_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = "/var/lib/bootward";
	char trust[PATH_MAX], err[PATH_MAX + 256];
	struct sign_keys *k;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'h': fputs(sign_usage, stdout); return 0;
		default: fputs(sign_usage, stderr); return 2;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "bootward sign: no FILE to sign\n\n%s", sign_usage);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "bootward sign: must run as root (the signing keys in %s/trust are "
			"root's alone)\n", state);
		return 1;
	}
	if ((size_t)snprintf(trust, sizeof trust, "%s/trust", state) >= sizeof trust) {
		fprintf(stderr, "bootward sign: %s: path too long\n", state);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "bootward sign: libsodium cannot initialise\n");
		return 1;
	}
	/* The code-signing files first: a refused certificate leaves no trace. */
	k = calloc(1, sizeof *k);
	if (!k || load_codesign(k, trust, err, sizeof err) < 0) {
		fprintf(stderr, "bootward sign: %s\n", k ? err : "out of memory");
		sign_keys_free(k);
		return 1;
	}
	switch (sign_minisign_keygen(trust, err, sizeof err)) {
	case -1:
		fprintf(stderr, "bootward sign: %s\n", err);
		sign_keys_free(k);
		return 1;
	case 1:
		fprintf(stderr, "bootward sign: created the minisign key pair %s/minisign.key and "
			"minisign.pub (`bootward trust init` normally does this)\n", trust);
		break;
	}
	if (load_minisign(k, trust, err, sizeof err) < 0) {
		fprintf(stderr, "bootward sign: %s\n", err);
		sign_keys_free(k);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		uint8_t digest[32];
		char hex[65];
		if (sign_file(k, argv[i], digest, err, sizeof err) < 0) {
			fprintf(stderr, "bootward sign: %s\n", err);
			rc = 1;
			continue;
		}
		sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
		printf("%s: sha256 %s, wrote %s.sig and %s.minisig\n", argv[i], hex, argv[i],
		       argv[i]);
	}
	sign_keys_free(k);
	return rc;
}
