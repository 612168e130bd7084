/* cms.c — detached CMS SignedData for iPXE's imgverify; see cms.h. */
#include "common/cms.h"

#include <openssl/base.h>
#ifndef OPENSSL_IS_BORINGSSL
#error "bootward is built against BoringSSL (android-libboringssl-dev); see DESIGN.md"
#endif
#include <openssl/bytestring.h>
#include <openssl/mem.h>

#include <stdlib.h>
#include <string.h>

/* Object identifiers, as the contents octets of an OBJECT IDENTIFIER. */
static const uint8_t oid_signed_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02 };
static const uint8_t oid_data[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
static const uint8_t oid_rsa_encryption[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
/* 2.16.840.1.101.3.4.2.{1,2,3}: sha256, sha384, sha512 */
static const uint8_t oid_sha2[3][9] = {
	{ 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01 },
	{ 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02 },
	{ 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03 },
};

#define TAG_CTX0 (CBS_ASN1_CONSTRUCTED | CBS_ASN1_CONTEXT_SPECIFIC | 0)

int cms_cert_issuer_serial(const uint8_t *der, size_t len, const uint8_t **issuer,
			   size_t *issuer_len, const uint8_t **serial, size_t *serial_len)
{
	CBS in, cert, tbs, ser, iss;

	if (!der || len == 0)
		return -1;
	CBS_init(&in, der, len);
	/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
	if (!CBS_get_asn1(&in, &cert, CBS_ASN1_SEQUENCE) || CBS_len(&in) != 0 ||
	    !CBS_get_asn1(&cert, &tbs, CBS_ASN1_SEQUENCE) ||
	    !CBS_get_asn1(&cert, NULL, CBS_ASN1_SEQUENCE) ||
	    !CBS_get_asn1(&cert, NULL, CBS_ASN1_BITSTRING) || CBS_len(&cert) != 0)
		return -1;
	/* TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
	 * signature, issuer, ... } */
	if (!CBS_get_optional_asn1(&tbs, NULL, NULL, TAG_CTX0) ||
	    !CBS_get_asn1_element(&tbs, &ser, CBS_ASN1_INTEGER) ||
	    !CBS_get_asn1(&tbs, NULL, CBS_ASN1_SEQUENCE) ||
	    !CBS_get_asn1_element(&tbs, &iss, CBS_ASN1_SEQUENCE))
		return -1;
	*issuer = CBS_data(&iss);
	*issuer_len = CBS_len(&iss);
	*serial = CBS_data(&ser);
	*serial_len = CBS_len(&ser);
	return 0;
}

/* True when der..len is exactly one DER SEQUENCE. */
static int one_sequence(const struct cms_cert *c)
{
	CBS cbs, body;

	if (!c || !c->der || c->len == 0)
		return 0;
	CBS_init(&cbs, c->der, c->len);
	return CBS_get_asn1(&cbs, &body, CBS_ASN1_SEQUENCE) && CBS_len(&cbs) == 0;
}

/* AlgorithmIdentifier { OID } with the parameters absent (RFC 5754, 2). */
static int add_digest_alg(CBB *cbb, enum cms_digest d)
{
	CBB alg, oid;

	return CBB_add_asn1(cbb, &alg, CBS_ASN1_SEQUENCE) &&
	       CBB_add_asn1(&alg, &oid, CBS_ASN1_OBJECT) &&
	       CBB_add_bytes(&oid, oid_sha2[d], sizeof oid_sha2[d]) && CBB_flush(cbb);
}

static int add_oid(CBB *cbb, const uint8_t *oid, size_t len)
{
	CBB o;

	return CBB_add_asn1(cbb, &o, CBS_ASN1_OBJECT) && CBB_add_bytes(&o, oid, len) &&
	       CBB_flush(cbb);
}

int cms_signed_data_build(const struct cms_cert *signer, const struct cms_cert *extra,
			  size_t n_extra, enum cms_digest digest, const uint8_t *signature,
			  size_t sig_len, uint8_t **out, size_t *out_len)
{
	const uint8_t *issuer, *serial;
	size_t issuer_len, serial_len;
	CBB cbb, ci, explicit0, sd, algs, encap, certs, infos, si, sid, sigalg, null;
	uint8_t *der = NULL;
	size_t der_len = 0;
	int ok;

	*out = NULL;
	*out_len = 0;
	if ((unsigned)digest > CMS_SHA512 || !signature || sig_len == 0 ||
	    sig_len > CMS_SIGNATURE_MAX || n_extra > CMS_CERTS_MAX - 1 || (n_extra && !extra) ||
	    !one_sequence(signer) ||
	    cms_cert_issuer_serial(signer->der, signer->len, &issuer, &issuer_len, &serial,
				   &serial_len) < 0)
		return -1;
	for (size_t i = 0; i < n_extra; i++)
		if (!one_sequence(&extra[i]))
			return -1;

	if (!CBB_init(&cbb, 1024 + signer->len + sig_len))
		return -1;
	ok = CBB_add_asn1(&cbb, &ci, CBS_ASN1_SEQUENCE) &&
	     add_oid(&ci, oid_signed_data, sizeof oid_signed_data) &&
	     CBB_add_asn1(&ci, &explicit0, TAG_CTX0) &&
	     CBB_add_asn1(&explicit0, &sd, CBS_ASN1_SEQUENCE) &&
	     /* version 1: issuerAndSerialNumber sids, id-data, no v2 CRLs */
	     CBB_add_asn1_uint64(&sd, 1) &&
	     CBB_add_asn1(&sd, &algs, CBS_ASN1_SET) && add_digest_alg(&algs, digest) &&
	     CBB_add_asn1(&sd, &encap, CBS_ASN1_SEQUENCE) &&
	     add_oid(&encap, oid_data, sizeof oid_data) &&
	     CBB_add_asn1(&sd, &certs, TAG_CTX0) &&
	     CBB_add_bytes(&certs, signer->der, signer->len);
	for (size_t i = 0; ok && i < n_extra; i++)
		ok = CBB_add_bytes(&certs, extra[i].der, extra[i].len);
	ok = ok && CBB_add_asn1(&sd, &infos, CBS_ASN1_SET) &&
	     CBB_add_asn1(&infos, &si, CBS_ASN1_SEQUENCE) &&
	     CBB_add_asn1_uint64(&si, 1) &&
	     CBB_add_asn1(&si, &sid, CBS_ASN1_SEQUENCE) &&
	     CBB_add_bytes(&sid, issuer, issuer_len) &&
	     CBB_add_bytes(&sid, serial, serial_len) &&
	     add_digest_alg(&si, digest) &&
	     /* no signedAttrs: iPXE verifies the signature over the file */
	     CBB_add_asn1(&si, &sigalg, CBS_ASN1_SEQUENCE) &&
	     add_oid(&sigalg, oid_rsa_encryption, sizeof oid_rsa_encryption) &&
	     CBB_add_asn1(&sigalg, &null, CBS_ASN1_NULL) &&
	     CBB_add_asn1_octet_string(&si, signature, sig_len) &&
	     CBB_finish(&cbb, &der, &der_len);
	if (!ok) {
		CBB_cleanup(&cbb);
		return -1;
	}
	/* Hand back plain malloc'd memory: OPENSSL_malloc's blocks need OPENSSL_free. */
	*out = malloc(der_len);
	if (*out) {
		memcpy(*out, der, der_len);
		*out_len = der_len;
	}
	OPENSSL_free(der);
	return *out ? 0 : -1;
}
