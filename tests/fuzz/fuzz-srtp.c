/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for SRTP (webrtc/srtp.c): unprotect of what a peer sends, and the
 * protect/unprotect round trip of whatever parses as RTP. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/srtp-keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An RTP packet by RFC 3550's header rules: version 2, CSRCs and extension within @size. */
static gboolean
is_rtp(const uint8_t *data, size_t size)
{
  if (size < 12 || data[0] >> 6 != 2)
    return FALSE;
  size_t header = 12 + 4 * (size_t)(data[0] & 0x0f);
  if (data[0] & 0x10) {
    if (size < header + 4)
      return FALSE;
    header += 4 + 4 * (size_t)(data[header + 2] << 8 | data[header + 3]);
  }
  return header <= size;
}

/* Long-lived receivers, as a peer's junk would reach them: they must never accept more than
 * the packet, and what they accept has exactly one tag less. */
static void
unprotect_received(const uint8_t *data, size_t size)
{
  static GwSrtp *receivers[G_N_ELEMENTS(profiles)];

  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    if (receivers[p] == NULL)
      receivers[p] = gw_srtp_new(profiles[p].profile, master, sizeof master);
    /* exactly @size bytes, so ASan sees any read past the end */
    g_autofree guint8 *pkt = g_memdup2(data, size);
    gsize len = gw_srtp_unprotect(receivers[p], pkt, size);
    g_assert(len == 0 || len + profiles[p].tag == size);
    if (len > 0) {
      /* and a replay is refused */
      memcpy(pkt, data, size);
      g_assert(gw_srtp_unprotect(receivers[p], pkt, size) == 0);
    }
  }
}

/* A fresh sender and receiver: protect gives the packet plus a tag, unprotect gives the packet
 * back, once. Not RTP is refused. */
static void
round_trip(const uint8_t *data, size_t size)
{
  gboolean rtp = is_rtp(data, size);

  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    gsize tag = profiles[p].tag;
    g_autoptr(GwSrtp) tx = gw_srtp_new(profiles[p].profile, master, sizeof master);
    g_autoptr(GwSrtp) rx = gw_srtp_new(profiles[p].profile, master, sizeof master);
    g_autofree guint8 *pkt = g_malloc(size + tag);
    memcpy(pkt, data, size);

    g_assert(gw_srtp_protect(tx, pkt, size, size + tag - 1) == 0);
    memcpy(pkt, data, size);
    gsize len = gw_srtp_protect(tx, pkt, size, size + tag);
    if (!rtp) {
      g_assert(len == 0);
      continue;
    }
    g_assert(len == size + tag);
    g_autofree guint8 *again = g_memdup2(pkt, len);
    g_assert(gw_srtp_unprotect(rx, pkt, len) == size);
    g_assert(memcmp(pkt, data, size) == 0);
    g_assert(gw_srtp_unprotect(rx, again, len) == 0);
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 2048)
    return 0;
  unprotect_received(data, size);
  round_trip(data, size);
  return 0;
}
