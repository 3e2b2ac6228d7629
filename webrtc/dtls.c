/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DTLS-SRTP (RFC 5764) on OpenSSL 3.0, for a participant that does without webrtcbin.
 *
 * OpenSSL talks to the caller through a BIO of our own rather than BIO_s_mem: a memory BIO
 * runs the records of a flight together into one byte stream, so the caller could not tell
 * where a datagram ends, and OpenSSL 3.0 (Debian 12) has no datagram memory BIO yet
 * (BIO_s_dgram_pair came in 3.2). Ours reads exactly the one datagram being received, and
 * packs the records OpenSSL writes during one call into datagrams of at most GW_DTLS_MTU bytes
 * (OpenSSL fragments handshake messages to the MTU it is given, so every record fits), handing
 * them to the caller once OpenSSL has returned, so the send callback never runs inside OpenSSL.
 *
 * The peer is authenticated by its SDP fingerprint alone (RFC 8122): its certificate is
 * self-signed, so the usual chain checks (issuer, validity dates) mean nothing, and the
 * certificate verification OpenSSL would do is replaced by a digest comparison.
 *
 * OpenSSL's error queue belongs to the thread, not to an association: it is emptied before
 * and after every OpenSSL call here, so SSL_get_error() sees this association's errors only
 * and none are left for whatever the thread runs next.
 */
#include "webrtc/dtls.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SSL_CTX, SSL_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)

/* The whole handshake, from the first flight, before the association fails. */
#define GW_DTLS_HANDSHAKE_LIMIT_US (30 * G_USEC_PER_SEC)
/* The first retransmission timer, doubled each time up to the last. OpenSSL starts at 1 s; a
 * WebRTC handshake runs over a path ICE has just proved, so a lost flight is resent sooner,
 * as browsers do. */
#define TIMER_FIRST_US 400000u
#define TIMER_MAX_US 60000000u /* OpenSSL's own ceiling */

#define DATAGRAM_MAX 16384             /* longer received datagrams are dropped */
#define FINGERPRINT_MAX 256            /* "sha-512" and 64 hex pairs take 199 characters */
#define PEM_MAX (64 * 1024)            /* a certificate and a key take a few KiB */
#define CERT_BACKDATE_S (24 * 60 * 60) /* a peer whose clock is a day behind still takes it */
#define CERT_DAYS 30
#define SRTP_PROFILES "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32" /* preferred first */
/* ECDHE with AES-GCM only: every browser offers it, and it gives every protected record the
 * same least length, which records_usable() relies on. No CBC suite: with encrypt-then-MAC,
 * OpenSSL 3.0 fails a DTLS association on any record with a bad MAC. */
#define CIPHERS                                                                                    \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                     \
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
#define RECORD_HEADER 13       /* type, version, epoch, sequence number, length */
#define PROTECTED_MIN (8 + 16) /* AES-GCM's explicit nonce and tag, around every record */
#define SRTP_KEY_LEN 16
#define SRTP_SALT_LEN 14
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp" /* RFC 5764 4.2 */

/* clang-format off */
G_DEFINE_QUARK(gw-dtls-error-quark, gw_dtls_error)
/* clang-format on */

struct _GwDtlsCert {
  X509 *x509;
  EVP_PKEY *key;
  /* One context per certificate, shared by every association made with it: nothing in it
   * differs between them (role and peer fingerprint live on each SSL), and SSL_CTX_new() is
   * slow and large in OpenSSL 3.0 (it fetches every algorithm: 0.2 ms and 13 KiB here). SSL_new()
   * on a shared context is thread-safe, and the context is not changed once made. */
  SSL_CTX *ctx;
  char fingerprint[sizeof "sha-256 " + 3 * 32];
};

struct _GwDtls {
  GwDtlsCert *cert;
  SSL *ssl; /* NULL once FAILED or CLOSED: nothing more is sent or read */
  GwDtlsRole role;
  GwDtlsState state;
  GError *error;
  GwDtlsSendFn send;
  gpointer user_data;

  /* The peer's fingerprint: its hash and the digest its certificate must have. */
  const EVP_MD *peer_md;
  guint8 peer_digest[EVP_MAX_MD_SIZE];
  guint peer_digest_len;
  gboolean peer_refused; /* the certificate check failed: FINGERPRINT, not HANDSHAKE */

  gboolean started;  /* a client's gw_dtls_start(), a server's first datagram */
  gint64 deadline;   /* monotonic time the handshake fails at */
  gboolean has_keys; /* while CONNECTED */
  GwDtlsSrtpKeys keys;

  /* The BIO: the datagram being received (borrowed for the call), the one being packed, and
   * those complete but not yet handed to @send. */
  const guint8 *in;
  gsize in_len;
  GByteArray *out; /* NULL between calls */
  GPtrArray *ready;
};

/* ---- errors ---- */

/* Sets @error to @what and OpenSSL's first queued error, if any, then empties the queue. */
static void
set_openssl_error(GError **error, GwDtlsError code, const char *what)
{
  char reason[256];
  unsigned long first = ERR_get_error();

  ERR_clear_error();
  if (first == 0) {
    g_set_error_literal(error, GW_DTLS_ERROR, code, what);
    return;
  }
  ERR_error_string_n(first, reason, sizeof reason);
  g_set_error(error, GW_DTLS_ERROR, code, "%s: %s", what, reason);
}

/* ---- certificates ---- */

static void
cert_clear(gpointer data)
{
  GwDtlsCert *cert = data;

  SSL_CTX_free(cert->ctx);
  EVP_PKEY_free(cert->key);
  X509_free(cert->x509);
}

static int verify_peer(X509_STORE_CTX *store, void *arg);

static SSL_CTX *
context_new(X509 *x509, EVP_PKEY *key, GError **error)
{
  g_autoptr(SSL_CTX) ctx = SSL_CTX_new(DTLS_method());

  /* SSL_CTX_set_tlsext_use_srtp() is the one that returns 0 on success. */
  if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, x509) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1 || SSL_CTX_set_cipher_list(ctx, CIPHERS) != 1 ||
      SSL_CTX_set_tlsext_use_srtp(ctx, SRTP_PROFILES) != 0) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "DTLS context");
    return NULL;
  }
  /* The MTU is ours to set (the BIO has no socket to ask); no session is ever resumed (a
   * resumed session would skip the fingerprint check) nor renegotiated (the keys in use would
   * no longer be the exported ones). No HelloVerifyRequest cookie either: ICE has checked the
   * peer's address before the first datagram. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  /* Records never exceed the MTU anyway; this sizes OpenSSL's write buffer to match (1.5 KiB
   * instead of 17 KiB per association, kept for its whole life). */
  SSL_CTX_set_max_send_fragment(ctx, GW_DTLS_MTU);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  SSL_CTX_set_cert_verify_callback(ctx, verify_peer, NULL);
  return g_steal_pointer(&ctx);
}

/* Takes @x509 and @key (whose match is checked) into a new certificate. */
static GwDtlsCert *
cert_assemble(X509 *x509, EVP_PKEY *key, GError **error)
{
  guint8 digest[32];
  guint len = 0;

  if (X509_digest(x509, EVP_sha256(), digest, &len) != 1 || len != sizeof digest) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "certificate digest");
    X509_free(x509);
    EVP_PKEY_free(key);
    return NULL;
  }
  GwDtlsCert *cert = g_atomic_rc_box_new0(GwDtlsCert);
  cert->x509 = x509;
  cert->key = key;
  char *p = g_stpcpy(cert->fingerprint, "sha-256 ");
  for (guint i = 0; i < len; i++)
    p += g_snprintf(p, 4, i + 1 < len ? "%02X:" : "%02X", digest[i]);
  cert->ctx = context_new(x509, key, error);
  if (cert->ctx == NULL) {
    gw_dtls_cert_unref(cert);
    return NULL;
  }
  return cert;
}

static X509 *
certificate_make(EVP_PKEY *key, GError **error)
{
  g_autoptr(X509) x509 = X509_new();
  g_autoptr(BIGNUM) serial = BN_new();
  X509_NAME *name = x509 ? X509_get_subject_name(x509) : NULL;

  /* 64 random bits: positive, and unique enough that no two certificates a peer sees from us
   * share a serial. */
  if (x509 == NULL || serial == NULL || X509_set_version(x509, X509_VERSION_3) != 1 ||
      BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) == NULL ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const guchar *)"balie", -1, -1, 0) !=
          1 ||
      X509_set_issuer_name(x509, name) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(x509), -CERT_BACKDATE_S) == NULL ||
      X509_gmtime_adj(X509_getm_notAfter(x509), (long)CERT_DAYS * 24 * 60 * 60) == NULL ||
      X509_set_pubkey(x509, key) != 1 || X509_sign(x509, key, EVP_sha256()) <= 0) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "self-signed certificate");
    return NULL;
  }
  return g_steal_pointer(&x509);
}

GwDtlsCert *
gw_dtls_cert_new(GError **error)
{
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  ERR_clear_error();
  g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
  if (key == NULL) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "P-256 key");
    return NULL;
  }
  X509 *x509 = certificate_make(key, error);
  if (x509 == NULL)
    return NULL;
  return cert_assemble(x509, g_steal_pointer(&key), error);
}

/* A key in PEM is never encrypted here: fail rather than let OpenSSL prompt on a terminal. */
static int
no_password(char *buf, int size, int rwflag, void *user_data)
{
  return -1;
}

GwDtlsCert *
gw_dtls_cert_new_from_pem(const char *pem, GError **error)
{
  g_return_val_if_fail(pem != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  gsize len = strnlen(pem, PEM_MAX + 1);
  if (len > PEM_MAX) {
    g_set_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_CERTIFICATE,
                "PEM certificate and key: longer than %d bytes", PEM_MAX);
    return NULL;
  }
  ERR_clear_error();
  g_autoptr(BIO) bio = BIO_new_mem_buf(pem, (int)len);
  if (bio == NULL) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "PEM");
    return NULL;
  }
  /* Each read skips the PEM blocks of other kinds, so the order does not matter; a read-only
   * memory BIO rewinds to its start on reset. */
  g_autoptr(X509) x509 = PEM_read_bio_X509(bio, NULL, no_password, NULL);
  if (x509 == NULL) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "PEM: no certificate");
    return NULL;
  }
  (void)BIO_reset(bio);
  g_autoptr(EVP_PKEY) key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
  if (key == NULL) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "PEM: no private key");
    return NULL;
  }
  if (X509_check_private_key(x509, key) != 1) {
    set_openssl_error(error, GW_DTLS_ERROR_CERTIFICATE, "PEM: the key is not the certificate's");
    return NULL;
  }
  ERR_clear_error();
  return cert_assemble(g_steal_pointer(&x509), g_steal_pointer(&key), error);
}

GwDtlsCert *
gw_dtls_cert_ref(GwDtlsCert *cert)
{
  g_return_val_if_fail(cert != NULL, NULL);
  return g_atomic_rc_box_acquire(cert);
}

void
gw_dtls_cert_unref(GwDtlsCert *cert)
{
  if (cert != NULL)
    g_atomic_rc_box_release_full(cert, cert_clear);
}

const char *
gw_dtls_cert_fingerprint(GwDtlsCert *cert)
{
  g_return_val_if_fail(cert != NULL, NULL);
  return cert->fingerprint;
}

/* ---- the peer's fingerprint (RFC 8122 5) ---- */

static const struct {
  const char *name;
  const EVP_MD *(*md)(void);
} hashes[] = {
    {"sha-1", EVP_sha1},     {"sha-224", EVP_sha224}, {"sha-256", EVP_sha256},
    {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
};

static gboolean
fingerprint_refuse(GError **error, const char *why)
{
  g_set_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_FINGERPRINT, "remote fingerprint: %s", why);
  return FALSE;
}

/* "<hash> <hex>:<hex>:..." with exactly as many pairs as the hash has bytes. */
static gboolean
fingerprint_parse(GwDtls *dtls, const char *text, GError **error)
{
  if (text == NULL || strnlen(text, FINGERPRINT_MAX + 1) > FINGERPRINT_MAX)
    return fingerprint_refuse(error, text ? "too long" : "missing");

  const char *p = text;
  while (*p == ' ' || *p == '\t')
    p++;
  gsize name_len = strcspn(p, " \t");
  for (guint i = 0; i < G_N_ELEMENTS(hashes) && dtls->peer_md == NULL; i++)
    if (name_len == strlen(hashes[i].name) && g_ascii_strncasecmp(p, hashes[i].name, name_len) == 0)
      dtls->peer_md = hashes[i].md();
  if (dtls->peer_md == NULL)
    return fingerprint_refuse(error, name_len ? "unknown hash" : "no hash");
  p += name_len;
  while (*p == ' ' || *p == '\t')
    p++;

  guint want = (guint)EVP_MD_get_size(dtls->peer_md);
  for (guint i = 0; i < want; i++) {
    int hi = g_ascii_xdigit_value(p[0]), lo = hi < 0 ? -1 : g_ascii_xdigit_value(p[1]);
    if (lo < 0)
      return fingerprint_refuse(error, "not hexadecimal pairs");
    dtls->peer_digest[i] = (guint8)(hi << 4 | lo);
    p += 2;
    if (i + 1 < want && *p++ != ':')
      return fingerprint_refuse(error, "too short for its hash, or pairs not colon-separated");
  }
  while (*p == ' ' || *p == '\t')
    p++;
  if (*p != '\0')
    return fingerprint_refuse(error, "too long for its hash");
  dtls->peer_digest_len = want;
  return TRUE;
}

static gboolean
fingerprint_matches(GwDtls *dtls, X509 *peer)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  guint len = 0;

  return peer != NULL && X509_digest(peer, dtls->peer_md, digest, &len) == 1 &&
         len == dtls->peer_digest_len && CRYPTO_memcmp(digest, dtls->peer_digest, len) == 0;
}

/* Replaces OpenSSL's chain verification: the end-entity certificate the peer presented must
 * be the one its fingerprint names. OpenSSL has already checked that the peer holds its key
 * (CertificateVerify, or the ServerKeyExchange signature). */
static int
verify_peer(X509_STORE_CTX *store, void *arg)
{
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  GwDtls *dtls = ssl != NULL ? SSL_get_app_data(ssl) : NULL;

  if (dtls != NULL && fingerprint_matches(dtls, X509_STORE_CTX_get0_cert(store)))
    return 1;
  if (dtls != NULL)
    dtls->peer_refused = TRUE;
  /* bad_certificate goes to the peer */
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

/* ---- the BIO ---- */

static void
datagram_close(GwDtls *dtls)
{
  if (dtls->out != NULL)
    g_ptr_array_add(dtls->ready, g_byte_array_free_to_bytes(g_steal_pointer(&dtls->out)));
}

/* Each write is one whole record: it starts a new datagram if it does not fit in this one. */
static int
bio_write(BIO *bio, const char *data, size_t len, size_t *written)
{
  GwDtls *dtls = BIO_get_data(bio);

  if (dtls->out != NULL && dtls->out->len + len > GW_DTLS_MTU)
    datagram_close(dtls);
  if (dtls->out == NULL)
    dtls->out = g_byte_array_sized_new(GW_DTLS_MTU);
  g_byte_array_append(dtls->out, (const guint8 *)data, (guint)len);
  *written = len;
  return 1;
}

/* The datagram being received, once; then "try again later", which OpenSSL takes as waiting
 * for the next one. A datagram longer than @size is cut, as recv() would cut it. */
static int
bio_read(BIO *bio, char *data, size_t size, size_t *read)
{
  GwDtls *dtls = BIO_get_data(bio);

  BIO_clear_retry_flags(bio);
  if (dtls->in == NULL) {
    BIO_set_retry_read(bio);
    *read = 0;
    return 0;
  }
  *read = MIN(size, dtls->in_len);
  memcpy(data, dtls->in, *read);
  dtls->in = NULL;
  dtls->in_len = 0;
  return 1;
}

static long
bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
  GwDtls *dtls = BIO_get_data(bio);

  switch (cmd) {
  case BIO_CTRL_FLUSH:
    /* Nothing to do: datagrams go out when the call ends (finish()). OpenSSL flushes after
     * every message it retransmits, and closing the datagram here would send a resent flight
     * as one datagram per record. */
    return 1;
  case BIO_CTRL_PENDING:
    return (long)dtls->in_len;
  case BIO_CTRL_WPENDING:
    return dtls->out != NULL ? (long)dtls->out->len : 0;
  default: /* no socket: no MTU query, peer address or timeout to set */
    return 0;
  }
}

static BIO_METHOD *
bio_method(void)
{
  static gsize once;
  static BIO_METHOD *method;

  if (g_once_init_enter(&once)) {
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "balie dtls datagrams");
    if (method == NULL || BIO_meth_set_write_ex(method, bio_write) != 1 ||
        BIO_meth_set_read_ex(method, bio_read) != 1 || BIO_meth_set_ctrl(method, bio_ctrl) != 1)
      g_error("cannot make the DTLS BIO method"); /* only if out of memory */
    g_once_init_leave(&once, 1);
  }
  return method;
}

/* ---- records OpenSSL must not see ---- */

/* RFC 6347 4.1.2.7 has a receiver drop an invalid record and keep the association. OpenSSL 3.0
 * fails it instead for some that anyone can forge in one spoofed datagram (openssl/openssl
 * issues 25389 and 25840), so those never reach it:
 * - a protected record (epoch 1 on) too short for AES-GCM's nonce and tag;
 * - a record of a content type DTLS 1.2 does not have;
 * - once connected, unprotected handshake records (epoch 0: some are taken for a renegotiating
 *   ClientHello that fails). A connected association has nothing to read outside epoch 1; the
 *   Finished of a peer's resent last flight is in it.
 * Nor, once connected, any that OpenSSL would drop by its header alone (a version other than
 * DTLS 1.2): it leaves such a record's body unread and parses it as more records, so a record
 * hidden in the body would get past the checks above (openssl/openssl pull request 32700).
 * Before that, the first ClientHello may say DTLS 1.0; and there a forged alert could end the
 * handshake anyway. */
static gboolean
record_usable(GwDtls *dtls, const guint8 *record, gsize size)
{
  guint version = (guint)record[1] << 8 | record[2];
  guint epoch = (guint)record[3] << 8 | record[4];

  if (record[0] < 20 || record[0] > 23 || record[1] != DTLS1_VERSION_MAJOR)
    return FALSE;
  if (dtls->state == GW_DTLS_STATE_CONNECTED && (epoch != 1 || version != DTLS1_2_VERSION))
    return FALSE;
  return epoch == 0 || size - RECORD_HEADER >= PROTECTED_MIN;
}

/* How many bytes of @data's records are usable, and in @copy (NULL if they are the first bytes
 * of @data as they stand) those records alone. A record longer than what is left ends the
 * datagram, as it does in OpenSSL. */
static gsize
records_usable(GwDtls *dtls, const guint8 *data, gsize len, guint8 **copy)
{
  gsize off = 0, kept = 0;

  *copy = NULL;
  while (len - off >= RECORD_HEADER) {
    const guint8 *record = data + off;
    gsize size = RECORD_HEADER + ((gsize)record[11] << 8 | record[12]);
    if (size > len - off)
      break;
    if (record_usable(dtls, record, size)) {
      if (*copy != NULL)
        memcpy(*copy + kept, record, size);
      kept += size;
    } else if (*copy == NULL) {
      /* every record before this one was kept: @kept == @off */
      *copy = g_malloc(len);
      memcpy(*copy, data, kept);
    }
    off += size;
  }
  return kept;
}

/* ---- the association ---- */

static unsigned int
timer_next(SSL *ssl, unsigned int previous_us)
{
  if (previous_us == 0)
    return TIMER_FIRST_US;
  return previous_us >= TIMER_MAX_US / 2 ? TIMER_MAX_US : 2 * previous_us;
}

GwDtls *
gw_dtls_new(GwDtlsCert *cert, GwDtlsRole role, const char *remote_fingerprint, GwDtlsSendFn send,
            gpointer user_data, GError **error)
{
  g_return_val_if_fail(cert != NULL, NULL);
  g_return_val_if_fail(role == GW_DTLS_ROLE_CLIENT || role == GW_DTLS_ROLE_SERVER, NULL);
  g_return_val_if_fail(send != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  g_autoptr(GwDtls) dtls = g_new0(GwDtls, 1);
  dtls->cert = gw_dtls_cert_ref(cert);
  dtls->role = role;
  dtls->state = GW_DTLS_STATE_CONNECTING;
  dtls->send = send;
  dtls->user_data = user_data;
  dtls->ready = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  if (!fingerprint_parse(dtls, remote_fingerprint, error))
    return NULL;

  ERR_clear_error();
  dtls->ssl = SSL_new(cert->ctx);
  BIO *bio = dtls->ssl != NULL ? BIO_new(bio_method()) : NULL;
  if (bio == NULL) {
    set_openssl_error(error, GW_DTLS_ERROR_HANDSHAKE, "DTLS association");
    return NULL;
  }
  BIO_set_data(bio, dtls);
  BIO_set_init(bio, 1);
  SSL_set_bio(dtls->ssl, bio, bio); /* the same BIO both ways: one reference taken */
  SSL_set_app_data(dtls->ssl, dtls);
  if (SSL_set_mtu(dtls->ssl, GW_DTLS_MTU) <= 0) {
    set_openssl_error(error, GW_DTLS_ERROR_HANDSHAKE, "DTLS MTU");
    return NULL;
  }
  DTLS_set_timer_cb(dtls->ssl, timer_next);
  if (role == GW_DTLS_ROLE_CLIENT)
    SSL_set_connect_state(dtls->ssl);
  else
    SSL_set_accept_state(dtls->ssl);
  ERR_clear_error();
  return g_steal_pointer(&dtls);
}

static void
keys_forget(GwDtls *dtls)
{
  OPENSSL_cleanse(&dtls->keys, sizeof dtls->keys);
  dtls->has_keys = FALSE;
}

void
gw_dtls_free(GwDtls *dtls)
{
  if (dtls == NULL)
    return;
  SSL_free(dtls->ssl);
  gw_dtls_cert_unref(dtls->cert);
  g_clear_error(&dtls->error);
  if (dtls->out != NULL)
    g_byte_array_unref(dtls->out);
  if (dtls->ready != NULL)
    g_ptr_array_unref(dtls->ready);
  keys_forget(dtls);
  g_free(dtls);
}

static void
fail(GwDtls *dtls, GwDtlsError code, const char *what)
{
  g_clear_error(&dtls->error);
  set_openssl_error(&dtls->error, code, what);
  dtls->state = GW_DTLS_STATE_FAILED;
  keys_forget(dtls);
}

/* After an OpenSSL call returned @ret: waiting for a datagram is normal, close_notify closes,
 * anything else (a fatal alert either way, a refused certificate) fails. */
static void
check_result(GwDtls *dtls, int ret)
{
  switch (SSL_get_error(dtls->ssl, ret)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE:
    return;
  case SSL_ERROR_ZERO_RETURN:
    /* RFC 5246 7.2.1: answer close_notify with close_notify. */
    if (SSL_is_init_finished(dtls->ssl))
      (void)SSL_shutdown(dtls->ssl);
    dtls->state = GW_DTLS_STATE_CLOSED;
    keys_forget(dtls);
    return;
  default:
    if (dtls->peer_refused)
      fail(dtls, GW_DTLS_ERROR_FINGERPRINT,
           "the peer's certificate is not the one its fingerprint names");
    else
      fail(dtls, GW_DTLS_ERROR_HANDSHAKE, "DTLS handshake");
    return;
  }
}

/* The handshake is over on OpenSSL's side: the keys, if the peer is who it said. */
static void
handshake_done(GwDtls *dtls)
{
  /* verify_peer() accepted it already; checked again here because the keys depend on it. */
  if (!fingerprint_matches(dtls, SSL_get0_peer_certificate(dtls->ssl))) {
    fail(dtls, GW_DTLS_ERROR_FINGERPRINT,
         "the peer's certificate is not the one its fingerprint names");
    return;
  }
  const SRTP_PROTECTION_PROFILE *profile = SSL_get_selected_srtp_profile(dtls->ssl);
  if (profile == NULL ||
      (profile->id != SRTP_AES128_CM_SHA1_80 && profile->id != SRTP_AES128_CM_SHA1_32)) {
    fail(dtls, GW_DTLS_ERROR_HANDSHAKE, "no SRTP profile agreed (use_srtp, RFC 5764)");
    return;
  }
  /* client key, server key, client salt, server salt (RFC 5764 4.2) */
  guint8 material[2 * GW_SRTP_MASTER_LEN];
  if (SSL_export_keying_material(dtls->ssl, material, sizeof material, EXPORTER_LABEL,
                                 strlen(EXPORTER_LABEL), NULL, 0, 0) != 1) {
    fail(dtls, GW_DTLS_ERROR_HANDSHAKE, "SRTP keying material");
    return;
  }
  const guint8 *client_key = material, *server_key = material + SRTP_KEY_LEN;
  const guint8 *client_salt = material + 2 * SRTP_KEY_LEN;
  const guint8 *server_salt = client_salt + SRTP_SALT_LEN;
  gboolean client = dtls->role == GW_DTLS_ROLE_CLIENT;
  dtls->keys.profile = profile->id == SRTP_AES128_CM_SHA1_80 ? GW_SRTP_AES_CM_128_HMAC_SHA1_80
                                                             : GW_SRTP_AES_CM_128_HMAC_SHA1_32;
  memcpy(dtls->keys.local, client ? client_key : server_key, SRTP_KEY_LEN);
  memcpy(dtls->keys.local + SRTP_KEY_LEN, client ? client_salt : server_salt, SRTP_SALT_LEN);
  memcpy(dtls->keys.remote, client ? server_key : client_key, SRTP_KEY_LEN);
  memcpy(dtls->keys.remote + SRTP_KEY_LEN, client ? server_salt : client_salt, SRTP_SALT_LEN);
  OPENSSL_cleanse(material, sizeof material);
  dtls->has_keys = TRUE;
  dtls->state = GW_DTLS_STATE_CONNECTED;
}

/* Reads until OpenSSL waits for the next datagram. What a connected association reads is
 * application data, which DTLS-SRTP has none of: dropped. Meanwhile OpenSSL answers a peer's
 * retransmitted last flight with its own. */
static void
drain(GwDtls *dtls)
{
  guint8 sink[2048];
  size_t n = 0;
  int ret;

  /* Ends: every read consumes some of the one datagram, at most DATAGRAM_MAX bytes. */
  while ((ret = SSL_read_ex(dtls->ssl, sink, sizeof sink, &n)) == 1)
    ;
  check_result(dtls, ret);
}

/* Moves the handshake on, or reads, with whatever datagram the BIO holds. */
static void
advance(GwDtls *dtls)
{
  if (dtls->state == GW_DTLS_STATE_CONNECTING) {
    int ret = SSL_do_handshake(dtls->ssl);
    if (ret != 1) {
      check_result(dtls, ret);
      return;
    }
    handshake_done(dtls);
  }
  /* A flight may end with records after Finished; and a close_notify may follow. */
  if (dtls->state == GW_DTLS_STATE_CONNECTED)
    drain(dtls);
}

/* The end of every call: hands what OpenSSL wrote to the caller, and lets OpenSSL's state go
 * once the association has ended. */
static void
finish(GwDtls *dtls)
{
  ERR_clear_error();
  datagram_close(dtls);
  for (guint i = 0; i < dtls->ready->len; i++) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(dtls->ready->pdata[i], &len);
    dtls->send(data, len, dtls->user_data);
  }
  g_ptr_array_set_size(dtls->ready, 0);
  if (dtls->state == GW_DTLS_STATE_FAILED || dtls->state == GW_DTLS_STATE_CLOSED)
    g_clear_pointer(&dtls->ssl, SSL_free);
}

static void
start_clock(GwDtls *dtls)
{
  dtls->started = TRUE;
  dtls->deadline = g_get_monotonic_time() + GW_DTLS_HANDSHAKE_LIMIT_US;
}

GwDtlsState
gw_dtls_start(GwDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, GW_DTLS_STATE_FAILED);

  if (dtls->role != GW_DTLS_ROLE_CLIENT || dtls->started || dtls->state != GW_DTLS_STATE_CONNECTING)
    return dtls->state;
  start_clock(dtls);
  ERR_clear_error();
  advance(dtls);
  finish(dtls);
  return dtls->state;
}

GwDtlsState
gw_dtls_receive(GwDtls *dtls, const guint8 *data, gsize len)
{
  g_return_val_if_fail(dtls != NULL, GW_DTLS_STATE_FAILED);
  g_return_val_if_fail(data != NULL || len == 0, dtls->state);

  /* RFC 7983: DTLS begins with 20..63; a client has nothing to read before its ClientHello. */
  if (len == 0 || len > DATAGRAM_MAX || data[0] < 20 || data[0] > 63 || dtls->ssl == NULL ||
      (dtls->role == GW_DTLS_ROLE_CLIENT && !dtls->started))
    return dtls->state;
  g_autofree guint8 *copy = NULL;
  gsize usable = records_usable(dtls, data, len, &copy);
  if (usable == 0)
    return dtls->state;
  if (!dtls->started)
    start_clock(dtls);
  dtls->in = copy != NULL ? copy : data;
  dtls->in_len = usable;
  ERR_clear_error();
  advance(dtls);
  /* Whatever OpenSSL left unread (it stopped at a failure) is not kept past the call. */
  dtls->in = NULL;
  dtls->in_len = 0;
  finish(dtls);
  return dtls->state;
}

gint64
gw_dtls_timeout_ms(GwDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, -1);

  if (dtls->state != GW_DTLS_STATE_CONNECTING || !dtls->started)
    return -1;
  gint64 left = dtls->deadline - g_get_monotonic_time();
  struct timeval tv;
  if (DTLSv1_get_timeout(dtls->ssl, &tv) == 1)
    left = MIN(left, (gint64)tv.tv_sec * G_USEC_PER_SEC + tv.tv_usec);
  ERR_clear_error();
  /* Rounded up: called on time, gw_dtls_handle_timeout() finds the timer run out. */
  return left <= 0 ? 0 : (left + 999) / 1000;
}

GwDtlsState
gw_dtls_handle_timeout(GwDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, GW_DTLS_STATE_FAILED);

  if (dtls->state != GW_DTLS_STATE_CONNECTING || !dtls->started)
    return dtls->state;
  ERR_clear_error();
  if (g_get_monotonic_time() >= dtls->deadline) {
    g_clear_error(&dtls->error);
    g_set_error(&dtls->error, GW_DTLS_ERROR, GW_DTLS_ERROR_TIMEOUT,
                "DTLS handshake: not done after %d s",
                (int)(GW_DTLS_HANDSHAKE_LIMIT_US / G_USEC_PER_SEC));
    dtls->state = GW_DTLS_STATE_FAILED;
  } else if (DTLSv1_handle_timeout(dtls->ssl) < 0) {
    /* OpenSSL's own limit on retransmissions, or a failure to make the flight again */
    gboolean expired = ERR_GET_REASON(ERR_peek_error()) == SSL_R_READ_TIMEOUT_EXPIRED;
    fail(dtls, expired ? GW_DTLS_ERROR_TIMEOUT : GW_DTLS_ERROR_HANDSHAKE, "DTLS retransmission");
  }
  finish(dtls);
  return dtls->state;
}

GwDtlsState
gw_dtls_state(GwDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, GW_DTLS_STATE_FAILED);
  return dtls->state;
}

const GError *
gw_dtls_error(GwDtls *dtls)
{
  g_return_val_if_fail(dtls != NULL, NULL);
  return dtls->error;
}

gboolean
gw_dtls_srtp_keys(GwDtls *dtls, GwDtlsSrtpKeys *out)
{
  g_return_val_if_fail(dtls != NULL && out != NULL, FALSE);

  if (dtls->state != GW_DTLS_STATE_CONNECTED || !dtls->has_keys)
    return FALSE;
  *out = dtls->keys;
  return TRUE;
}

void
gw_dtls_close(GwDtls *dtls)
{
  g_return_if_fail(dtls != NULL);

  if (dtls->state == GW_DTLS_STATE_FAILED || dtls->state == GW_DTLS_STATE_CLOSED)
    return;
  ERR_clear_error();
  if (dtls->state == GW_DTLS_STATE_CONNECTED)
    (void)SSL_shutdown(dtls->ssl);
  dtls->state = GW_DTLS_STATE_CLOSED;
  keys_forget(dtls);
  finish(dtls);
}
