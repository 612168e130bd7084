/* trust.c — `bootward trust init|show`: the keys and certificates bootward
 * serves and signs with, in STATE/trust.
 *
 *   ca.key, ca.crt              the root CA (RSA 3072, 20 years).  Never replaced:
 *                               operators pin its fingerprint and build it into iPXE.
 *   server.key, server.crt      the HTTPS server (RSA 2048, 825 days), issued by the CA
 *   codesign.key, codesign.crt  signs boot files for iPXE's imgverify (RSA 2048, 825 days)
 *   token.key                   32 random bytes: the key of kickstart tokens
 *   minisign.key, minisign.pub  Ed25519, made by sign_minisign_keygen() (sign.c)
 *
 * `init` first inspects what exists, then decides, then writes: a run that
 * finds a problem it must not fix by itself (a CA whose key does not match,
 * a certificate for other names) changes nothing.  Each file is written to a
 * temporary file in the same directory, synced and renamed into place.
 *
 * Certificates carry no OCSP, CRL or AIA locations: iPXE would try to reach
 * them.  Leaf certificates start two days in the past because iPXE allows only
 * about 12 hours of clock skew and machines that boot often have wrong clocks. */
#include "broker/broker.h"
#include "broker/keys.h"
#include "broker/sign.h"

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "bootward is built against BoringSSL (android-libboringssl-dev); see DESIGN.md"
#endif
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_STATE "/var/lib/bootward"
#define NAMES_MAX 32
#define NAME_MAX_LEN 253        /* a DNS name, without the final dot */
#define CN_MAX 64               /* RFC 5280's upper bound on a common name */
#define FILE_MAX (256 * 1024)
#define TOKEN_KEY_LEN 32
#define DAY (24 * 60 * 60)
#define BACKDATE_DAYS 2         /* iPXE tolerates only ~12 h of skew */
#define CA_DAYS 7305            /* 20 years */
#define LEAF_DAYS 825           /* the longest leaf lifetime clients accept */
#define CA_BITS 3072
#define LEAF_BITS 2048

static const char usage[] =
	"usage: bootward trust init [--state DIR] [--name NAME]... [--rotate]\n"
	"       bootward trust show [--state DIR]\n"
	"\n"
	"  init   create what is missing in STATE/trust: a root CA, the HTTPS server\n"
	"         and code-signing certificates it issues, the kickstart token key and\n"
	"         the minisign key.  Files that exist and are valid are kept.  Needs root.\n"
	"    --state DIR   state directory (default: " DEFAULT_STATE ")\n"
	"    --name NAME   a DNS name or IP address clients use to reach the server; repeat\n"
	"                  for several (default: this machine's hostname).  The first is\n"
	"                  also the certificate's common name.\n"
	"    --rotate      replace the server and code-signing keys and certificates\n"
	"                  (the CA, the token key and the minisign key are kept)\n"
	"  show   print what STATE/trust holds and whether it is valid; change nothing\n";

/* One subjectAltName: "DNS:name" or "IP:address", canonical. */
struct names {
	char v[NAMES_MAX][NAME_MAX_LEN + 8];
	size_t n;
};

enum status { ST_MISSING, ST_OK, ST_BAD };

/* A key and certificate pair as found on disk, then as decided and written. */
struct pair {
	const char *base;       /* "ca", "server", "codesign" */
	int bits;               /* size of a new key */
	EVP_PKEY *key;
	X509 *crt;
	enum status key_st, crt_st;
	bool key_exposed;       /* the key file's owner or mode is wrong */
	char key_why[512], crt_why[512];
	const char *key_done, *crt_done; /* what init did: "exists", "created", "replaced" */
};

struct trust {
	const char *prog;       /* "bootward trust init" */
	char dir[4096];
	int dirfd;
	char host[256];
	struct pair ca, server, codesign;
	enum status token_st;
	char token_why[512];
	const char *token_done;
	bool minisign_key, minisign_pub;
	char minisign_line[128];  /* the public key line of minisign.pub */
	const char *minisign_done;
};

/* ---- small helpers -------------------------------------------------------- */


/* Read a small regular file in the trust directory.  Returns 1 with the
 * contents, 0 when it does not exist, -1 with a reason in why (-2 when the
 * reason is the owner or mode of a secret).  A secret must
 * be ours alone: owned by this user and mode 0600 (the broker insists). */
static int read_small(const struct trust *t, const char *name, bool secret, char **out,
		      size_t *len, char *why, size_t cap)
{
	int fd = openat(t->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	int rc = -1;

	*out = NULL;
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, cap, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > FILE_MAX) {
		snprintf(why, cap, "not a regular file of 1 byte to %d KiB", FILE_MAX / 1024);
		goto out;
	}
	if (secret && ((st.st_mode & 07777) != 0600 || st.st_uid != geteuid())) {
		snprintf(why, cap, "a secret key must be mode 0600 and owned by uid %u (it is mode %04o, uid %u)",
			 (unsigned)geteuid(), (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		rc = -2;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		snprintf(why, cap, "cannot read: %s", buf ? strerror(errno) : "out of memory");
		free(buf);
		goto out;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	rc = 1;
out:
	close(fd);
	return rc;
}

static void free_secret(char *buf, size_t len)
{
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

/* Write `name` atomically: a new file beside it, synced, renamed over it. */
static int write_atomic(const struct trust *t, const char *name, const void *data, size_t len,
			mode_t mode)
{
	unsigned char rnd[6];
	char tmp[64];
	const char *p = data;
	int fd;

	randombytes_buf(rnd, sizeof rnd);
	snprintf(tmp, sizeof tmp, ".%s.%02x%02x%02x%02x%02x%02x", name, rnd[0], rnd[1], rnd[2], rnd[3],
		 rnd[4], rnd[5]);
	fd = openat(t->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "%s: %s/%s: %s\n", t->prog, t->dir, tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) < 0)
		goto fail;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(t->dirfd, tmp, t->dirfd, name) < 0)
		goto fail;
	if (fsync(t->dirfd) < 0) {
		fprintf(stderr, "%s: %s: fsync: %s\n", t->prog, t->dir, strerror(errno));
		return -1;
	}
	return 0;
fail:
	fprintf(stderr, "%s: cannot write %s/%s: %s\n", t->prog, t->dir, name, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlinkat(t->dirfd, tmp, 0);
	return -1;
}

/* A DNS name: letters, digits and '-', in dot-separated labels of 1 to 63
 * characters that neither start nor end with '-'; 253 characters at most. */
static bool dns_name_ok(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   (c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

/* Turn a --name into "IP:a.b.c.d" or "DNS:name" (lower case).  An IPv6
 * address is accepted too, although iPXE rarely needs one. */
static int name_canonical(const char *s, char *out, size_t cap)
{
	unsigned char a[16];
	char ip[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, s, a) == 1) {
		inet_ntop(AF_INET, a, ip, sizeof ip);
		snprintf(out, cap, "IP:%s", ip);
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, a) == 1) {
		inet_ntop(AF_INET6, a, ip, sizeof ip);
		snprintf(out, cap, "IP:%s", ip);
		return 0;
	}
	if (!dns_name_ok(s))
		return -1;
	size_t i = 0;
	snprintf(out, cap, "DNS:");
	for (i = 0; s[i] && 4 + i + 1 < cap; i++)
		out[4 + i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[4 + i] = '\0';
	return 0;
}

static int names_add(struct names *ns, const char *prog, const char *s)
{
	if (ns->n == NAMES_MAX) {
		fprintf(stderr, "%s: at most %d names\n", prog, NAMES_MAX);
		return -1;
	}
	if (name_canonical(s, ns->v[ns->n], sizeof ns->v[ns->n]) < 0) {
		fprintf(stderr, "%s: '%s' is neither an IP address nor a DNS name "
			"(letters, digits, '-' and '.', at most %d characters)\n", prog, s, NAME_MAX_LEN);
		return -1;
	}
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], ns->v[ns->n]) == 0) {
			fprintf(stderr, "%s: name '%s' given twice\n", prog, s);
			return -1;
		}
	ns->n++;
	return 0;
}

static bool names_same_set(const struct names *a, const struct names *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		size_t j = 0;
		while (j < b->n && strcmp(a->v[i], b->v[j]) != 0)
			j++;
		if (j == b->n)
			return false;
	}
	return true;
}

static void names_print(FILE *f, const struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		fprintf(f, "%s%s", i ? " " : "", ns->v[i]);
}

/* The subjectAltNames of a certificate, canonical like name_canonical(). */
static void cert_names(X509 *x, struct names *ns)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	ns->n = 0;
	for (size_t i = 0; gens && i < sk_GENERAL_NAME_num(gens) && ns->n < NAMES_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *out = ns->v[ns->n], ip[INET6_ADDRSTRLEN];
		size_t cap = sizeof ns->v[ns->n];

		if (g->type == GEN_DNS) {
			const ASN1_STRING *s = g->d.dNSName;
			int len = ASN1_STRING_length(s);
			if (len <= 0 || len > NAME_MAX_LEN || memchr(ASN1_STRING_get0_data(s), 0, (size_t)len))
				continue;
			char name[NAME_MAX_LEN + 1];
			memcpy(name, ASN1_STRING_get0_data(s), (size_t)len);
			name[len] = '\0';
			if (name_canonical(name, out, cap) < 0)
				snprintf(out, cap, "DNS:%s", name);
		} else if (g->type == GEN_IPADD) {
			const ASN1_STRING *s = g->d.iPAddress;
			int len = ASN1_STRING_length(s);
			if ((len != 4 && len != 16) ||
			    !inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip))
				continue;
			snprintf(out, cap, "IP:%s", ip);
		} else {
			continue;
		}
		ns->n++;
	}
	GENERAL_NAMES_free(gens);
}

/* ---- keys and certificates ------------------------------------------------ */

static EVP_PKEY *rsa_generate(int bits)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1 ||
	    EVP_PKEY_keygen(ctx, &pkey) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

enum cert_kind { CERT_CA, CERT_SERVER, CERT_CODESIGN };

/* Issue a certificate for `pub`, signed with `issuer_key` (self-signed when
 * issuer is NULL).  Serial: 16 random bytes, positive.  SHA-256 with RSA. */
static X509 *cert_issue(enum cert_kind kind, const char *cn, const struct names *ns, EVP_PKEY *pub,
			X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *subject = X509_NAME_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	unsigned char rnd[16];
	X509V3_CTX ctx;
	bool ok = false;

	randombytes_buf(rnd, sizeof rnd);
	rnd[0] = (rnd[0] & 0x7f) | 0x40; /* positive, and exactly 16 bytes long */
	if (!x || !subject || !(bn = BN_bin2bn(rnd, sizeof rnd, NULL)) ||
	    !(serial = BN_to_ASN1_INTEGER(bn, NULL)) ||
	    !X509_set_version(x, X509_VERSION_3) || !X509_set_serialNumber(x, serial) ||
	    !X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8, (const uint8_t *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, subject) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -(long)BACKDATE_DAYS * DAY) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), kind == CERT_CA ? CA_DAYS : LEAF_DAYS, 0, NULL) ||
	    !X509_set_pubkey(x, pub))
		goto out;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_subject_key_identifier, "hash") < 0)
		goto out;
	if (kind == CERT_CA) {
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") < 0)
			goto out;
	} else {
		if (add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") < 0 ||
		    add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") < 0)
			goto out;
	}
	if (kind == CERT_SERVER) {
		/* Names are validated: only letters, digits, '-', '.' and ':' reach here. */
		char san[NAMES_MAX * (NAME_MAX_LEN + 8) + 1] = "";
		size_t used = 0;
		for (size_t i = 0; i < ns->n; i++)
			used += (size_t)snprintf(san + used, sizeof san - used, "%s%s", i ? "," : "", ns->v[i]);
		if (add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") < 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") < 0 ||
		    add_ext(x, &ctx, NID_subject_alt_name, san) < 0)
			goto out;
	} else if (kind == CERT_CODESIGN) {
		if (add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") < 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "critical,codeSigning") < 0)
			goto out;
	}
	ok = X509_sign(x, issuer_key, EVP_sha256()) > 0;
out:
	X509_NAME_free(subject);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/* Load NAME.key (a secret) and NAME.crt; record what is wrong with each. */
static void pair_load(struct trust *t, struct pair *p)
{
	char name[32], *text;
	size_t len;
	int r;

	snprintf(name, sizeof name, "%s.key", p->base);
	r = read_small(t, name, true, &text, &len, p->key_why, sizeof p->key_why);
	p->key_st = r == 0 ? ST_MISSING : r < 0 ? ST_BAD : ST_OK;
	p->key_exposed = r == -2;
	if (r > 0) {
		BIO *bio = BIO_new_mem_buf(text, (ssize_t)len);
		p->key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		free_secret(text, len);
		if (!p->key) {
			char why[200];
			trust_ssl_reason(why, sizeof why);
			snprintf(p->key_why, sizeof p->key_why, "not a PEM private key (%s)", why);
			p->key_st = ST_BAD;
		} else if (EVP_PKEY_id(p->key) != EVP_PKEY_RSA || EVP_PKEY_bits(p->key) < 2048 ||
			   EVP_PKEY_bits(p->key) > 8192) {
			snprintf(p->key_why, sizeof p->key_why, "not an RSA key of 2048 to 8192 bits");
			p->key_st = ST_BAD;
		}
	}

	snprintf(name, sizeof name, "%s.crt", p->base);
	r = read_small(t, name, false, &text, &len, p->crt_why, sizeof p->crt_why);
	p->crt_st = r == 0 ? ST_MISSING : r < 0 ? ST_BAD : ST_OK;
	if (r > 0) {
		BIO *bio = BIO_new_mem_buf(text, (ssize_t)len);
		p->crt = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		free(text);
		if (!p->crt) {
			char why[200];
			trust_ssl_reason(why, sizeof why);
			snprintf(p->crt_why, sizeof p->crt_why, "not a PEM certificate (%s)", why);
			p->crt_st = ST_BAD;
		}
	}
	if (p->key_st == ST_OK && p->crt_st == ST_OK && X509_check_private_key(p->crt, p->key) != 1) {
		ERR_clear_error();
		snprintf(p->crt_why, sizeof p->crt_why, "does not match %s.key", p->base);
		p->crt_st = ST_BAD;
	}
}

/* Is a loaded certificate what it should be: issued by the CA, in date? */
static void pair_check_crt(struct pair *p, const struct pair *ca, bool is_ca)
{
	if (p->crt_st != ST_OK)
		return;
	if (X509_cmp_current_time(X509_get0_notAfter(p->crt)) <= 0) {
		snprintf(p->crt_why, sizeof p->crt_why, "expired");
		p->crt_st = ST_BAD;
		return;
	}
	if (is_ca) {
		EVP_PKEY *pub = X509_get_pubkey(p->crt);
		if (X509_check_ca(p->crt) != 1 || !pub || X509_verify(p->crt, pub) != 1) {
			snprintf(p->crt_why, sizeof p->crt_why, "not a self-signed CA certificate");
			p->crt_st = ST_BAD;
		}
		EVP_PKEY_free(pub);
	} else if (ca->crt_st != ST_OK) {
		snprintf(p->crt_why, sizeof p->crt_why, "cannot be checked: ca.crt is not usable");
		p->crt_st = ST_BAD;
	} else {
		EVP_PKEY *pub = X509_get_pubkey(ca->crt);
		if (X509_check_issued(ca->crt, p->crt) != X509_V_OK || !pub || X509_verify(p->crt, pub) != 1) {
			snprintf(p->crt_why, sizeof p->crt_why, "not issued by ca.crt");
			p->crt_st = ST_BAD;
		}
		EVP_PKEY_free(pub);
	}
	ERR_clear_error();
}

/* minisign.pub is a comment line, then the key in base64: keep the key to
 * show it (it is what `minisign -P` takes). */
static void minisign_pub_line(struct trust *t)
{
	char *text, why[256], *line, *end;
	size_t len;

	t->minisign_line[0] = '\0';
	if (read_small(t, "minisign.pub", false, &text, &len, why, sizeof why) <= 0)
		return;
	line = strchr(text, '\n');
	if (line) {
		line++;
		end = line + strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
		if (end > line && end - line < (ptrdiff_t)sizeof t->minisign_line && (*end == '\n' || *end == '\0'))
			snprintf(t->minisign_line, sizeof t->minisign_line, "%.*s", (int)(end - line), line);
	}
	free(text);
}

static void trust_inspect(struct trust *t)
{
	char *text;
	size_t len = 0;
	int r;

	pair_load(t, &t->ca);
	pair_check_crt(&t->ca, NULL, true);
	pair_load(t, &t->server);
	pair_check_crt(&t->server, &t->ca, false);
	pair_load(t, &t->codesign);
	pair_check_crt(&t->codesign, &t->ca, false);

	r = read_small(t, "token.key", true, &text, &len, t->token_why, sizeof t->token_why);
	t->token_st = r == 0 ? ST_MISSING : r < 0 ? ST_BAD : ST_OK;
	if (r > 0 && len != TOKEN_KEY_LEN) {
		snprintf(t->token_why, sizeof t->token_why, "holds %zu bytes, not %d", len, TOKEN_KEY_LEN);
		t->token_st = ST_BAD;
	}
	free_secret(text, len);

	struct stat st;
	t->minisign_key = fstatat(t->dirfd, "minisign.key", &st, AT_SYMLINK_NOFOLLOW) == 0;
	t->minisign_pub = fstatat(t->dirfd, "minisign.pub", &st, AT_SYMLINK_NOFOLLOW) == 0;
	minisign_pub_line(t);
}

static void pair_free(struct pair *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->crt);
	p->key = NULL;
	p->crt = NULL;
}

static int write_key(struct trust *t, struct pair *p)
{
	BIO *bio = BIO_new(BIO_s_mem());
	const uint8_t *data;
	size_t len;
	char name[32];
	int rc = -1;

	snprintf(name, sizeof name, "%s.key", p->base);
	if (bio && PEM_write_bio_PrivateKey(bio, p->key, NULL, NULL, 0, NULL, NULL) &&
	    BIO_mem_contents(bio, &data, &len)) {
		rc = write_atomic(t, name, data, len, 0600);
		OPENSSL_cleanse((void *)data, len);
	} else {
		fprintf(stderr, "%s: cannot encode %s/%s\n", t->prog, t->dir, name);
	}
	BIO_free(bio);
	return rc;
}

static int write_crt(struct trust *t, struct pair *p)
{
	BIO *bio = BIO_new(BIO_s_mem());
	const uint8_t *data;
	size_t len;
	char name[32];
	int rc = -1;

	snprintf(name, sizeof name, "%s.crt", p->base);
	if (bio && PEM_write_bio_X509(bio, p->crt) && BIO_mem_contents(bio, &data, &len))
		rc = write_atomic(t, name, data, len, 0644);
	else
		fprintf(stderr, "%s: cannot encode %s/%s\n", t->prog, t->dir, name);
	BIO_free(bio);
	return rc;
}

/* Make p's missing or condemned parts: a new key when new_key, then a new
 * certificate for the key, and write both. */
static int pair_make(struct trust *t, struct pair *p, bool new_key, enum cert_kind kind,
		     const char *cn, const struct names *ns)
{
	struct pair *ca = &t->ca;

	if (new_key) {
		bool had = p->key_st != ST_MISSING;
		EVP_PKEY_free(p->key);
		if (!(p->key = rsa_generate(p->bits))) {
			fprintf(stderr, "%s: cannot generate an RSA key for %s.key\n", t->prog, p->base);
			return -1;
		}
		if (write_key(t, p) < 0)
			return -1;
		p->key_st = ST_OK;
		p->key_done = had ? "replaced" : "created";
	}
	bool had = p->crt_st != ST_MISSING;
	X509_free(p->crt);
	p->crt = cert_issue(kind, cn, ns, p->key, kind == CERT_CA ? NULL : ca->crt,
			    kind == CERT_CA ? p->key : ca->key);
	if (!p->crt) {
		char why[200];
		trust_ssl_reason(why, sizeof why);
		fprintf(stderr, "%s: cannot issue %s.crt: %s\n", t->prog, p->base, why);
		return -1;
	}
	if (write_crt(t, p) < 0)
		return -1;
	p->crt_st = ST_OK;
	p->crt_done = had ? "replaced" : "created";
	return 0;
}

/* ---- output --------------------------------------------------------------- */

static void print_time(FILE *f, const ASN1_TIME *when)
{
	time_t now = time(NULL);
	ASN1_TIME *n = ASN1_TIME_set(NULL, now);
	int days, secs;

	if (n && ASN1_TIME_diff(&days, &secs, n, when)) {
		time_t t = now + (time_t)days * DAY + secs;
		struct tm tm;
		char buf[32];
		gmtime_r(&t, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
		fputs(buf, f);
	} else {
		fputs("?", f);
	}
	ASN1_TIME_free(n);
}

static void print_subject(FILE *f, X509 *x)
{
	BIO *bio = BIO_new_fp(f, BIO_NOCLOSE);

	if (bio) {
		X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
		BIO_free(bio);
	}
}

static void print_pair(const struct pair *p, bool show)
{
	char name[32];

	snprintf(name, sizeof name, "%s.crt", p->base);
	if (p->crt_st == ST_OK) {
		printf("  %-14s %-9s ", name, show ? "ok" : p->crt_done ? p->crt_done : "exists");
		print_subject(stdout, p->crt);
		printf("; until ");
		print_time(stdout, X509_get0_notAfter(p->crt));
		struct names ns;
		cert_names(p->crt, &ns);
		if (ns.n > 0) {
			printf("; names ");
			names_print(stdout, &ns);
		}
		printf("\n");
	} else {
		printf("  %-14s %-9s %s\n", name, p->crt_st == ST_MISSING ? "missing" : "BAD",
		       p->crt_st == ST_MISSING ? "" : p->crt_why);
	}
	snprintf(name, sizeof name, "%s.key", p->base);
	if (p->key_st == ST_OK)
		printf("  %-14s %-9s RSA %d bits\n", name, show ? "ok" : p->key_done ? p->key_done : "exists",
		       EVP_PKEY_bits(p->key));
	else
		printf("  %-14s %-9s %s\n", name, p->key_st == ST_MISSING ? "missing" : "BAD",
		       p->key_st == ST_MISSING ? "" : p->key_why);
}

static void print_summary(struct trust *t, bool show)
{
	printf("%s:\n", t->dir);
	print_pair(&t->ca, show);
	print_pair(&t->server, show);
	print_pair(&t->codesign, show);
	if (t->token_st == ST_OK)
		printf("  %-14s %-9s %d random bytes\n", "token.key",
		       show ? "ok" : t->token_done ? t->token_done : "exists", TOKEN_KEY_LEN);
	else
		printf("  %-14s %-9s %s\n", "token.key", t->token_st == ST_MISSING ? "missing" : "BAD",
		       t->token_st == ST_MISSING ? "" : t->token_why);
	const char *ms_key = t->minisign_key ? (show ? "ok" : "exists") : "missing";
	const char *ms_pub = t->minisign_pub ? (show ? "ok" : "exists") : "missing";
	if (t->minisign_done)
		ms_key = ms_pub = t->minisign_done;
	printf("  %-14s %s\n", "minisign.key", ms_key);
	printf("  %-14s %-9s %s\n", "minisign.pub", ms_pub, t->minisign_line);

	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (t->ca.crt_st == ST_OK && X509_digest(t->ca.crt, EVP_sha256(), md, &len)) {
		printf("SHA-256 fingerprint of ca.crt: ");
		for (unsigned i = 0; i < len; i++)
			printf("%02X%s", md[i], i + 1 < len ? ":" : "\n");
	}
}

/* ---- the commands --------------------------------------------------------- */

/* Create dir (mode 0700) if missing.  It must be ours; the trust directory
 * (private) must be closed to others, the state directory at least not
 * writable by them. */
static int ensure_dir(const char *prog, const char *path, bool private)
{
	mode_t forbidden = private ? 077 : 022;
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (lstat(path, &st) < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a directory\n", prog, path);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & forbidden)) {
		fprintf(stderr, "%s: %s must be owned by uid %u and mode %s (it is uid %u, mode %04o)\n", prog,
			path, (unsigned)geteuid(), private ? "0700" : "0755 or stricter", (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int trust_open(struct trust *t, const char *state, bool create)
{
	if ((size_t)snprintf(t->dir, sizeof t->dir, "%s/trust", state) >= sizeof t->dir) {
		fprintf(stderr, "%s: %s: path too long\n", t->prog, state);
		return -1;
	}
	if (create && (ensure_dir(t->prog, state, false) < 0 || ensure_dir(t->prog, t->dir, true) < 0))
		return -1;
	t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->dirfd < 0) {
		fprintf(stderr, "%s: %s: %s%s\n", t->prog, t->dir, strerror(errno),
			errno == ENOENT ? "; run `bootward trust init` first" : "");
		return -1;
	}
	if (gethostname(t->host, sizeof t->host) < 0 || t->host[0] == '\0')
		snprintf(t->host, sizeof t->host, "localhost");
	t->host[sizeof t->host - 1] = '\0';
	return 0;
}

static void trust_close(struct trust *t)
{
	pair_free(&t->ca);
	pair_free(&t->server);
	pair_free(&t->codesign);
	if (t->dirfd >= 0)
		close(t->dirfd);
}

/* "PREFIX HOST", the host name cut to fit a common name. */
static void host_cn(char out[CN_MAX + 1], const char *prefix, const char *host)
{
	int room = CN_MAX - (int)strlen(prefix) - 1;

	snprintf(out, CN_MAX + 1, "%s %.*s", prefix, room > 0 ? room : 0, host);
}

static bool pair_valid(const struct pair *p)
{
	return p->key_st == ST_OK && p->crt_st == ST_OK;
}

/* Why an existing leaf pair cannot be kept, or NULL. */
static const char *pair_problem(const struct pair *p, char *buf, size_t cap)
{
	if (p->key_st == ST_BAD)
		snprintf(buf, cap, "%s.key: %s", p->base, p->key_why);
	else if (p->crt_st == ST_BAD)
		snprintf(buf, cap, "%s.crt: %s", p->base, p->crt_why);
	else
		return NULL;
	return buf;
}

/* What to make of a leaf pair: a new key (and so a new certificate) when
 * told to or when the key is missing, a new certificate when it is missing.
 * A broken file that is not to be replaced stops everything. */
static int leaf_plan(const struct trust *t, const struct pair *p, bool renew, bool *new_key,
		     bool *new_crt, const char *what)
{
	char why[1024];

	*new_key = renew || p->key_st == ST_MISSING;
	*new_crt = *new_key || p->crt_st == ST_MISSING;
	if ((!*new_key && p->key_st == ST_BAD) || (!*new_crt && p->crt_st == ST_BAD)) {
		fprintf(stderr, "%s: %s/%s; %suse --rotate to replace the %s key and certificate\n", t->prog,
			t->dir, pair_problem(p, why, sizeof why),
			!*new_key && p->key_exposed ? "if nobody else could read it, chown and chmod it; else " : "",
			what);
		return -1;
	}
	return 0;
}

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "rotate", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct trust t = {
		.prog = "bootward trust init", .dirfd = -1,
		.ca = { .base = "ca", .bits = CA_BITS },
		.server = { .base = "server", .bits = LEAF_BITS },
		.codesign = { .base = "codesign", .bits = LEAF_BITS },
	};
	static struct names names; /* large: not on the stack */
	const char *state = DEFAULT_STATE;
	bool rotate = false;
	char why[1024], cn[CN_MAX + 1];
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:n:rh", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'n':
			if (names_add(&names, t.prog, optarg) < 0)
				return 2;
			break;
		case 'r': rotate = true; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", t.prog, argv[optind]);
		return 2;
	}
	if (names.n > 0 && strlen(strchr(names.v[0], ':') + 1) > CN_MAX) {
		fprintf(stderr, "%s: the first name is the common name and may have at most %d characters\n",
			t.prog, CN_MAX);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must run as root: the keys in %s/trust are root's, "
			"and the broker reads them as root\n", t.prog, state);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium cannot start\n", t.prog);
		return 1;
	}
	umask(077);
	if (trust_open(&t, state, true) < 0)
		goto out;
	trust_inspect(&t);

	/* Decide everything before writing anything. */
	struct pair *ca = &t.ca, *srv = &t.server, *cs = &t.codesign;
	bool new_ca = false;
	if (ca->key_st == ST_MISSING && ca->crt_st == ST_MISSING) {
		new_ca = true;
	} else if (!pair_valid(ca)) {
		if (ca->key_st == ST_MISSING || ca->crt_st == ST_MISSING)
			fprintf(stderr, "%s: %s/ca.%s exists but ca.%s does not; bootward never replaces a CA: "
				"restore the missing file, or move both away to make a new CA\n", t.prog, t.dir,
				ca->key_st == ST_MISSING ? "crt" : "key", ca->key_st == ST_MISSING ? "key" : "crt");
		else
			fprintf(stderr, "%s: %s/%s; bootward never replaces a CA: fix it, or move ca.key and "
				"ca.crt away to make a new CA\n", t.prog, t.dir, pair_problem(ca, why, sizeof why));
		goto out;
	}
	if (t.token_st == ST_BAD) {
		fprintf(stderr, "%s: %s/token.key: %s; move it away to make a new one "
			"(kickstart tokens made with the old one stop working)\n", t.prog, t.dir, t.token_why);
		goto out;
	}

	/* The server's names: --name, else (when re-issuing) the current ones,
	 * else the hostname. */
	struct names cur = { .n = 0 };
	if (srv->crt)
		cert_names(srv->crt, &cur);
	bool srv_new_key, srv_new_crt, cs_new_key, cs_new_crt;
	if (leaf_plan(&t, srv, rotate || new_ca, &srv_new_key, &srv_new_crt, "server") < 0 ||
	    leaf_plan(&t, cs, rotate || new_ca, &cs_new_key, &cs_new_crt, "code-signing") < 0)
		goto out;
	if (names.n > 0 && !srv_new_crt && !names_same_set(&names, &cur)) {
		fprintf(stderr, "%s: %s/server.crt is for ", t.prog, t.dir);
		names_print(stderr, &cur);
		fprintf(stderr, ", not ");
		names_print(stderr, &names);
		fprintf(stderr, "; add --rotate to replace it\n");
		goto out;
	}
	if (srv_new_crt && names.n == 0) {
		if (!rotate || cur.n == 0) {
			if (names_add(&names, t.prog, t.host) < 0) {
				fprintf(stderr, "%s: this machine's hostname cannot be used; give --name\n", t.prog);
				goto out;
			}
			printf("no --name given: the server certificate is for this machine's hostname, %s\n",
			       t.host);
		} else {
			names = cur;
		}
	}
	if (srv_new_crt && strlen(strchr(names.v[0], ':') + 1) > CN_MAX) {
		fprintf(stderr, "%s: the first name is the common name and may have at most %d characters\n",
			t.prog, CN_MAX);
		goto out;
	}

	/* Write. */
	if (new_ca) {
		host_cn(cn, "bootward CA", t.host);
		if (pair_make(&t, ca, true, CERT_CA, cn, NULL) < 0)
			goto out;
	}
	if (srv_new_crt && pair_make(&t, srv, srv_new_key, CERT_SERVER, strchr(names.v[0], ':') + 1,
				     &names) < 0)
		goto out;
	host_cn(cn, "bootward code signing", t.host);
	if (cs_new_crt && pair_make(&t, cs, cs_new_key, CERT_CODESIGN, cn, NULL) < 0)
		goto out;
	if (t.token_st == ST_MISSING) {
		unsigned char key[TOKEN_KEY_LEN];
		randombytes_buf(key, sizeof key);
		int r = write_atomic(&t, "token.key", key, sizeof key, 0600);
		sodium_memzero(key, sizeof key);
		if (r < 0)
			goto out;
		t.token_st = ST_OK;
		t.token_done = "created";
	}
	int m = sign_minisign_keygen(t.dir, why, sizeof why);
	if (m < 0) {
		fprintf(stderr, "%s: minisign key: %s\n", t.prog, why);
		goto out;
	}
	t.minisign_done = m > 0 ? "created" : "exists";
	minisign_pub_line(&t);

	bool changed = new_ca || srv_new_crt || cs_new_crt || t.token_done || m > 0;
	print_summary(&t, false);
	if (!changed)
		printf("nothing to do: every file exists and is valid\n");
	else if (srv->crt_done && strcmp(srv->crt_done, "replaced") == 0)
		printf("a running broker serves the new server certificate after SIGHUP\n");
	rc = 0;
out:
	trust_close(&t);
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct trust t = {
		.prog = "bootward trust show", .dirfd = -1,
		.ca = { .base = "ca" }, .server = { .base = "server" }, .codesign = { .base = "codesign" },
	};
	const char *state = DEFAULT_STATE;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", t.prog, argv[optind]);
		return 2;
	}
	if (trust_open(&t, state, false) < 0) {
		trust_close(&t);
		return 1;
	}
	trust_inspect(&t);
	print_summary(&t, true);
	bool ok = pair_valid(&t.ca) && pair_valid(&t.server) && pair_valid(&t.codesign) &&
		  t.token_st == ST_OK && t.minisign_key && t.minisign_pub;
	trust_close(&t);
	return ok ? 0 : 1;
}

/* ---- bootward ipxe embed -------------------------------------------------- */

static const char ipxe_usage[] =
	"usage: bootward ipxe embed [--state DIR] [--out DIR] [--server HOST[:PORT]]\n"
	"\n"
	"  embed  write what building an iPXE that trusts only this server's CA needs:\n"
	"         OUT/embed.ipxe (the script built in with EMBED=: DHCP, then the\n"
	"         host's boot script from https://HOST/ks/boot.ipxe), OUT/ca.crt (for\n"
	"         TRUST=) and OUT/config/local/general.h (HTTPS and image trust on),\n"
	"         and print the make command to run in an iPXE source tree.\n"
	"    --state DIR     state directory (default: " DEFAULT_STATE ")\n"
	"    --out DIR       where to write (default: bootward-ipxe); created if missing\n"
	"    --server HOST[:PORT]\n"
	"                    the name iPXE uses to reach the server (default: the first\n"
	"                    name in server.crt); it must be one of server.crt's names\n";

static int write_text(const char *prog, const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fputs(text, f) == EOF || fclose(f) == EOF) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* HOST[:PORT] as a URL authority, checked against the certificate's names. */
static int server_authority(const char *prog, const char *arg, const struct names *crt, char *out, size_t cap)
{
	char host[NAME_MAX_LEN + 1], canon[NAME_MAX_LEN + 8];
	const char *colon = strrchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	long port = 443;

	if (colon) {
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || port < 1 || port > 65535) {
			fprintf(stderr, "%s: --server %s: the port must be a number from 1 to 65535\n", prog, arg);
			return -1;
		}
	}
	if (n == 0 || n > NAME_MAX_LEN) {
		fprintf(stderr, "%s: --server %s: no host name\n", prog, arg);
		return -1;
	}
	memcpy(host, arg, n);
	host[n] = '\0';
	if (name_canonical(host, canon, sizeof canon) < 0 || strchr(host, ':')) {
		fprintf(stderr, "%s: --server %s: not an IPv4 address or DNS name\n", prog, arg);
		return -1;
	}
	size_t i = 0;
	while (i < crt->n && strcmp(crt->v[i], canon) != 0)
		i++;
	if (i == crt->n) {
		fprintf(stderr, "%s: %s is not a name in server.crt (", prog, host);
		names_print(stderr, crt);
		fprintf(stderr, "); iPXE would refuse the connection.  Add it with "
			"`bootward trust init --rotate --name ...`\n");
		return -1;
	}
	if (port == 443)
		snprintf(out, cap, "%s", strchr(canon, ':') + 1);
	else
		snprintf(out, cap, "%s:%ld", strchr(canon, ':') + 1, port);
	return 0;
}

static int cmd_ipxe_embed(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "server", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct trust t = {
		.prog = "bootward ipxe embed", .dirfd = -1,
		.ca = { .base = "ca" }, .server = { .base = "server" }, .codesign = { .base = "codesign" },
	};
	const char *state = DEFAULT_STATE, *out = "bootward-ipxe", *server = NULL;
	char authority[NAME_MAX_LEN + 16], path[4096], text[2048];
	struct names crt;
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:o:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': state = optarg; break;
		case 'o': out = optarg; break;
		case 'S': server = optarg; break;
		case 'h': fputs(ipxe_usage, stdout); return 0;
		default: fputs(ipxe_usage, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", t.prog, argv[optind]);
		return 2;
	}
	if (trust_open(&t, state, false) < 0)
		goto done;
	trust_inspect(&t);
	if (t.ca.crt_st != ST_OK || t.server.crt_st != ST_OK) {
		fprintf(stderr, "%s: %s/%s: %s; run `bootward trust init` first\n", t.prog, t.dir,
			t.ca.crt_st != ST_OK ? "ca.crt" : "server.crt",
			t.ca.crt_st != ST_OK ? (t.ca.crt_why[0] ? t.ca.crt_why : "missing")
					     : (t.server.crt_why[0] ? t.server.crt_why : "missing"));
		goto done;
	}
	cert_names(t.server.crt, &crt);
	if (!crt.n) {
		fprintf(stderr, "%s: server.crt holds no names\n", t.prog);
		goto done;
	}
	if (server_authority(t.prog, server ? server : strchr(crt.v[0], ':') + 1, &crt, authority,
			     sizeof authority) < 0)
		goto done;
	snprintf(path, sizeof path, "%s/config/local", out);
	for (char *sl = path + strlen(out); sl; sl = strchr(sl + 1, '/')) {
		*sl = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create %s: %s\n", t.prog, path, strerror(errno));
			goto done;
		}
		*sl = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", t.prog, path, strerror(errno));
		goto done;
	}
	snprintf(text, sizeof text,
		 "#!ipxe\n"
		 "# Built into iPXE with EMBED=: get an address, then run the boot script\n"
		 "# bootward makes for this host.  The HTTPS connection is verified against\n"
		 "# the CA built in with TRUST=, and the script verifies every image it\n"
		 "# boots.  When there is no script for this host, or an image fails\n"
		 "# verification, the machine boots from its next device.\n"
		 "dhcp || goto failed\n"
		 "chain https://%s/ks/boot.ipxe || goto failed\n"
		 ":failed\n"
		 "echo bootward: no verified boot (error ${errno}); trying the next boot device\n"
		 "exit 1\n",
		 authority);
	if (write_text(t.prog, out, "embed.ipxe", text) < 0 ||
	    write_text(t.prog, out, "config/local/general.h",
		       "/* bootward: HTTPS downloads and image signatures (imgtrust, imgverify).\n"
		       " * Copy into the iPXE tree's src/config/local/. */\n"
		       "#define DOWNLOAD_PROTO_HTTPS\n"
		       "#define IMAGE_TRUST_CMD\n") < 0)
		goto done;
	snprintf(path, sizeof path, "%s/ca.crt", out);
	FILE *f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, t.ca.crt) || fclose(f) == EOF) {
		fprintf(stderr, "%s: cannot write %s: %s\n", t.prog, path, f ? "PEM write failed" : strerror(errno));
		goto done;
	}
	printf("wrote %s/embed.ipxe (chains to https://%s/ks/boot.ipxe), %s/ca.crt and\n"
	       "%s/config/local/general.h.  In an iPXE source tree:\n\n"
	       "  cp %s/config/local/general.h src/config/local/general.h\n"
	       "  make -C src bin/undionly.kpxe bin/ipxe.lkrn bin-x86_64-efi/ipxe.efi \\\n"
	       "      EMBED=%s/embed.ipxe TRUST=%s/ca.crt\n\n"
	       "TRUST= makes this CA the only one iPXE trusts.  Sign what the boot scripts\n"
	       "load with `bootward sign FILE...`.\n",
	       out, authority, out, out, out, out, out);
	rc = 0;
done:
	trust_close(&t);
	return rc;
}

int ipxe_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "embed") == 0)
		return cmd_ipxe_embed(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(ipxe_usage, stdout);
		return 0;
	}
	fputs(ipxe_usage, stderr);
	return 2;
}

int trust_main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
