/* cms.h — detached CMS SignedData (RFC 5652), shaped for iPXE's imgverify.
 *
 * iPXE (src/crypto/cms.c) takes the signer's certificate only from the
 * signature itself, needs every certificate up to a root it trusts there
 * too, and verifies the signature over the digest of the raw file: it skips
 * signedAttrs without reading them, so a signature over signed attributes
 * (what `openssl cms -sign` and BoringSSL's PKCS7_sign make) never verifies.
 * This module therefore writes exactly:
 *
 *   ContentInfo { id-signedData, [0] EXPLICIT SignedData {
 *     version 1, digestAlgorithms SET { digest },
 *     encapContentInfo { id-data }                   -- detached: no eContent
 *     certificates [0] IMPLICIT { signer, extra... } -- in the order given
 *     signerInfos SET { SignerInfo {
 *       version 1, sid issuerAndSerialNumber (copied from the signer),
 *       digestAlgorithm digest,                     -- no signedAttrs
 *       signatureAlgorithm rsaEncryption (NULL parameters),
 *       signature OCTET STRING } } } }
 *
 * Everything is DER except that the certificates keep the order they are
 * given in (signer first, as signers conventionally write them) rather than
 * DER's sorted SET OF order; RFC 5652 allows BER there and no verifier
 * depends on the order.
 *
 * The caller computes the signature (RSA PKCS#1 v1.5 over the digest of the
 * content, with the DigestInfo of RFC 8017); this module does no private-key
 * operation and no I/O. */
#ifndef BOOTWARD_CMS_H
#define BOOTWARD_CMS_H

#include <stddef.h>
#include <stdint.h>

enum cms_digest {
	CMS_SHA256,
	CMS_SHA384,
	CMS_SHA512,
};

/* One DER certificate. */
struct cms_cert {
	const uint8_t *der;
	size_t len;
};

/* The certificates in one signature, signer included, at most. */
#define CMS_CERTS_MAX 8
/* RSA signatures up to 16384 bits. */
#define CMS_SIGNATURE_MAX 2048

/* Build the SignedData above.  signer and each of extra[0..n_extra) must be
 * exactly one DER certificate.  On success returns 0 and sets *out to a
 * malloc'd buffer of *out_len bytes (free it with free()); returns -1 when an
 * input is malformed or out of range, or when memory runs out. */
int cms_signed_data_build(const struct cms_cert *signer, const struct cms_cert *extra,
			  size_t n_extra, enum cms_digest digest, const uint8_t *signature,
			  size_t sig_len, uint8_t **out, size_t *out_len);

/* The issuer Name and serialNumber INTEGER of a DER certificate, each as a
 * whole DER element (tag and length included) pointing into der.  Returns
 * 0, or -1 when der is not one well-formed certificate at that level. */
int cms_cert_issuer_serial(const uint8_t *der, size_t len, const uint8_t **issuer,
			   size_t *issuer_len, const uint8_t **serial, size_t *serial_len);

#endif
