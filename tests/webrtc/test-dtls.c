/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for DTLS-SRTP (webrtc/dtls.c): two associations talking in memory, lost flights, a
 * silent peer, garbage, and GStreamer's dtlsenc/dtlsdec as the peer. */
#include <malloc.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "webrtc/dtls.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#endif
#ifdef UNDER_ASAN
#include <sanitizer/allocator_interface.h>
#endif

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free_all)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)

/* The two sides' certificates, made once in main(). */
static GwDtlsCert *cert_a, *cert_b;

/* --- a wire between two associations --- */

typedef struct {
  GQueue queue;         /* GBytes on their way to the other side */
  GPtrArray *log;       /* GBytes: every datagram sent, dropped ones too */
  guint drop_first;     /* drop this many of the first datagrams */
  guint drop_connected; /* drop this many sent once the sender is CONNECTED: its last flight */
  GwDtls *owner;        /* the sender */
  gint64 sent_at[16];   /* when the first datagrams were sent */
} Wire;

static void
wire_send(const guint8 *data, gsize len, gpointer user_data)
{
  Wire *w = user_data;

  g_assert_cmpuint(len, >, 0);
  g_assert_cmpuint(len, <=, GW_DTLS_MTU);
  if (w->log->len < G_N_ELEMENTS(w->sent_at))
    w->sent_at[w->log->len] = g_get_monotonic_time();
  g_ptr_array_add(w->log, g_bytes_new(data, len));
  if (w->drop_first > 0) {
    w->drop_first--;
    return;
  }
  if (w->drop_connected > 0 && w->owner && gw_dtls_state(w->owner) == GW_DTLS_STATE_CONNECTED) {
    w->drop_connected--;
    return;
  }
  g_queue_push_tail(&w->queue, g_bytes_new(data, len));
}

static void
wire_clear(Wire *w)
{
  g_queue_clear_full(&w->queue, (GDestroyNotify)g_bytes_unref);
  g_clear_pointer(&w->log, g_ptr_array_unref);
}

typedef struct {
  GwDtls *client, *server;
  Wire to_server, to_client; /* what the client sends, what the server sends */
} Pair;

static void
pair_clear(Pair *p)
{
  g_clear_pointer(&p->client, gw_dtls_free);
  g_clear_pointer(&p->server, gw_dtls_free);
  wire_clear(&p->to_server);
  wire_clear(&p->to_client);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Pair, pair_clear)

/* A client with @client_cert expecting @server_expected, and the server the other way round. */
static void
pair_init(Pair *p, GwDtlsCert *client_cert, GwDtlsCert *server_cert, const char *server_expected,
          const char *client_expected)
{
  g_autoptr(GError) error = NULL;

  memset(p, 0, sizeof *p);
  p->to_server.log = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  p->to_client.log = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  p->client = gw_dtls_new(client_cert, GW_DTLS_ROLE_CLIENT, server_expected, wire_send,
                          &p->to_server, &error);
  g_assert_no_error(error);
  p->server = gw_dtls_new(server_cert, GW_DTLS_ROLE_SERVER, client_expected, wire_send,
                          &p->to_client, &error);
  g_assert_no_error(error);
  p->to_server.owner = p->client;
  p->to_client.owner = p->server;
}

/* client: cert_a, server: cert_b, each expecting the other's. */
static void
pair_init_default(Pair *p)
{
  pair_init(p, cert_a, cert_b, gw_dtls_cert_fingerprint(cert_b), gw_dtls_cert_fingerprint(cert_a));
}

static void
deliver(Wire *w, GwDtls *to)
{
  GBytes *d;

  while ((d = g_queue_pop_head(&w->queue)) != NULL) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(d, &len);
    gw_dtls_receive(to, data, len);
    g_bytes_unref(d);
  }
}

/* Delivers what each side sends until neither has anything more to say. */
static void
pump(Pair *p)
{
  for (guint round = 0; round < 32; round++) {
    if (g_queue_is_empty(&p->to_server.queue) && g_queue_is_empty(&p->to_client.queue))
      return;
    deliver(&p->to_server, p->server);
    deliver(&p->to_client, p->client);
  }
  g_assert_not_reached(); /* the two would talk for ever */
}

static gboolean
connecting(GwDtls *dtls)
{
  return gw_dtls_state(dtls) == GW_DTLS_STATE_CONNECTING;
}

static void
fire_if_due(GwDtls *dtls)
{
  if (gw_dtls_timeout_ms(dtls) == 0)
    gw_dtls_handle_timeout(dtls);
}

/* Pumps, and runs each side's timer when it falls due (in real time), until neither is
 * CONNECTING any more or @limit_ms have passed. */
static void
run(Pair *p, gint64 limit_ms)
{
  gint64 end = g_get_monotonic_time() + limit_ms * 1000;

  for (;;) {
    pump(p);
    if ((!connecting(p->client) && !connecting(p->server)) || g_get_monotonic_time() >= end)
      return;
    gint64 wait = 20;
    gint64 c = gw_dtls_timeout_ms(p->client), s = gw_dtls_timeout_ms(p->server);
    if (c >= 0)
      wait = MIN(wait, c);
    if (s >= 0)
      wait = MIN(wait, s);
    g_usleep((gulong)wait * 1000);
    fire_if_due(p->client);
    fire_if_due(p->server);
  }
}

static void
connect_pair(Pair *p)
{
  gw_dtls_start(p->client);
  run(p, 5000);
  g_assert_cmpint(gw_dtls_state(p->client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p->server), ==, GW_DTLS_STATE_CONNECTED);
}

static void
assert_keys_crosswise(Pair *p)
{
  GwDtlsSrtpKeys c, s;

  g_assert_true(gw_dtls_srtp_keys(p->client, &c));
  g_assert_true(gw_dtls_srtp_keys(p->server, &s));
  g_assert_cmpint(c.profile, ==, s.profile);
  g_assert_cmpmem(c.local, sizeof c.local, s.remote, sizeof s.remote);
  g_assert_cmpmem(c.remote, sizeof c.remote, s.local, sizeof s.local);
  g_assert_true(memcmp(c.local, c.remote, sizeof c.local) != 0);
}

/* --- certificates made with OpenSSL here, and their fingerprints --- */

static char *
fingerprint_of(X509 *x509, const EVP_MD *md, const char *name, gboolean lower)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  guint len = 0;

  g_assert_cmpint(X509_digest(x509, md, digest, &len), ==, 1);
  GString *s = g_string_new(name);
  g_string_append_c(s, ' ');
  for (guint i = 0; i < len; i++)
    g_string_append_printf(s, lower ? "%02x%s" : "%02X%s", digest[i], i + 1 < len ? ":" : "");
  return g_string_free(s, FALSE);
}

static char *
bio_text(BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  return g_strndup(data, (gsize)MAX(len, 0));
}

typedef struct {
  X509 *x509;
  char *cert_pem;
  char *key_pem;
} Made;

static void
made_clear(Made *m)
{
  g_clear_pointer(&m->x509, X509_free);
  g_clear_pointer(&m->cert_pem, g_free);
  g_clear_pointer(&m->key_pem, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Made, made_clear)

/* A self-signed P-256 certificate, as another program would write it. */
static void
made_init(Made *m)
{
  g_autoptr(EVP_PKEY) key = EVP_EC_gen("P-256");
  g_assert_nonnull(key);
  m->x509 = X509_new();
  g_assert_nonnull(m->x509);
  X509_NAME *name = X509_get_subject_name(m->x509);
  g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(m->x509), 7), ==, 1);
  g_assert_cmpint(
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const guchar *)"test", -1, -1, 0), ==,
      1);
  g_assert_cmpint(X509_set_issuer_name(m->x509, name), ==, 1);
  g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(m->x509), -60));
  g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(m->x509), 3600));
  g_assert_cmpint(X509_set_pubkey(m->x509, key), ==, 1);
  g_assert_cmpint(X509_sign(m->x509, key, EVP_sha256()), >, 0);

  g_autoptr(BIO) cert_bio = BIO_new(BIO_s_mem());
  g_autoptr(BIO) key_bio = BIO_new(BIO_s_mem());
  g_assert_cmpint(PEM_write_bio_X509(cert_bio, m->x509), ==, 1);
  g_assert_cmpint(PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL), ==, 1);
  m->cert_pem = bio_text(cert_bio);
  m->key_pem = bio_text(key_bio);
}

/* --- 1. a handshake in memory --- */

static void
test_handshake(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);

  /* A server's timer starts with the first datagram; a client's with gw_dtls_start(). */
  g_assert_cmpint(gw_dtls_timeout_ms(p.server), ==, -1);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), ==, -1);
  g_assert_cmpint(gw_dtls_start(p.server), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(p.to_client.log->len, ==, 0);
  g_assert_cmpint(gw_dtls_start(p.client), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(p.to_server.log->len, ==, 1);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), >, 0);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), <=, 400);
  /* ClientHello: a handshake record of DTLS 1.0 framing (as OpenSSL writes the first one). */
  const guint8 *hello = g_bytes_get_data(p.to_server.log->pdata[0], NULL);
  g_assert_cmpuint(hello[0], ==, 22);

  GwDtlsSrtpKeys keys;
  g_assert_false(gw_dtls_srtp_keys(p.client, &keys));
  deliver(&p.to_server, p.server);
  g_assert_cmpint(gw_dtls_timeout_ms(p.server), >=, 0);
  g_assert_false(gw_dtls_srtp_keys(p.server, &keys));

  run(&p, 5000);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_null(gw_dtls_error(p.client));
  g_assert_null(gw_dtls_error(p.server));
  assert_keys_crosswise(&p);
  g_assert_true(gw_dtls_srtp_keys(p.client, &keys));
  g_assert_cmpint(keys.profile, ==, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), ==, -1);
  g_assert_cmpint(gw_dtls_timeout_ms(p.server), ==, -1);
  /* No loss: ClientHello, then the client's second flight; nothing retransmitted. */
  g_assert_cmpuint(p.to_server.log->len, ==, 2);
  g_test_message("datagrams: client %u, server %u", p.to_server.log->len, p.to_client.log->len);

  /* A second gw_dtls_start() does nothing. */
  g_assert_cmpint(gw_dtls_start(p.client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpuint(p.to_server.log->len, ==, 2);
}

/* The two sides' keys, and fresh associations each time: no two handshakes share keys. */
static void
test_keys_differ_per_handshake(void)
{
  g_auto(Pair) p1 = {0};
  g_auto(Pair) p2 = {0};
  GwDtlsSrtpKeys k1, k2;

  pair_init_default(&p1);
  pair_init_default(&p2);
  connect_pair(&p1);
  connect_pair(&p2);
  g_assert_true(gw_dtls_srtp_keys(p1.client, &k1));
  g_assert_true(gw_dtls_srtp_keys(p2.client, &k2));
  g_assert_true(memcmp(k1.local, k2.local, sizeof k1.local) != 0);
}

/* A client's datagrams before its gw_dtls_start(), and ones not DTLS by RFC 7983, are dropped. */
static void
test_dropped_before_start(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);

  gw_dtls_start(p.client);
  g_autoptr(GBytes) hello = g_bytes_ref(p.to_server.log->pdata[0]);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(hello, &len);

  g_auto(Pair) q = {0};
  pair_init_default(&q);
  /* a client not started yet */
  g_assert_cmpint(gw_dtls_receive(q.client, data, len), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(q.to_server.log->len, ==, 0);
  g_assert_cmpint(gw_dtls_timeout_ms(q.client), ==, -1);
  /* outside 20..63 */
  g_autofree guint8 *other = g_memdup2(data, len);
  other[0] = 128;
  g_assert_cmpint(gw_dtls_receive(q.server, other, len), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpint(gw_dtls_timeout_ms(q.server), ==, -1);
  g_assert_cmpuint(q.to_client.log->len, ==, 0);
  /* and the real one is answered */
  g_assert_cmpint(gw_dtls_receive(q.server, data, len), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(q.to_client.log->len, >=, 1);
}

/* --- 2. the keys protect and unprotect SRTP --- */

static gsize
rtp_build(guint8 *pkt, guint16 seq, guint32 ssrc)
{
  memset(pkt, 0, 200);
  pkt[0] = 0x80;
  pkt[1] = 111;
  pkt[2] = (guint8)(seq >> 8);
  pkt[3] = (guint8)seq;
  pkt[8] = (guint8)(ssrc >> 24);
  pkt[9] = (guint8)(ssrc >> 16);
  pkt[10] = (guint8)(ssrc >> 8);
  pkt[11] = (guint8)ssrc;
  for (guint i = 12; i < 172; i++)
    pkt[i] = (guint8)(i * 7);
  return 172;
}

/* What @from protects with its local key, @to unprotects with its remote one, and only so. */
static void
assert_srtp_flows(GwDtls *from, GwDtls *to)
{
  GwDtlsSrtpKeys f, t;
  g_assert_true(gw_dtls_srtp_keys(from, &f));
  g_assert_true(gw_dtls_srtp_keys(to, &t));

  g_autoptr(GwSrtp) tx = gw_srtp_new(f.profile, f.local, sizeof f.local);
  g_autoptr(GwSrtp) rx = gw_srtp_new(t.profile, t.remote, sizeof t.remote);
  g_autoptr(GwSrtp) wrong = gw_srtp_new(t.profile, t.local, sizeof t.local);
  g_assert_nonnull(tx);
  g_assert_nonnull(rx);
  for (guint16 seq = 1000; seq < 1010; seq++) {
    guint8 plain[200], pkt[220];
    gsize len = rtp_build(plain, seq, 0x1234abcd);
    memcpy(pkt, plain, len);
    gsize sent = gw_srtp_protect(tx, pkt, len, sizeof pkt);
    g_assert_cmpuint(sent, ==, len + 10); /* SHA1_80: a 10-byte tag */
    g_assert_true(memcmp(pkt + 12, plain + 12, len - 12) != 0);
    guint8 copy[220];
    memcpy(copy, pkt, sent);
    g_assert_cmpuint(gw_srtp_unprotect(wrong, copy, sent), ==, 0);
    g_assert_cmpuint(gw_srtp_unprotect(rx, pkt, sent), ==, len);
    g_assert_cmpmem(pkt, len, plain, len);
  }

  /* SRTCP from the same master keys */
  g_autoptr(GwSrtp) ctx = gw_srtcp_new(f.profile, f.local, sizeof f.local);
  g_autoptr(GwSrtp) crx = gw_srtcp_new(t.profile, t.remote, sizeof t.remote);
  guint8 rtcp[64] = {0x80, 200, 0x00, 0x06, 0x12, 0x34, 0xab, 0xcd};
  guint8 plain[28];
  memcpy(plain, rtcp, sizeof plain);
  gsize len = gw_srtcp_protect(ctx, rtcp, sizeof plain, sizeof rtcp);
  g_assert_cmpuint(len, >, sizeof plain);
  g_assert_cmpuint(gw_srtcp_unprotect(crx, rtcp, len), ==, sizeof plain);
  g_assert_cmpmem(rtcp, sizeof plain, plain, sizeof plain);
}

static void
test_keys_work(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  connect_pair(&p);

  /* Both offer SHA1_80 first: it is what they agree on. */
  GwDtlsSrtpKeys keys;
  g_assert_true(gw_dtls_srtp_keys(p.server, &keys));
  g_assert_cmpint(keys.profile, ==, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
  assert_srtp_flows(p.client, p.server);
  assert_srtp_flows(p.server, p.client);
}

/* --- 3. fingerprints --- */

/* @fingerprint with its first hex digit changed. */
static char *
fingerprint_spoiled(const char *fingerprint)
{
  char *s = g_strdup(fingerprint);
  char *hex = strchr(s, ' ') + 1;
  hex[0] = hex[0] == '0' ? '1' : '0';
  return s;
}

static void
assert_refused(Pair *p, GwDtls *refuser, GwDtls *refused)
{
  gw_dtls_start(p->client);
  run(p, 5000);
  g_assert_cmpint(gw_dtls_state(refuser), ==, GW_DTLS_STATE_FAILED);
  g_assert_error(gw_dtls_error(refuser), GW_DTLS_ERROR, GW_DTLS_ERROR_FINGERPRINT);
  g_test_message("refuser: %s", gw_dtls_error(refuser)->message);
  /* the refused side hears a fatal alert (bad_certificate) */
  g_assert_cmpint(gw_dtls_state(refused), ==, GW_DTLS_STATE_FAILED);
  g_assert_error(gw_dtls_error(refused), GW_DTLS_ERROR, GW_DTLS_ERROR_HANDSHAKE);
  g_assert_nonnull(strstr(gw_dtls_error(refused)->message, "bad certificate"));
  g_test_message("refused: %s", gw_dtls_error(refused)->message);
  GwDtlsSrtpKeys keys;
  g_assert_false(gw_dtls_srtp_keys(refuser, &keys));
  g_assert_false(gw_dtls_srtp_keys(refused, &keys));
  g_assert_cmpint(gw_dtls_timeout_ms(refuser), ==, -1);
  /* Failed for good: nothing more is read or sent. */
  guint sent = p->to_server.log->len + p->to_client.log->len;
  GBytes *first = p->to_server.log->pdata[0];
  g_assert_cmpint(
      gw_dtls_receive(p->server, g_bytes_get_data(first, NULL), g_bytes_get_size(first)), ==,
      gw_dtls_state(p->server));
  g_assert_cmpint(gw_dtls_handle_timeout(p->client), ==, GW_DTLS_STATE_FAILED);
  gw_dtls_close(refuser);
  g_assert_cmpint(gw_dtls_state(refuser), ==, GW_DTLS_STATE_FAILED);
  g_assert_cmpuint(p->to_server.log->len + p->to_client.log->len, ==, sent);
  /* and the thread's error queue holds nothing of it */
  g_assert_cmpuint(ERR_peek_error(), ==, 0);
}

static void
test_fingerprint_wrong_server(void)
{
  g_auto(Pair) p = {0};
  g_autofree char *wrong = fingerprint_spoiled(gw_dtls_cert_fingerprint(cert_b));
  pair_init(&p, cert_a, cert_b, wrong, gw_dtls_cert_fingerprint(cert_a));
  assert_refused(&p, p.client, p.server);
}

static void
test_fingerprint_wrong_client(void)
{
  g_auto(Pair) p = {0};
  g_autofree char *wrong = fingerprint_spoiled(gw_dtls_cert_fingerprint(cert_a));
  pair_init(&p, cert_a, cert_b, gw_dtls_cert_fingerprint(cert_b), wrong);
  assert_refused(&p, p.server, p.client);
}

/* A fingerprint right for another certificate is as wrong: here the client's own. */
static void
test_fingerprint_other_certificate(void)
{
  g_auto(Pair) p = {0};
  pair_init(&p, cert_a, cert_b, gw_dtls_cert_fingerprint(cert_a), gw_dtls_cert_fingerprint(cert_a));
  assert_refused(&p, p.client, p.server);
}

/* Every hash a=fingerprint may name, in either case, with spaces around. */
static void
test_fingerprint_hashes(void)
{
  g_auto(Made) m = {0};
  made_init(&m);
  g_autofree char *pem = g_strconcat(m.cert_pem, m.key_pem, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GwDtlsCert) made = gw_dtls_cert_new_from_pem(pem, &error);
  g_assert_no_error(error);

  static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
    gboolean lower;
  } cases[] = {
      {"sha-1", EVP_sha1, FALSE},     {"SHA-224", EVP_sha224, TRUE}, {"Sha-256", EVP_sha256, TRUE},
      {"sha-384", EVP_sha384, FALSE}, {"sha-512", EVP_sha512, TRUE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *fp = fingerprint_of(m.x509, cases[i].md(), cases[i].name, cases[i].lower);
    g_autofree char *padded = g_strdup_printf(" %s\t", fp);
    g_auto(Pair) p = {0};
    pair_init(&p, cert_a, made, i % 2 ? padded : fp, gw_dtls_cert_fingerprint(cert_a));
    connect_pair(&p);
    assert_keys_crosswise(&p);

    /* the same digest under another hash's name: malformed (its length is wrong) or wrong */
    g_autofree char *renamed =
        g_strdup_printf("%s %s", i == 2 ? "sha-384" : "sha-256", strchr(fp, ' ') + 1);
    g_autoptr(GwDtls) d =
        gw_dtls_new(cert_a, GW_DTLS_ROLE_CLIENT, renamed, wire_send, &p.to_server, &error);
    g_assert_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_FINGERPRINT);
    g_assert_null(d);
    g_clear_error(&error);
  }
}

static void
test_fingerprint_malformed(void)
{
  const char *good = gw_dtls_cert_fingerprint(cert_b);
  const char *hex = strchr(good, ' ') + 1;
  g_autofree char *no_hash = g_strdup(hex);
  g_autofree char *md7 = g_strdup_printf("md7 %s", hex);
  g_autofree char *md5 = g_strdup_printf("md5 %s", hex);
  g_autofree char *short_one = g_strndup(good, strlen(good) - 3);
  g_autofree char *long_one = g_strdup_printf("%s:AB", good);
  g_autofree char *odd = g_strndup(good, strlen(good) - 1);
  g_autofree char *trailing_colon = g_strdup_printf("%s:", good);
  g_autofree char *dashes = g_strdelimit(g_strdup(good), ":", '-');
  g_autofree char *not_hex = g_strdup(good);
  not_hex[9] = 'G';
  g_autofree char *single_digit = g_strdup_printf("sha-256 A:%s", hex + 3);
  g_autofree char *two_words = g_strdup_printf("%s trailing", good);
  g_autofree char *huge = g_strnfill(4096, 'A');
  g_autofree char *no_space = g_strdup_printf("sha-256%s", hex);
  const char *cases[] = {
      NULL,         "",        " ",      "sha-256", "sha-256 ",      no_hash, md7,
      md5,          short_one, long_one, odd,       trailing_colon,  dashes,  not_hex,
      single_digit, two_words, huge,     no_space,  "sha-256 AB:CD",
  };

  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    Wire w = {0};
    GwDtls *d = gw_dtls_new(cert_a, GW_DTLS_ROLE_CLIENT, cases[i], wire_send, &w, &error);
    if (d != NULL)
      g_error("accepted fingerprint %u: \"%s\"", i, cases[i]);
    g_assert_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_FINGERPRINT);
    g_test_message("\"%.40s\": %s", cases[i] ? cases[i] : "(null)", error->message);
  }

  /* The certificate's own format is accepted. */
  g_autoptr(GError) error = NULL;
  Wire w = {0};
  g_autoptr(GwDtls) d = gw_dtls_new(cert_a, GW_DTLS_ROLE_SERVER, good, wire_send, &w, &error);
  g_assert_no_error(error);
  g_assert_nonnull(d);
}

static void
test_fingerprint_format(void)
{
  const char *fp = gw_dtls_cert_fingerprint(cert_a);

  g_assert_true(g_str_has_prefix(fp, "sha-256 "));
  g_assert_cmpuint(strlen(fp), ==, strlen("sha-256 ") + 32 * 3 - 1);
  for (guint i = 0; i < 32; i++) {
    const char *pair = fp + strlen("sha-256 ") + 3 * i;
    g_assert_true(g_ascii_isxdigit(pair[0]) && !g_ascii_islower(pair[0]));
    g_assert_true(g_ascii_isxdigit(pair[1]) && !g_ascii_islower(pair[1]));
    g_assert_true(pair[2] == (i < 31 ? ':' : '\0'));
  }
  g_assert_cmpstr(fp, !=, gw_dtls_cert_fingerprint(cert_b));
  g_assert_cmpstr(g_quark_to_string(GW_DTLS_ERROR), ==, "gw-dtls-error-quark");

  /* references */
  GwDtlsCert *ref = gw_dtls_cert_ref(cert_a);
  g_assert_true(ref == cert_a);
  gw_dtls_cert_unref(ref);
  g_assert_cmpstr(gw_dtls_cert_fingerprint(cert_a), ==, fp);
}

/* --- 4. lost flights --- */

static void
assert_recovers(Pair *p, gint64 limit_ms)
{
  gint64 start = g_get_monotonic_time();
  gw_dtls_start(p->client);
  run(p, limit_ms);
  g_assert_cmpint(gw_dtls_state(p->client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p->server), ==, GW_DTLS_STATE_CONNECTED);
  assert_keys_crosswise(p);
  g_test_message("connected after %" G_GINT64_FORMAT " ms, %u and %u datagrams",
                 (g_get_monotonic_time() - start) / 1000, p->to_server.log->len,
                 p->to_client.log->len);
}

/* The ClientHello lost twice: resent after 400 ms, then 800 ms more. */
static void
test_lost_client_hello(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  p.to_server.drop_first = 2;
  assert_recovers(&p, 4000);
  g_assert_cmpuint(p.to_server.log->len, ==, 4);
  gint64 first = p.to_server.sent_at[1] - p.to_server.sent_at[0];
  gint64 second = p.to_server.sent_at[2] - p.to_server.sent_at[1];
  g_test_message("resent after %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " ms", first / 1000,
                 second / 1000);
  /* 400 ms, then twice that (OpenSSL takes a timer with less than 15 ms to go as run out) */
  g_assert_cmpint(first, >=, 350000);
  g_assert_cmpint(second, >=, 750000);
  g_assert_cmpint(second - first, >=, 300000);
}

/* The server's first flight lost: the client resends its ClientHello, the server its flight. */
static void
test_lost_server_flight(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  p.to_client.drop_first = 1;
  assert_recovers(&p, 4000);
}

/* The server's last flight (ChangeCipherSpec, Finished) lost: the server is CONNECTED, the
 * client resends its flight, and the connected server answers it with its own again. */
static void
test_lost_last_flight(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  p.to_client.drop_connected = 1;
  gw_dtls_start(p.client);
  pump(&p);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), >=, 0);
  guint server_sent = p.to_client.log->len;
  assert_recovers(&p, 4000);
  g_assert_cmpuint(p.to_client.log->len, >, server_sent);
  g_assert_cmpuint(p.to_client.drop_connected, ==, 0);
}

/* --- 5. a silent peer --- */

static void
test_silent_peer(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);

  /* a client whose ClientHello nobody answers: resent at 400 ms, then 800 ms later */
  gint64 start = g_get_monotonic_time();
  gw_dtls_start(p.client);
  while (p.to_server.log->len < 3 && g_get_monotonic_time() - start < 3 * G_USEC_PER_SEC) {
    gint64 ms = gw_dtls_timeout_ms(p.client);
    g_assert_cmpint(ms, >=, 0);
    g_assert_cmpint(ms, <=, 800);
    g_usleep((gulong)MIN(ms, 20) * 1000);
    g_assert_cmpint(gw_dtls_handle_timeout(p.client), ==, GW_DTLS_STATE_CONNECTING);
  }
  g_assert_cmpuint(p.to_server.log->len, ==, 3);
  g_assert_cmpint(p.to_server.sent_at[2] - p.to_server.sent_at[0], >=, 1150 * 1000);
  /* and the next in 1600 ms */
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), >, 1000);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), <=, 1600);

  /* a server that answered the ClientHello and hears nothing more */
  GBytes *hello = p.to_server.log->pdata[0];
  start = g_get_monotonic_time();
  gw_dtls_receive(p.server, g_bytes_get_data(hello, NULL), g_bytes_get_size(hello));
  guint flight = p.to_client.log->len;
  g_assert_cmpuint(flight, >=, 1);
  while (p.to_client.log->len < 2 * flight && g_get_monotonic_time() - start < 2 * G_USEC_PER_SEC) {
    gint64 ms = gw_dtls_timeout_ms(p.server);
    g_assert_cmpint(ms, >=, 0);
    g_assert_cmpint(ms, <=, 400);
    g_usleep((gulong)MIN(ms, 20) * 1000);
    g_assert_cmpint(gw_dtls_handle_timeout(p.server), ==, GW_DTLS_STATE_CONNECTING);
  }
  g_assert_cmpuint(p.to_client.log->len, ==, 2 * flight);
  g_assert_cmpint(g_get_monotonic_time() - start, >=, 350 * 1000);
}

/* The whole 30 s until the association gives up: only with -m slow. */
static void
test_silent_peer_gives_up(void)
{
  if (!g_test_slow()) {
    g_test_skip("waits 30 s: run with -m slow");
    return;
  }
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  gint64 start = g_get_monotonic_time();
  gw_dtls_start(p.client);
  while (gw_dtls_state(p.client) == GW_DTLS_STATE_CONNECTING) {
    gint64 ms = gw_dtls_timeout_ms(p.client);
    g_assert_cmpint(ms, >=, 0);
    g_usleep((gulong)ms * 1000);
    gw_dtls_handle_timeout(p.client);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 40 * G_USEC_PER_SEC);
  }
  gint64 took = g_get_monotonic_time() - start;
  g_test_message("gave up after %" G_GINT64_FORMAT " ms and %u datagrams", took / 1000,
                 p.to_server.log->len);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_FAILED);
  g_assert_error(gw_dtls_error(p.client), GW_DTLS_ERROR, GW_DTLS_ERROR_TIMEOUT);
  g_assert_cmpint(took, >=, 30 * G_USEC_PER_SEC);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), ==, -1);
}

/* --- 6. garbage --- */

/* Datagrams no peer should send, from @rand and from real datagrams @real of the same peer. */
static GPtrArray *
garbage_make(GRand *rand, GPtrArray *real)
{
  GPtrArray *g = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

  /* random bytes that RFC 7983 would still call DTLS */
  for (guint i = 0; i < 200; i++) {
    gsize len = (gsize)g_rand_int_range(rand, 1, 400);
    guint8 *b = g_malloc(len);
    for (gsize j = 0; j < len; j++)
      b[j] = (guint8)g_rand_int(rand);
    b[0] = (guint8)g_rand_int_range(rand, 20, 64);
    /* a third look like DTLS 1.2 records of a real content type */
    if (i % 3 == 0 && len >= 13) {
      b[0] = (guint8)g_rand_int_range(rand, 20, 24);
      b[1] = 0xfe;
      b[2] = 0xfd;
      b[11] = (guint8)((len - 13) >> 8);
      b[12] = (guint8)(len - 13);
    }
    g_ptr_array_add(g, g_bytes_new_take(b, len));
  }
  /* real datagrams cut short, their records then claim more than there is */
  for (guint i = 0; i < real->len; i++) {
    gsize len = g_bytes_get_size(real->pdata[i]);
    for (gsize cut = 1; cut < len; cut += 1 + cut / 2)
      g_ptr_array_add(g, g_bytes_new_from_bytes(real->pdata[i], 0, cut));
  }
  /* too long, empty, and not DTLS */
  g_ptr_array_add(g, g_bytes_new_take(g_malloc0(16385), 16385));
  g_ptr_array_add(g, g_bytes_new_take(g_malloc0(65536), 65536));
  g_ptr_array_add(g, g_bytes_new(NULL, 0));
  static const guint8 rtp[] = {0x80, 0x6f, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4};
  g_ptr_array_add(g, g_bytes_new_static(rtp, sizeof rtp));
  return g;
}

static void
feed(GwDtls *dtls, GPtrArray *datagrams, GwDtlsState expect)
{
  for (guint i = 0; i < datagrams->len; i++) {
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(datagrams->pdata[i], &len);
    g_assert_cmpint(gw_dtls_receive(dtls, data, len), ==, expect);
  }
}

/* A DTLS 1.2 record header: @type, epoch, sequence number, @len bytes of body after it. */
static guint8 *
record_header(guint8 *b, guint8 type, guint16 epoch, guint64 seq, guint16 len)
{
  b[0] = type;
  b[1] = 0xfe;
  b[2] = 0xfd;
  b[3] = (guint8)(epoch >> 8);
  b[4] = (guint8)epoch;
  for (guint i = 0; i < 6; i++)
    b[5 + i] = (guint8)(seq >> (40 - 8 * i));
  b[11] = (guint8)(len >> 8);
  b[12] = (guint8)len;
  return b + 13;
}

/* Garbage before each real datagram of the handshake does not stop it. */
static void
test_garbage_during_handshake(void)
{
  g_auto(Pair) p = {0};
  g_autoptr(GRand) rand = g_rand_new_with_seed(5764);
  g_autoptr(GPtrArray) none = g_ptr_array_new();
  g_autoptr(GPtrArray) garbage = garbage_make(rand, none);
  pair_init_default(&p);
  /* records of content types DTLS 1.2 does not have, and protected ones too short to be real:
   * OpenSSL 3.0 would fail the handshake on them */
  for (guint type = 24; type < 64; type += 13) {
    guint8 b[13 + 4] = {0};
    record_header(b, (guint8)type, 0, type, 4);
    g_ptr_array_add(garbage, g_bytes_new(b, sizeof b));
  }
  for (guint16 len = 0; len < 24; len += 5) {
    guint8 b[13 + 24] = {0};
    record_header(b, 22, 1, 300 + len, len);
    g_ptr_array_add(garbage, g_bytes_new(b, 13 + len));
  }

  /* before the ClientHello: the server answers none of it */
  feed(p.server, garbage, GW_DTLS_STATE_CONNECTING);
  g_assert_cmpuint(p.to_client.log->len, ==, 0);
  gw_dtls_start(p.client);
  for (guint round = 0; round < 16; round++) {
    if (g_queue_is_empty(&p.to_server.queue) && g_queue_is_empty(&p.to_client.queue))
      break;
    feed(p.server, garbage, GW_DTLS_STATE_CONNECTING);
    deliver(&p.to_server, p.server);
    if (connecting(p.client))
      feed(p.client, garbage, GW_DTLS_STATE_CONNECTING);
    deliver(&p.to_client, p.client);
  }
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CONNECTED);
  assert_keys_crosswise(&p);
}

/* Once connected, nothing a peer can send without the keys changes anything. */
static void
test_garbage_when_connected(void)
{
  g_auto(Pair) p = {0};
  g_autoptr(GRand) rand = g_rand_new_with_seed(7983);
  pair_init_default(&p);
  connect_pair(&p);
  GwDtlsSrtpKeys before, after;
  g_assert_true(gw_dtls_srtp_keys(p.server, &before));

  g_autoptr(GPtrArray) to_server = garbage_make(rand, p.to_server.log);
  g_autoptr(GPtrArray) to_client = garbage_make(rand, p.to_client.log);
  /* records of epoch 1 that do not authenticate: application data, an alert, a handshake */
  static const guint8 types[] = {23, 21, 22, 20};
  for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
    guint8 b[13 + 48];
    guint8 *body = record_header(b, types[i], 1, 100 + i, 48);
    for (guint j = 0; j < 48; j++)
      body[j] = (guint8)g_rand_int(rand);
    g_ptr_array_add(to_server, g_bytes_new(b, sizeof b));
    g_ptr_array_add(to_client, g_bytes_new(b, sizeof b));
  }
  /* protected records too short for AES-GCM's nonce and tag: OpenSSL 3.0 would fail the
   * association on them */
  for (guint16 len = 0; len < 24; len++) {
    guint8 b[13 + 24] = {0};
    record_header(b, (guint8)(20 + len % 4), 1 + len % 2, 200 + len, len);
    g_ptr_array_add(to_server, g_bytes_new(b, 13 + len));
    g_ptr_array_add(to_client, g_bytes_new(b, 13 + len));
  }
  /* a ClientHello with spoiled extensions, which fuzz-dtls found OpenSSL 3.0 would fail a
   * connected server on, unprotected as it is */
  g_autofree char *path = g_build_filename(BALIE_SOURCE_DIR, "tests", "fuzz", "corpus", "dtls",
                                           "connected-spoiled-client-hello.bin", NULL);
  gchar *spoiled = NULL;
  gsize spoiled_len = 0;
  g_assert_true(g_file_get_contents(path, &spoiled, &spoiled_len, NULL));
  g_ptr_array_add(to_server, g_bytes_new_take(spoiled, spoiled_len));
  /* a DTLS 1.0 record, which OpenSSL 3.0 drops by its header alone, leaving its body to be read
   * as records: here one it would fail the association on */
  {
    guint8 b[13 + 13 + 11] = {0};
    guint8 *hidden = record_header(b, 22, 1, 400, 13 + 11);
    b[2] = 0xff;
    record_header(hidden, 90, 1, 401, 11);
    g_ptr_array_add(to_server, g_bytes_new(b, sizeof b));
    g_ptr_array_add(to_client, g_bytes_new(b, sizeof b));
  }
  /* unencrypted alerts of epoch 0: a fatal handshake_failure and a close_notify */
  static const guint8 alerts[][2] = {{2, 40}, {1, 0}};
  for (guint i = 0; i < G_N_ELEMENTS(alerts); i++) {
    guint8 b[13 + 2];
    memcpy(record_header(b, 21, 0, 50 + i, 2), alerts[i], 2);
    g_ptr_array_add(to_server, g_bytes_new(b, sizeof b));
    g_ptr_array_add(to_client, g_bytes_new(b, sizeof b));
  }
  /* the whole handshake again, as an attacker would replay it: its records' sequence numbers
   * were seen, so it is dropped (a real retransmission has new ones: see /dtls/loss/) */
  for (guint i = 0; i < p.to_server.log->len; i++)
    g_ptr_array_add(to_server, g_bytes_ref(p.to_server.log->pdata[i]));
  for (guint i = 0; i < p.to_client.log->len; i++)
    g_ptr_array_add(to_client, g_bytes_ref(p.to_client.log->pdata[i]));

  feed(p.server, to_server, GW_DTLS_STATE_CONNECTED);
  feed(p.client, to_client, GW_DTLS_STATE_CONNECTED);
  pump(&p);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_true(gw_dtls_srtp_keys(p.server, &after));
  g_assert_cmpmem(&before, sizeof before, &after, sizeof after);
  assert_keys_crosswise(&p);

  /* and the association still works: close_notify still gets through */
  gw_dtls_close(p.client);
  pump(&p);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CLOSED);
}

/* Another association's OpenSSL error left on the thread's queue does not fail this one, and
 * this one leaves none behind. */
static void
test_error_queue(void)
{
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  gw_dtls_start(p.client);
  for (guint round = 0; round < 8 && !g_queue_is_empty(&p.to_server.queue); round++) {
    ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
    deliver(&p.to_server, p.server);
    g_assert_cmpuint(ERR_peek_error(), ==, 0);
    ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
    deliver(&p.to_client, p.client);
    g_assert_cmpuint(ERR_peek_error(), ==, 0);
  }
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CONNECTED);
  g_assert_cmpint(gw_dtls_state(p.server), ==, GW_DTLS_STATE_CONNECTED);
}

/* --- 7. close --- */

static void
test_close(void)
{
  for (guint closer = 0; closer < 2; closer++) {
    g_auto(Pair) p = {0};
    pair_init_default(&p);
    connect_pair(&p);
    GwDtls *a = closer ? p.server : p.client, *b = closer ? p.client : p.server;
    Wire *from_a = closer ? &p.to_client : &p.to_server;

    guint sent = from_a->log->len;
    gw_dtls_close(a);
    g_assert_cmpint(gw_dtls_state(a), ==, GW_DTLS_STATE_CLOSED);
    g_assert_cmpuint(from_a->log->len, ==, sent + 1); /* close_notify */
    GwDtlsSrtpKeys keys;
    g_assert_false(gw_dtls_srtp_keys(a, &keys));
    g_assert_true(gw_dtls_srtp_keys(b, &keys));
    pump(&p);
    g_assert_cmpint(gw_dtls_state(b), ==, GW_DTLS_STATE_CLOSED);
    g_assert_null(gw_dtls_error(b));
    g_assert_null(gw_dtls_error(a));
    g_assert_false(gw_dtls_srtp_keys(b, &keys));
    /* closing again, or after the peer did, sends nothing */
    sent = p.to_server.log->len + p.to_client.log->len;
    gw_dtls_close(a);
    gw_dtls_close(b);
    g_assert_cmpint(gw_dtls_handle_timeout(a), ==, GW_DTLS_STATE_CLOSED);
    g_assert_cmpuint(p.to_server.log->len + p.to_client.log->len, ==, sent);
  }

  /* closing while connecting sends nothing, and ends the handshake */
  g_auto(Pair) p = {0};
  pair_init_default(&p);
  gw_dtls_start(p.client);
  deliver(&p.to_server, p.server);
  gw_dtls_close(p.client);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CLOSED);
  g_assert_cmpuint(p.to_server.log->len, ==, 1);
  g_assert_cmpint(gw_dtls_timeout_ms(p.client), ==, -1);
  deliver(&p.to_client, p.client);
  g_assert_cmpint(gw_dtls_state(p.client), ==, GW_DTLS_STATE_CLOSED);
  g_assert_cmpuint(p.to_server.log->len, ==, 1);
}

/* --- 8. certificates from PEM --- */

static void
test_pem(void)
{
  g_auto(Made) m = {0};
  made_init(&m);
  g_autofree char *expect = fingerprint_of(m.x509, EVP_sha256(), "sha-256", FALSE);
  g_autofree char *cert_key = g_strconcat(m.cert_pem, m.key_pem, NULL);
  g_autofree char *key_cert = g_strconcat(m.key_pem, "\n", m.cert_pem, NULL);

  const char *orders[] = {cert_key, key_cert};
  for (guint i = 0; i < G_N_ELEMENTS(orders); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GwDtlsCert) cert = gw_dtls_cert_new_from_pem(orders[i], &error);
    g_assert_no_error(error);
    g_assert_cmpstr(gw_dtls_cert_fingerprint(cert), ==, expect);
    /* and it serves a handshake */
    g_auto(Pair) p = {0};
    pair_init(&p, cert, cert_b, gw_dtls_cert_fingerprint(cert_b), expect);
    connect_pair(&p);
  }

  /* An encrypted key, another certificate's key, half a PEM, and others. */
  g_autoptr(EVP_PKEY) other_key = EVP_EC_gen("P-256");
  g_autoptr(BIO) other_bio = BIO_new(BIO_s_mem());
  g_assert_cmpint(PEM_write_bio_PrivateKey(other_bio, other_key, NULL, NULL, 0, NULL, NULL), ==, 1);
  g_autofree char *other_pem = bio_text(other_bio);
  g_autoptr(EVP_PKEY) key = NULL;
  {
    g_autoptr(BIO) b = BIO_new_mem_buf(m.key_pem, -1);
    key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    g_assert_nonnull(key);
  }
  g_autoptr(BIO) enc_bio = BIO_new(BIO_s_mem());
  g_assert_cmpint(
      PEM_write_bio_PrivateKey(enc_bio, key, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"),
      ==, 1);
  g_autofree char *enc_pem = bio_text(enc_bio);
  g_autofree char *encrypted = g_strconcat(m.cert_pem, enc_pem, NULL);
  g_autofree char *mismatched = g_strconcat(m.cert_pem, other_pem, NULL);
  g_autofree char *half = g_strndup(cert_key, strlen(cert_key) / 2);
  g_autofree char *cut_key = g_strndup(cert_key, strlen(cert_key) - 40);
  g_autofree char *huge = g_strnfill(70000, 'A');
  const char *bad[] = {
      "",         "not a certificate",
      m.cert_pem, m.key_pem,
      encrypted,  mismatched,
      half,       cut_key,
      huge,       "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
  };
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    GwDtlsCert *cert = gw_dtls_cert_new_from_pem(bad[i], &error);
    g_assert_null(cert);
    g_assert_error(error, GW_DTLS_ERROR, GW_DTLS_ERROR_CERTIFICATE);
    g_test_message("bad PEM %u: %s", i, error->message);
    g_assert_cmpuint(ERR_peek_error(), ==, 0);
  }
}

/* --- 9. GStreamer's dtlsenc and dtlsdec as the peer --- */

typedef struct {
  GstElement *pipeline, *src, *dec, *enc;
  GAsyncQueue *incoming; /* GBytes GStreamer sent, from its streaming thread */
  GMutex lock;
  GBytes *encoder_key, *decoder_key; /* under @lock: set from GStreamer's threads */
} Gst;

static GstFlowReturn
gst_new_sample(GstAppSink *sink, gpointer user_data)
{
  Gst *g = user_data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  GstBuffer *buffer = sample ? gst_sample_get_buffer(sample) : NULL;
  GstMapInfo map;

  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    g_async_queue_push(g->incoming, g_bytes_new(map.data, map.size));
    gst_buffer_unmap(buffer, &map);
  }
  return GST_FLOW_OK;
}

static GBytes *
buffer_bytes(GstBuffer *buffer)
{
  GstMapInfo map;
  g_assert_true(gst_buffer_map(buffer, &map, GST_MAP_READ));
  GBytes *bytes = g_bytes_new(map.data, map.size);
  gst_buffer_unmap(buffer, &map);
  return bytes;
}

static void
on_encoder_key(GstElement *enc, gpointer user_data)
{
  Gst *g = user_data;
  g_autoptr(GstBuffer) key = NULL;
  g_object_get(enc, "encoder-key", &key, NULL);
  g_mutex_lock(&g->lock);
  g_clear_pointer(&g->encoder_key, g_bytes_unref);
  g->encoder_key = key ? buffer_bytes(key) : NULL;
  g_mutex_unlock(&g->lock);
}

/* GStreamer 1.22 declares dtlsdec's "decoder-key" as GstCaps but stores a GstBuffer in it, so
 * it is read as the mini object it is and checked to be a buffer. */
static void
on_decoder_key(GstElement *dec, gpointer user_data)
{
  Gst *g = user_data;
  GstMiniObject *key = NULL;
  g_object_get(dec, "decoder-key", &key, NULL);
  g_assert_true(key == NULL || GST_IS_BUFFER(key));
  g_mutex_lock(&g->lock);
  g_clear_pointer(&g->decoder_key, g_bytes_unref);
  g->decoder_key = key ? buffer_bytes(GST_BUFFER(key)) : NULL;
  g_mutex_unlock(&g->lock);
  if (key)
    gst_mini_object_unref(key);
}

static void
gst_send(const guint8 *data, gsize len, gpointer user_data)
{
  Gst *g = user_data;
  g_assert_cmpuint(len, <=, GW_DTLS_MTU);
  gst_app_src_push_buffer(GST_APP_SRC(g->src), gst_buffer_new_memdup(data, len));
}

static char *
pem_fingerprint(const char *pem)
{
  g_autoptr(BIO) bio = BIO_new_mem_buf(pem, -1);
  g_autoptr(X509) x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  g_assert_nonnull(x509);
  return fingerprint_of(x509, EVP_sha256(), "sha-256", FALSE);
}

/* Our certificate as GStreamer received it: what gw_dtls_cert_new() promises. */
static void
assert_our_certificate(const char *pem, GwDtlsCert *cert)
{
  g_autoptr(BIO) bio = BIO_new_mem_buf(pem, -1);
  g_autoptr(X509) x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  g_assert_nonnull(x509);
  g_autofree char *fp = fingerprint_of(x509, EVP_sha256(), "sha-256", FALSE);
  g_assert_cmpstr(fp, ==, gw_dtls_cert_fingerprint(cert));

  char cn[64] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, cn, sizeof cn);
  g_assert_cmpstr(cn, ==, "balie");
  g_assert_cmpint(X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)), ==, 0);
  EVP_PKEY *key = X509_get0_pubkey(x509);
  g_assert_true(EVP_PKEY_is_a(key, "EC"));
  char group[32] = "";
  g_assert_cmpint(EVP_PKEY_get_group_name(key, group, sizeof group, NULL), ==, 1);
  g_assert_cmpstr(group, ==, "prime256v1");
  g_assert_cmpint(X509_get_signature_nid(x509), ==, NID_ecdsa_with_SHA256);
  g_assert_cmpint(X509_verify(x509, key), ==, 1);
  /* valid from a day ago for 30 days */
  int days = 0, secs = 0;
  g_assert_cmpint(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notBefore(x509)), ==, 1);
  g_assert_cmpint(days * 86400 + secs, <=, -86400 + 60);
  g_assert_cmpint(days * 86400 + secs, >=, -86400 - 3600);
  g_assert_cmpint(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x509), X509_get0_notAfter(x509)),
                  ==, 1);
  g_assert_cmpint(days, ==, 31);
  const ASN1_INTEGER *serial = X509_get0_serialNumber(x509);
  g_assert_cmpint(ASN1_INTEGER_get(serial), !=, 0);
}

static void
gst_interop(gboolean we_are_client, const char *id)
{
  GstElementFactory *factory = gst_element_factory_find("dtlsenc");
  if (factory == NULL) {
    g_test_fail_printf("GStreamer's dtlsenc is missing (gstreamer1.0-plugins-bad)");
    return;
  }
  gst_object_unref(factory);

  Gst g = {0};
  g_mutex_init(&g.lock);
  g.incoming = g_async_queue_new_full((GDestroyNotify)g_bytes_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *desc =
      g_strdup_printf("appsrc name=src is-live=true format=bytes caps=application/x-dtls ! "
                      "dtlsdec name=dec connection-id=%s "
                      "dtlsenc name=enc connection-id=%s is-client=%s ! "
                      "appsink name=sink caps=application/x-dtls sync=false async=false",
                      id, id, we_are_client ? "false" : "true");
  g.pipeline = gst_parse_launch(desc, &error);
  g_assert_no_error(error);
  g.src = gst_bin_get_by_name(GST_BIN(g.pipeline), "src");
  g.dec = gst_bin_get_by_name(GST_BIN(g.pipeline), "dec");
  g.enc = gst_bin_get_by_name(GST_BIN(g.pipeline), "enc");
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(g.pipeline), "sink");
  GstAppSinkCallbacks callbacks = {.new_sample = gst_new_sample};
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, &g, NULL);
  g_signal_connect(g.enc, "on-key-received", G_CALLBACK(on_encoder_key), &g);
  g_signal_connect(g.dec, "on-key-received", G_CALLBACK(on_decoder_key), &g);

  g_autofree char *their_pem = NULL;
  g_object_get(g.dec, "pem", &their_pem, NULL);
  g_autofree char *their_fp = pem_fingerprint(their_pem);
  g_autoptr(GwDtls) dtls =
      gw_dtls_new(cert_a, we_are_client ? GW_DTLS_ROLE_CLIENT : GW_DTLS_ROLE_SERVER, their_fp,
                  gst_send, &g, &error);
  g_assert_no_error(error);

  g_assert_cmpint(gst_element_set_state(g.pipeline, GST_STATE_PLAYING), !=,
                  GST_STATE_CHANGE_FAILURE);
  gint64 start = g_get_monotonic_time();
  gw_dtls_start(dtls);

  /* Bounded: 10 s, then the test fails. */
  g_autoptr(GstBus) bus = gst_element_get_bus(g.pipeline);
  gboolean done = FALSE;
  while (!done && g_get_monotonic_time() - start < 10 * G_USEC_PER_SEC) {
    GBytes *d = g_async_queue_timeout_pop(g.incoming, 5000);
    if (d != NULL) {
      gw_dtls_receive(dtls, g_bytes_get_data(d, NULL), g_bytes_get_size(d));
      g_bytes_unref(d);
    }
    fire_if_due(dtls);
    g_autoptr(GstMessage) msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (msg != NULL) {
      g_autoptr(GError) gst_error = NULL;
      gst_message_parse_error(msg, &gst_error, NULL);
      g_error("GStreamer: %s", gst_error->message);
    }
    g_assert_cmpint(gw_dtls_state(dtls), !=, GW_DTLS_STATE_FAILED);
    g_mutex_lock(&g.lock);
    done = gw_dtls_state(dtls) == GW_DTLS_STATE_CONNECTED && g.encoder_key && g.decoder_key;
    g_mutex_unlock(&g.lock);
  }
  g_assert_true(done);
  g_test_message("GStreamer as %s: connected in %" G_GINT64_FORMAT " ms",
                 we_are_client ? "server" : "client", (g_get_monotonic_time() - start) / 1000);

  /* GStreamer's keys are ours, crosswise, in the layout gw_srtp_new() takes. */
  GwDtlsSrtpKeys keys;
  g_assert_true(gw_dtls_srtp_keys(dtls, &keys));
  g_assert_cmpint(keys.profile, ==, GW_SRTP_AES_CM_128_HMAC_SHA1_80);
  guint auth = 0;
  g_object_get(g.enc, "srtp-auth", &auth, NULL);
  g_assert_cmpuint(auth, ==, 2); /* GST_DTLS_SRTP_AUTH_HMAC_SHA1_80 */
  g_mutex_lock(&g.lock);
  g_assert_cmpmem(g_bytes_get_data(g.encoder_key, NULL), g_bytes_get_size(g.encoder_key),
                  keys.remote, sizeof keys.remote);
  g_assert_cmpmem(g_bytes_get_data(g.decoder_key, NULL), g_bytes_get_size(g.decoder_key),
                  keys.local, sizeof keys.local);
  g_mutex_unlock(&g.lock);

  /* and GStreamer saw our certificate as gw_dtls_cert_new() made it */
  g_autofree char *peer_pem = NULL;
  g_object_get(g.dec, "peer-pem", &peer_pem, NULL);
  g_assert_nonnull(peer_pem);
  assert_our_certificate(peer_pem, cert_a);

  gst_element_set_state(g.pipeline, GST_STATE_NULL);
  gst_object_unref(g.src);
  gst_object_unref(g.dec);
  gst_object_unref(g.enc);
  gst_object_unref(g.pipeline);
  g_async_queue_unref(g.incoming);
  g_clear_pointer(&g.encoder_key, g_bytes_unref);
  g_clear_pointer(&g.decoder_key, g_bytes_unref);
  g_mutex_clear(&g.lock);
}

static void
test_gstreamer_server(void)
{
  gst_interop(TRUE, "balie-test-dtls-1");
}

static void
test_gstreamer_client(void)
{
  gst_interop(FALSE, "balie-test-dtls-2");
}

/* --- what it costs --- */

static gsize
heap_in_use(void)
{
#ifdef UNDER_ASAN
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

#define COST_PAIRS 100

static void
test_cost(void)
{
  /* warm OpenSSL's lazily made tables up first */
  {
    g_auto(Pair) warm = {0};
    pair_init_default(&warm);
    connect_pair(&warm);
  }
  gsize before = heap_in_use();
  Pair *pairs = g_new0(Pair, COST_PAIRS);
  gint64 start = g_get_monotonic_time();
  for (guint i = 0; i < COST_PAIRS; i++) {
    pair_init_default(&pairs[i]);
    connect_pair(&pairs[i]);
    /* what the test keeps of the handshake is not the association's */
    g_ptr_array_set_size(pairs[i].to_server.log, 0);
    g_ptr_array_set_size(pairs[i].to_client.log, 0);
  }
  gint64 took = g_get_monotonic_time() - start;
  gsize after = heap_in_use();
  g_test_message("handshake in memory (both sides): %.2f ms", took / 1000.0 / COST_PAIRS);
  g_test_message("heap per connected association: %.1f KiB%s",
                 (double)(after - before) / (2 * COST_PAIRS) / 1024,
                 heap_in_use() == 0 ? " (no heap figures here)" : "");
  for (guint i = 0; i < COST_PAIRS; i++)
    pair_clear(&pairs[i]);
  g_free(pairs);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  gst_init(NULL, NULL);

  g_autoptr(GError) error = NULL;
  cert_a = gw_dtls_cert_new(&error);
  g_assert_no_error(error);
  cert_b = gw_dtls_cert_new(&error);
  g_assert_no_error(error);

  g_test_add_func("/dtls/handshake", test_handshake);
  g_test_add_func("/dtls/handshake/keys-differ", test_keys_differ_per_handshake);
  g_test_add_func("/dtls/handshake/dropped-before-start", test_dropped_before_start);
  g_test_add_func("/dtls/keys/srtp", test_keys_work);
  g_test_add_func("/dtls/fingerprint/wrong-server", test_fingerprint_wrong_server);
  g_test_add_func("/dtls/fingerprint/wrong-client", test_fingerprint_wrong_client);
  g_test_add_func("/dtls/fingerprint/other-certificate", test_fingerprint_other_certificate);
  g_test_add_func("/dtls/fingerprint/hashes", test_fingerprint_hashes);
  g_test_add_func("/dtls/fingerprint/malformed", test_fingerprint_malformed);
  g_test_add_func("/dtls/fingerprint/format", test_fingerprint_format);
  g_test_add_func("/dtls/loss/client-hello", test_lost_client_hello);
  g_test_add_func("/dtls/loss/server-flight", test_lost_server_flight);
  g_test_add_func("/dtls/loss/last-flight", test_lost_last_flight);
  g_test_add_func("/dtls/timeout/silent-peer", test_silent_peer);
  g_test_add_func("/dtls/timeout/gives-up", test_silent_peer_gives_up);
  g_test_add_func("/dtls/garbage/handshake", test_garbage_during_handshake);
  g_test_add_func("/dtls/garbage/connected", test_garbage_when_connected);
  g_test_add_func("/dtls/garbage/error-queue", test_error_queue);
  g_test_add_func("/dtls/close", test_close);
  g_test_add_func("/dtls/pem", test_pem);
  g_test_add_func("/dtls/gstreamer/server", test_gstreamer_server);
  g_test_add_func("/dtls/gstreamer/client", test_gstreamer_client);
  g_test_add_func("/dtls/cost", test_cost);

  int ret = g_test_run();
  gw_dtls_cert_unref(cert_a);
  gw_dtls_cert_unref(cert_b);
  return ret;
}
