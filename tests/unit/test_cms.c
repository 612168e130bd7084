/* test_cms.c — the detached CMS SignedData that iPXE's imgverify reads.
 *
 * A throwaway CA and signer are made at run time with BoringSSL; the output
 * is taken apart again with CBS, field by field, and its signature checked
 * with the certificate found inside it.  The signing API of broker/sign.h
 * is run on the same certificates, written to a temporary trust directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "broker/sign.h"
#include "common/cms.h"

#include <openssl/bn.h>
#include <openssl/bytestring.h>
#include <openssl/evp.h>
#include <openssl/mem.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sodium.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TAG_CTX0 (CBS_ASN1_CONSTRUCTED | CBS_ASN1_CONTEXT_SPECIFIC | 0)

static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const uint8_t oid_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const uint8_t oid_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const uint8_t oid_sha256[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 };
static const uint8_t oid_sha384[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 };
static const uint8_t oid_sha512[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03 };

struct pki {
	EVP_PKEY *ca_key, *signer_key;
	X509 *ca, *signer;
	uint8_t *ca_der, *signer_der;
	size_t ca_len, signer_len;
};
static struct pki pki;

static EVP_PKEY *new_rsa(unsigned bits)
{
	RSA *rsa = RSA_new();
	BIGNUM *e = BN_new();
	EVP_PKEY *pkey = EVP_PKEY_new();

	if (!rsa || !e || !pkey || !BN_set_word(e, RSA_F4) ||
	    !RSA_generate_key_ex(rsa, (int)bits, e, NULL) || !EVP_PKEY_assign_RSA(pkey, rsa))
		abort();
	BN_free(e);
	return pkey;
}

static X509_NAME *name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	if (!n || !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const uint8_t *)"bootward test",
					      -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const uint8_t *)cn, -1, -1, 0))
		abort();
	return n;
}

/* A certificate for key's public half, signed by issuer_key.  version is
 * X509_VERSION_1 (no [0] version field in the DER) or X509_VERSION_3. */
static X509 *new_cert(long version, const char *serial_hex, const char *subject,
		      const char *issuer, EVP_PKEY *key, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	BIGNUM *bn = NULL;
	X509_NAME *s = name(subject), *i = name(issuer);

	if (!x || !X509_set_version(x, version) || !BN_hex2bn(&bn, serial_hex) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || !X509_set_subject_name(x, s) ||
	    !X509_set_issuer_name(x, i) || !X509_gmtime_adj(X509_getm_notBefore(x), -60) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, key))
		abort();
	if (version == X509_VERSION_3) {
		/* What iPXE requires of a code signer. */
		X509_EXTENSION *ku = X509V3_EXT_nconf_nid(NULL, NULL, NID_key_usage,
							  "critical,digitalSignature");
		X509_EXTENSION *eku = X509V3_EXT_nconf_nid(NULL, NULL, NID_ext_key_usage, "codeSigning");
		if (!ku || !eku || !X509_add_ext(x, ku, -1) || !X509_add_ext(x, eku, -1))
			abort();
		X509_EXTENSION_free(ku);
		X509_EXTENSION_free(eku);
	}
	if (!X509_sign(x, issuer_key, EVP_sha256()))
		abort();
	BN_free(bn);
	X509_NAME_free(s);
	X509_NAME_free(i);
	return x;
}

static size_t der_of(X509 *x, uint8_t **out)
{
	*out = NULL;
	int n = i2d_X509(x, out);
	if (n <= 0)
		abort();
	return (size_t)n;
}

static int setup(void **state)
{
	(void)state;
	pki.ca_key = new_rsa(2048);
	pki.signer_key = new_rsa(3072);
	pki.ca = new_cert(X509_VERSION_1, "01", "test root", "test root", pki.ca_key, pki.ca_key);
	/* High bit set: the INTEGER needs a leading zero byte, which must be kept. */
	pki.signer = new_cert(X509_VERSION_3, "80112233445566778899AABB", "test signer", "test root",
			      pki.signer_key, pki.ca_key);
	pki.ca_len = der_of(pki.ca, &pki.ca_der);
	pki.signer_len = der_of(pki.signer, &pki.signer_der);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	OPENSSL_free(pki.ca_der);
	OPENSSL_free(pki.signer_der);
	X509_free(pki.ca);
	X509_free(pki.signer);
	EVP_PKEY_free(pki.ca_key);
	EVP_PKEY_free(pki.signer_key);
	return 0;
}

/* RSA PKCS#1 v1.5 over the digest of content, as the broker computes it. */
static size_t rsa_sign(int nid, const uint8_t *content, size_t len, uint8_t *sig, size_t cap)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0, sig_len = 0;
	RSA *rsa = EVP_PKEY_get0_RSA(pki.signer_key);

	assert_true(EVP_Digest(content, len, md, &md_len, EVP_get_digestbynid(nid), NULL));
	assert_true(RSA_size(rsa) <= cap);
	assert_true(RSA_sign(nid, md, md_len, sig, &sig_len, rsa));
	return sig_len;
}

static int build(enum cms_digest d, const uint8_t *sig, size_t sig_len, uint8_t **out,
		 size_t *out_len)
{
	struct cms_cert signer = { pki.signer_der, pki.signer_len };
	struct cms_cert ca = { pki.ca_der, pki.ca_len };
	return cms_signed_data_build(&signer, &ca, 1, d, sig, sig_len, out, out_len);
}

static void expect_oid(CBS *cbs, const uint8_t *oid, size_t len)
{
	CBS o;
	assert_true(CBS_get_asn1(cbs, &o, CBS_ASN1_OBJECT));
	assert_true(CBS_mem_equal(&o, oid, len));
}

static void expect_uint(CBS *cbs, uint64_t want)
{
	uint64_t v;
	assert_true(CBS_get_asn1_uint64(cbs, &v));
	assert_int_equal(v, want);
}

/* An AlgorithmIdentifier for a SHA-2 digest: the OID, parameters absent. */
static void expect_digest_alg(CBS *cbs, const uint8_t *oid, size_t len)
{
	CBS alg;
	assert_true(CBS_get_asn1(cbs, &alg, CBS_ASN1_SEQUENCE));
	expect_oid(&alg, oid, len);
	assert_int_equal(CBS_len(&alg), 0);
}

static void expect_element(CBS *cbs, const uint8_t *der, size_t len)
{
	CBS e;
	assert_true(CBS_get_any_asn1_element(cbs, &e, NULL, NULL));
	assert_int_equal(CBS_len(&e), len);
	assert_memory_equal(CBS_data(&e), der, len);
}

/* Take the whole structure apart; *signature is left pointing at the
 * signature value inside der. */
static void parse(const uint8_t *der, size_t len, const uint8_t *digest_oid, CBS *signature)
{
	CBS in, ci, explicit0, sd, algs, encap, certs, infos, si, sid, sigalg, null;
	uint8_t *issuer = NULL, *serial = NULL;

	CBS_init(&in, der, len);
	assert_true(CBS_get_asn1(&in, &ci, CBS_ASN1_SEQUENCE));
	assert_int_equal(CBS_len(&in), 0);
	/* ContentInfo */
	expect_oid(&ci, oid_signed_data, sizeof oid_signed_data);
	assert_true(CBS_get_asn1(&ci, &explicit0, TAG_CTX0));
	assert_int_equal(CBS_len(&ci), 0);
	assert_true(CBS_get_asn1(&explicit0, &sd, CBS_ASN1_SEQUENCE));
	assert_int_equal(CBS_len(&explicit0), 0);
	/* SignedData */
	expect_uint(&sd, 1);
	assert_true(CBS_get_asn1(&sd, &algs, CBS_ASN1_SET));
	expect_digest_alg(&algs, digest_oid, sizeof oid_sha256);
	assert_int_equal(CBS_len(&algs), 0);
	assert_true(CBS_get_asn1(&sd, &encap, CBS_ASN1_SEQUENCE));
	expect_oid(&encap, oid_data, sizeof oid_data);
	assert_int_equal(CBS_len(&encap), 0); /* detached: no eContent */
	assert_true(CBS_get_asn1(&sd, &certs, TAG_CTX0));
	expect_element(&certs, pki.signer_der, pki.signer_len);
	expect_element(&certs, pki.ca_der, pki.ca_len);
	assert_int_equal(CBS_len(&certs), 0);
	/* no crls: signerInfos follows */
	assert_true(CBS_get_asn1(&sd, &infos, CBS_ASN1_SET));
	assert_int_equal(CBS_len(&sd), 0);
	assert_true(CBS_get_asn1(&infos, &si, CBS_ASN1_SEQUENCE));
	assert_int_equal(CBS_len(&infos), 0);
	/* SignerInfo */
	expect_uint(&si, 1);
	assert_true(CBS_get_asn1(&si, &sid, CBS_ASN1_SEQUENCE));
	int issuer_len = i2d_X509_NAME(X509_get_issuer_name(pki.signer), &issuer);
	int serial_len = i2d_ASN1_INTEGER(X509_get_serialNumber(pki.signer), &serial);
	assert_true(issuer_len > 0 && serial_len > 0);
	expect_element(&sid, issuer, (size_t)issuer_len);
	expect_element(&sid, serial, (size_t)serial_len);
	assert_int_equal(CBS_len(&sid), 0);
	OPENSSL_free(issuer);
	OPENSSL_free(serial);
	expect_digest_alg(&si, digest_oid, sizeof oid_sha256);
	/* No signedAttrs ([0]): iPXE verifies the signature over the content. */
	assert_false(CBS_peek_asn1_tag(&si, TAG_CTX0));
	assert_true(CBS_get_asn1(&si, &sigalg, CBS_ASN1_SEQUENCE));
	expect_oid(&sigalg, oid_rsa, sizeof oid_rsa);
	assert_true(CBS_get_asn1(&sigalg, &null, CBS_ASN1_NULL));
	assert_int_equal(CBS_len(&null), 0);
	assert_int_equal(CBS_len(&sigalg), 0);
	assert_true(CBS_get_asn1(&si, signature, CBS_ASN1_OCTETSTRING));
	assert_int_equal(CBS_len(&si), 0); /* no unsignedAttrs */
}

/* Verify the signature inside der with the signer certificate inside der. */
static int verify(const uint8_t *der, size_t len, const uint8_t *content, size_t content_len)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	CBS in, sig;
	uint8_t md[SHA256_DIGEST_LENGTH];

	parse(der, len, oid_sha256, &sig);
	CBS_init(&in, der, len);
	assert_non_null(certs);
	assert_true(PKCS7_get_certificates(certs, &in));
	assert_int_equal(sk_X509_num(certs), 2);
	X509 *signer = sk_X509_value(certs, 0);
	assert_int_equal(X509_cmp(signer, pki.signer), 0);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 1), pki.ca), 0);
	EVP_PKEY *pub = X509_get_pubkey(signer);
	assert_non_null(pub);
	SHA256(content, content_len, md);
	int ok = RSA_verify(NID_sha256, md, sizeof md, CBS_data(&sig), CBS_len(&sig),
			    EVP_PKEY_get0_RSA(pub));
	EVP_PKEY_free(pub);
	sk_X509_pop_free(certs, X509_free);
	return ok;
}

static void test_layout_and_signature(void **state)
{
	(void)state;
	static const uint8_t content[] = "#!ipxe\nkernel vmlinuz\ninitrd initrd.img\nboot\n";
	uint8_t sig[1024], *der;
	size_t sig_len = rsa_sign(NID_sha256, content, sizeof content - 1, sig, sizeof sig);
	size_t der_len;
	CBS got;

	assert_int_equal(sig_len, 384); /* RSA-3072 */
	assert_int_equal(build(CMS_SHA256, sig, sig_len, &der, &der_len), 0);
	parse(der, der_len, oid_sha256, &got);
	assert_int_equal(CBS_len(&got), sig_len);
	assert_memory_equal(CBS_data(&got), sig, sig_len);
	assert_true(verify(der, der_len, content, sizeof content - 1));
	/* The same signature does not fit other content. */
	assert_false(verify(der, der_len, content, sizeof content - 2));
	free(der);
}

static void test_empty_content(void **state)
{
	(void)state;
	uint8_t sig[1024], *der;
	size_t sig_len = rsa_sign(NID_sha256, (const uint8_t *)"", 0, sig, sizeof sig);
	size_t der_len;

	assert_int_equal(build(CMS_SHA256, sig, sig_len, &der, &der_len), 0);
	assert_true(verify(der, der_len, (const uint8_t *)"", 0));
	assert_false(verify(der, der_len, (const uint8_t *)"x", 1));
	free(der);
}

static void test_other_digests(void **state)
{
	(void)state;
	static const struct {
		enum cms_digest d;
		int nid;
		const uint8_t *oid;
	} cases[] = {
		{ CMS_SHA384, NID_sha384, oid_sha384 },
		{ CMS_SHA512, NID_sha512, oid_sha512 },
	};
	static const uint8_t content[] = "abc";

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t sig[1024], *der, md[EVP_MAX_MD_SIZE];
		unsigned md_len;
		size_t sig_len = rsa_sign(cases[i].nid, content, 3, sig, sizeof sig), der_len;
		CBS got;
		assert_int_equal(build(cases[i].d, sig, sig_len, &der, &der_len), 0);
		parse(der, der_len, cases[i].oid, &got);
		assert_true(EVP_Digest(content, 3, md, &md_len, EVP_get_digestbynid(cases[i].nid), NULL));
		assert_true(RSA_verify(cases[i].nid, md, md_len, CBS_data(&got), CBS_len(&got),
				       EVP_PKEY_get0_RSA(pki.signer_key)));
		free(der);
	}
}

static void test_issuer_serial(void **state)
{
	(void)state;
	/* Both a v3 certificate ([0] version present) and a v1 one (absent). */
	X509 *certs[2] = { pki.signer, pki.ca };
	const uint8_t *ders[2] = { pki.signer_der, pki.ca_der };
	size_t lens[2] = { pki.signer_len, pki.ca_len };

	for (int i = 0; i < 2; i++) {
		const uint8_t *issuer, *serial;
		size_t issuer_len, serial_len;
		uint8_t *want_issuer = NULL, *want_serial = NULL;
		int wi = i2d_X509_NAME(X509_get_issuer_name(certs[i]), &want_issuer);
		int ws = i2d_ASN1_INTEGER(X509_get_serialNumber(certs[i]), &want_serial);

		assert_int_equal(cms_cert_issuer_serial(ders[i], lens[i], &issuer, &issuer_len, &serial,
							&serial_len), 0);
		assert_int_equal(issuer_len, (size_t)wi);
		assert_memory_equal(issuer, want_issuer, issuer_len);
		assert_int_equal(serial_len, (size_t)ws);
		assert_memory_equal(serial, want_serial, serial_len);
		OPENSSL_free(want_issuer);
		OPENSSL_free(want_serial);
	}
	/* The signer's serial keeps its leading zero: 02 0d 00 80 11 ... */
	const uint8_t *issuer, *serial;
	size_t issuer_len, serial_len;
	assert_int_equal(cms_cert_issuer_serial(pki.signer_der, pki.signer_len, &issuer, &issuer_len,
						&serial, &serial_len), 0);
	static const uint8_t want[] = { 0x02, 0x0d, 0x00, 0x80, 0x11, 0x22, 0x33 };
	assert_memory_equal(serial, want, sizeof want);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t sig[1024], *der = NULL, *bad;
	size_t sig_len = rsa_sign(NID_sha256, (const uint8_t *)"x", 1, sig, sizeof sig);
	size_t der_len = 0;
	struct cms_cert signer = { pki.signer_der, pki.signer_len };
	struct cms_cert ca = { pki.ca_der, pki.ca_len };
	struct cms_cert many[CMS_CERTS_MAX];

	/* no signature, or one longer than any RSA key we accept */
	assert_int_equal(cms_signed_data_build(&signer, &ca, 1, CMS_SHA256, sig, 0, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&signer, &ca, 1, CMS_SHA256, NULL, 5, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&signer, &ca, 1, CMS_SHA256, sig, CMS_SIGNATURE_MAX + 1,
					       &der, &der_len), -1);
	/* an unknown digest */
	assert_int_equal(cms_signed_data_build(&signer, &ca, 1, (enum cms_digest)7, sig, sig_len,
					       &der, &der_len), -1);
	/* too many certificates, or extra certificates missing */
	for (size_t i = 0; i < CMS_CERTS_MAX; i++)
		many[i] = ca;
	assert_int_equal(cms_signed_data_build(&signer, many, CMS_CERTS_MAX, CMS_SHA256, sig, sig_len,
					       &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&signer, many, CMS_CERTS_MAX - 1, CMS_SHA256, sig,
					       sig_len, &der, &der_len), 0);
	free(der);
	der = NULL;
	assert_int_equal(cms_signed_data_build(&signer, NULL, 1, CMS_SHA256, sig, sig_len, &der,
					       &der_len), -1);
	/* a signer that is not one well-formed certificate */
	bad = malloc(pki.signer_len + 1);
	assert_non_null(bad);
	memcpy(bad, pki.signer_der, pki.signer_len);
	bad[pki.signer_len] = 0;
	struct cms_cert trailing = { bad, pki.signer_len + 1 };
	struct cms_cert truncated = { bad, pki.signer_len - 1 };
	struct cms_cert empty = { bad, 0 };
	struct cms_cert garbage = { (const uint8_t *)"\x30\x03\x02\x01\x01", 5 };
	assert_int_equal(cms_signed_data_build(&trailing, &ca, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&truncated, &ca, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&empty, &ca, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&garbage, &ca, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(NULL, &ca, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	/* an extra certificate that is not one DER element */
	assert_int_equal(cms_signed_data_build(&signer, &trailing, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_int_equal(cms_signed_data_build(&signer, &truncated, 1, CMS_SHA256, sig, sig_len, &der, &der_len), -1);
	assert_null(der);
	assert_int_equal(der_len, 0);
	/* every truncation of the signer is refused, none crashes */
	for (size_t n = 0; n < pki.signer_len; n += 7) {
		const uint8_t *i, *s;
		size_t il, sl;
		assert_int_equal(cms_cert_issuer_serial(pki.signer_der, n, &i, &il, &s, &sl), -1);
	}
	free(bad);
	/* no certificates besides the signer is allowed (the caller's choice) */
	assert_int_equal(cms_signed_data_build(&signer, NULL, 0, CMS_SHA256, sig, sig_len, &der,
					       &der_len), 0);
	free(der);
}

/* ---- broker/sign.h: the same structure from the loaded keys ------------------ */

static char trust_dir[64];

static void write_pem(const char *name, X509 *x, EVP_PKEY *key)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", trust_dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, key ? 0600 : 0644);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	assert_true(key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x));
	assert_int_equal(fclose(f), 0);
}

static size_t b64_decode(const char *b64, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;
	assert_int_equal(sodium_base642bin(out, cap, b64, len, NULL, &n, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	return n;
}

/* Check a minisign signature file against data, name and minisign.pub,
 * with libsodium alone. */
static void check_minisig(const char *text, const uint8_t *data, size_t len, const char *name)
{
	char path[128], pub[256], line[4][256];
	uint8_t pk_blob[64], sig_blob[128], global[128], hash[64];
	const char *p = text;

	snprintf(path, sizeof path, "%s/minisign.pub", trust_dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(pub, sizeof pub, f)); /* the comment */
	assert_non_null(fgets(pub, sizeof pub, f));
	fclose(f);
	assert_int_equal(b64_decode(pub, strcspn(pub, "\n"), pk_blob, sizeof pk_blob), 42);
	assert_memory_equal(pk_blob, "Ed", 2);

	for (int i = 0; i < 4; i++) {
		size_t n = strcspn(p, "\n");
		assert_true(n < sizeof line[i] && p[n] == '\n');
		memcpy(line[i], p, n);
		line[i][n] = '\0';
		p += n + 1;
	}
	assert_string_equal(p, "");
	assert_string_equal(line[0], "untrusted comment: signature from bootward secret key");
	assert_int_equal(b64_decode(line[1], strlen(line[1]), sig_blob, sizeof sig_blob), 74);
	assert_memory_equal(sig_blob, "ED", 2);                /* prehashed */
	assert_memory_equal(sig_blob + 2, pk_blob + 2, 8);     /* key id */
	crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
	assert_int_equal(crypto_sign_verify_detached(sig_blob + 10, hash, sizeof hash, pk_blob + 10), 0);
	hash[0] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(sig_blob + 10, hash, sizeof hash, pk_blob + 10), 0);

	const char *tc = line[2] + strlen("trusted comment: ");
	assert_memory_equal(line[2], "trusted comment: timestamp:", 27);
	char *end;
	long long ts = strtoll(tc + strlen("timestamp:"), &end, 10);
	assert_true(llabs(ts - (long long)time(NULL)) < 60);
	assert_int_equal(*end, '\t');
	assert_memory_equal(end + 1, "file:", 5);
	assert_string_equal(end + 6, name);
	uint8_t both[64 + 256];
	memcpy(both, sig_blob + 10, 64);
	memcpy(both + 64, tc, strlen(tc));
	assert_int_equal(b64_decode(line[3], strlen(line[3]), global, sizeof global), 64);
	assert_int_equal(crypto_sign_verify_detached(global, both, 64 + strlen(tc), pk_blob + 10), 0);
}

static void test_sign_api(void **state)
{
	(void)state;
	static const uint8_t ks[] = "text\nnetwork --bootproto=dhcp\n%packages\n@core\n%end\n";
	char err[512], path[128];
	uint8_t *cms = NULL, digest[32], want[32];
	size_t cms_len = 0, text_len = 0;
	char *text = NULL;

	assert_true(sodium_init() >= 0);
	snprintf(trust_dir, sizeof trust_dir, "/tmp/test_cms.XXXXXX");
	assert_non_null(mkdtemp(trust_dir));
	write_pem("ca.crt", pki.ca, NULL);
	write_pem("codesign.crt", pki.signer, NULL);
	write_pem("codesign.key", NULL, pki.signer_key);

	/* No minisign key yet: loading fails and names the file. */
	assert_null(sign_keys_load(trust_dir, err, sizeof err));
	assert_non_null(strstr(err, "minisign.key"));
	assert_int_equal(sign_minisign_keygen(trust_dir, err, sizeof err), 1);
	assert_int_equal(sign_minisign_keygen(trust_dir, err, sizeof err), 0);
	struct sign_keys *k = sign_keys_load(trust_dir, err, sizeof err);
	if (!k)
		fail_msg("sign_keys_load: %s", err);

	/* CMS of a buffer: the same layout, verifiable with the signer inside. */
	assert_int_equal(sign_cms(k, ks, sizeof ks - 1, &cms, &cms_len), 0);
	assert_true(verify(cms, cms_len, ks, sizeof ks - 1));
	assert_false(verify(cms, cms_len, ks, sizeof ks - 2));

	/* minisign of a buffer */
	assert_int_equal(sign_minisig(k, ks, sizeof ks - 1, "centos7.ks", &text, &text_len), 0);
	assert_int_equal(strlen(text), text_len);
	check_minisig(text, ks, sizeof ks - 1, "centos7.ks");
	free(text);
	static const char *const bad_names[] = { "", "a\nb", "tab\there", "del\x7f" };
	for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		assert_int_equal(sign_minisig(k, ks, 3, bad_names[i], &text, &text_len), -1);
		assert_null(text);
	}
	char long_name[300];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	assert_int_equal(sign_minisig(k, ks, 3, long_name, &text, &text_len), -1);
	long_name[255] = '\0';
	assert_int_equal(sign_minisig(k, ks, 3, long_name, &text, &text_len), 0);
	free(text);

	/* A file read in chunks gives the same signature as the buffer
	 * (PKCS#1 v1.5 is deterministic), and a minisig that verifies. */
	snprintf(path, sizeof path, "%s/centos7.ks", trust_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(ks, 1, sizeof ks - 1, f), sizeof ks - 1);
	assert_int_equal(fclose(f), 0);
	if (sign_file(k, path, digest, err, sizeof err) < 0)
		fail_msg("sign_file: %s", err);
	SHA256(ks, sizeof ks - 1, want);
	assert_memory_equal(digest, want, 32);
	char sig_path[160];
	uint8_t file_sig[8192];
	snprintf(sig_path, sizeof sig_path, "%s.sig", path);
	f = fopen(sig_path, "rb");
	assert_non_null(f);
	size_t n = fread(file_sig, 1, sizeof file_sig, f);
	fclose(f);
	assert_int_equal(n, cms_len);
	assert_memory_equal(file_sig, cms, cms_len);
	snprintf(sig_path, sizeof sig_path, "%s.minisig", path);
	f = fopen(sig_path, "r");
	assert_non_null(f);
	char file_text[1024];
	n = fread(file_text, 1, sizeof file_text - 1, f);
	fclose(f);
	file_text[n] = '\0';
	check_minisig(file_text, ks, sizeof ks - 1, "centos7.ks");
	struct stat st;
	assert_int_equal(stat(sig_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(sig_path, sizeof sig_path, "%s/minisign.key", trust_dir);
	assert_int_equal(stat(sig_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* A directory is not signed. */
	assert_int_equal(sign_file(k, trust_dir, digest, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));

	free(cms);
	sign_keys_free(k);
	static const char *const files[] = { "ca.crt", "codesign.crt", "codesign.key", "minisign.key",
					     "minisign.pub", "centos7.ks", "centos7.ks.sig",
					     "centos7.ks.minisig" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", trust_dir, files[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(trust_dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_and_signature),
		cmocka_unit_test(test_empty_content),
		cmocka_unit_test(test_other_digests),
		cmocka_unit_test(test_issuer_serial),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sign_api),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
