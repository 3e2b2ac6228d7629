/* SPDX-License-Identifier: Apache-2.0 */
/* Generates the self-signed localhost certificate the gateway serves when none is configured. */
#include "signaling/tls-cert.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_EXTENSION, X509_EXTENSION_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

/* What browsers accept as the longest validity of a server certificate. */
#define VALID_DAYS 825
#define SUBJECT_ALT_NAMES "DNS:localhost,IP:127.0.0.1,IP:::1"

/* Sets @error from OpenSSL's error queue (and empties it). */
static gboolean
openssl_failed(GError **error, const char *what)
{
  char reason[256] = "unknown error";
  unsigned long code = ERR_get_error();

  if (code != 0)
    ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "TLS certificate: %s failed: %s", what, reason);
  return FALSE;
}

static gboolean
add_extension(X509 *cert, int nid, const char *value, GError **error)
{
  X509V3_CTX ctx;

  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
  g_autoptr(X509_EXTENSION) extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (extension == NULL || !X509_add_ext(cert, extension, -1))
    return openssl_failed(error, OBJ_nid2sn(nid));
  return TRUE;
}

static gboolean
set_random_serial(X509 *cert, GError **error)
{
  g_autoptr(BIGNUM) serial = BN_new();

  /* 127 bits keeps the DER integer positive and within the 20-octet limit. */
  if (serial == NULL || !BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
      BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) == NULL)
    return openssl_failed(error, "serial number");
  return TRUE;
}

static X509 *
make_certificate(EVP_PKEY *key, GError **error)
{
  g_autoptr(X509) cert = X509_new();

  if (cert == NULL || !X509_set_version(cert, X509_VERSION_3)) {
    openssl_failed(error, "X509_new");
    return NULL;
  }
  if (!set_random_serial(cert, error))
    return NULL;

  X509_NAME *name = X509_get_subject_name(cert);
  if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                  -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                  (const unsigned char *)"Balie self-signed", -1, -1, 0) ||
      !X509_set_issuer_name(cert, name)) {
    openssl_failed(error, "subject name");
    return NULL;
  }
  /* Backdate a little so a clock slightly behind ours still accepts it. */
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
      X509_time_adj_ex(X509_getm_notAfter(cert), VALID_DAYS, 0, NULL) == NULL) {
    openssl_failed(error, "validity");
    return NULL;
  }
  if (!X509_set_pubkey(cert, key)) {
    openssl_failed(error, "X509_set_pubkey");
    return NULL;
  }
  if (!add_extension(cert, NID_basic_constraints, "critical,CA:FALSE", error) ||
      !add_extension(cert, NID_key_usage, "critical,digitalSignature", error) ||
      !add_extension(cert, NID_ext_key_usage, "serverAuth", error) ||
      !add_extension(cert, NID_subject_key_identifier, "hash", error) ||
      !add_extension(cert, NID_subject_alt_name, SUBJECT_ALT_NAMES, error))
    return NULL;
  if (X509_sign(cert, key, EVP_sha256()) <= 0) {
    openssl_failed(error, "X509_sign");
    return NULL;
  }
  return g_steal_pointer(&cert);
}

/* Copies what was written into a memory BIO. */
static GBytes *
pem_to_bytes(BIO *bio)
{
  char *data = NULL;
  long length = BIO_get_mem_data(bio, &data);

  return g_bytes_new(data, length > 0 ? (gsize)length : 0);
}

static gboolean
write_file(const char *path, GBytes *contents, int mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname(path);
  gsize length = 0;
  const char *data = g_bytes_get_data(contents, &length);

  if (g_mkdir_with_parents(dir, 0700) != 0) {
    int saved_errno = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno),
                "cannot create folder %s: %s", dir, g_strerror(saved_errno));
    return FALSE;
  }
  /* Written to a temporary file created with @mode, then renamed: a reader
   * never sees half a key, nor a key readable by others. */
  return g_file_set_contents_full(path, data, (gssize)length, G_FILE_SET_CONTENTS_CONSISTENT, mode,
                                  error);
}

static gboolean
generate(const char *cert_path, const char *key_path, GError **error)
{
  g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
  if (key == NULL)
    return openssl_failed(error, "EC P-256 key generation");

  g_autoptr(X509) cert = make_certificate(key, error);
  if (cert == NULL)
    return FALSE;

  g_autoptr(BIO) key_bio = BIO_new(BIO_s_mem());
  g_autoptr(BIO) cert_bio = BIO_new(BIO_s_mem());
  if (key_bio == NULL || cert_bio == NULL ||
      !PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL) ||
      !PEM_write_bio_X509(cert_bio, cert))
    return openssl_failed(error, "PEM encoding");

  g_autoptr(GBytes) key_pem = pem_to_bytes(key_bio);
  g_autoptr(GBytes) cert_pem = pem_to_bytes(cert_bio);
  /* Key first: a certificate without its key would make the next start
   * believe everything is in place. */
  return write_file(key_path, key_pem, 0600, error) && write_file(cert_path, cert_pem, 0644, error);
}

gboolean
gw_tls_cert_ensure(const char *cert_path, const char *key_path, gboolean *generated, GError **error)
{
  g_return_val_if_fail(cert_path != NULL && key_path != NULL, FALSE);

  if (generated != NULL)
    *generated = FALSE;
  if (g_file_test(cert_path, G_FILE_TEST_EXISTS) && g_file_test(key_path, G_FILE_TEST_EXISTS))
    return TRUE;

  if (!generate(cert_path, key_path, error))
    return FALSE;
  g_message("generated a self-signed TLS certificate for localhost in %s (key %s)", cert_path,
            key_path);
  if (generated != NULL)
    *generated = TRUE;
  return TRUE;
}
