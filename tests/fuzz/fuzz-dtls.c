/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for DTLS (webrtc/dtls.c): what a peer may send to a server awaiting a
 * ClientHello, to a client awaiting the server's flight, and to an association once connected. */
#include <stdint.h>
#include <string.h>

#include "webrtc/dtls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once: a certificate takes a key generation and an SSL_CTX. */
static GwDtlsCert *ours, *theirs;

static void
sent(const guint8 *data, gsize len, gpointer user_data)
{
  g_assert(len > 0 && len <= GW_DTLS_MTU);
  GQueue *queue = user_data;
  if (queue != NULL)
    g_queue_push_tail(queue, g_bytes_new(data, len));
}

static void
check(GwDtls *dtls, GwDtlsState state)
{
  g_assert(state == gw_dtls_state(dtls));
  g_assert(state >= GW_DTLS_STATE_CONNECTING && state <= GW_DTLS_STATE_CLOSED);
  g_assert((state == GW_DTLS_STATE_FAILED) == (gw_dtls_error(dtls) != NULL));
  GwDtlsSrtpKeys keys;
  g_assert(gw_dtls_srtp_keys(dtls, &keys) == (state == GW_DTLS_STATE_CONNECTED));
  gint64 ms = gw_dtls_timeout_ms(dtls);
  g_assert(ms == -1 || (ms >= 0 && state == GW_DTLS_STATE_CONNECTING));
}

/* The server of a pair connected in memory, kept across inputs: nothing sent without the keys
 * may change it. What it answers is dropped after each input. */
static GwDtls *connected;
static GQueue connected_sent = G_QUEUE_INIT;

static void
deliver(GQueue *queue, GwDtls *to)
{
  GBytes *d;
  while ((d = g_queue_pop_head(queue)) != NULL) {
    gw_dtls_receive(to, g_bytes_get_data(d, NULL), g_bytes_get_size(d));
    g_bytes_unref(d);
  }
}

static void
setup(void)
{
  ours = gw_dtls_cert_new(NULL);
  theirs = gw_dtls_cert_new(NULL);
  g_assert(ours && theirs);

  GQueue to_server = G_QUEUE_INIT;
  g_autoptr(GwDtls) client = gw_dtls_new(theirs, GW_DTLS_ROLE_CLIENT,
                                         gw_dtls_cert_fingerprint(ours), sent, &to_server, NULL);
  connected = gw_dtls_new(ours, GW_DTLS_ROLE_SERVER, gw_dtls_cert_fingerprint(theirs), sent,
                          &connected_sent, NULL);
  gw_dtls_start(client);
  for (guint i = 0; i < 8; i++) {
    deliver(&to_server, connected);
    deliver(&connected_sent, client);
  }
  g_assert(gw_dtls_state(client) == GW_DTLS_STATE_CONNECTED);
  g_assert(gw_dtls_state(connected) == GW_DTLS_STATE_CONNECTED);
  g_queue_clear_full(&to_server, (GDestroyNotify)g_bytes_unref);
}

/* A fresh association of @role fed @data, whole or as pieces cut at @cuts. */
static void
fresh(GwDtlsRole role, const uint8_t *data, size_t size, const size_t *cuts, guint n_cuts)
{
  g_autoptr(GwDtls) dtls =
      gw_dtls_new(ours, role, gw_dtls_cert_fingerprint(theirs), sent, NULL, NULL);
  g_assert(dtls != NULL);
  if (role == GW_DTLS_ROLE_CLIENT)
    check(dtls, gw_dtls_start(dtls));
  size_t from = 0;
  for (guint i = 0; i <= n_cuts; i++) {
    size_t to = i < n_cuts ? cuts[i] : size;
    /* exactly the piece, so ASan sees a read past its end */
    g_autofree guint8 *piece = g_memdup2(data + from, to - from);
    GwDtlsState state = gw_dtls_receive(dtls, piece, to - from);
    check(dtls, state);
    g_assert(role == GW_DTLS_ROLE_SERVER || state != GW_DTLS_STATE_CONNECTING ||
             gw_dtls_timeout_ms(dtls) >= 0);
    /* nobody finishes a handshake without our side's randoms and the peer's key */
    g_assert(state != GW_DTLS_STATE_CONNECTED);
    from = to;
  }
  check(dtls, gw_dtls_handle_timeout(dtls));
  gw_dtls_close(dtls);
  check(dtls, gw_dtls_state(dtls));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 20000)
    return 0;
  if (ours == NULL)
    setup();

  fresh(GW_DTLS_ROLE_SERVER, data, size, NULL, 0);
  fresh(GW_DTLS_ROLE_CLIENT, data, size, NULL, 0);
  /* as several datagrams: thirds, and the first 13 bytes (a record header) apart */
  size_t thirds[] = {size / 3, 2 * size / 3};
  fresh(GW_DTLS_ROLE_SERVER, data, size, thirds, 2);
  if (size > 13) {
    size_t header[] = {13};
    fresh(GW_DTLS_ROLE_CLIENT, data, size, header, 1);
  }

  g_autofree guint8 *copy = g_memdup2(data, size);
  g_assert(gw_dtls_receive(connected, copy, size) == GW_DTLS_STATE_CONNECTED);
  check(connected, GW_DTLS_STATE_CONNECTED);
  g_queue_clear_full(&connected_sent, (GDestroyNotify)g_bytes_unref);
  return 0;
}
