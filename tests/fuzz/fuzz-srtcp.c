/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for SRTCP (webrtc/srtp.c): unprotect of what a peer sends, and the
 * protect/unprotect round trip of whatever starts like RTCP. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/srtp-keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What gw_srtcp_protect takes: eight bytes at least, version 2 (the rest is not looked at). */
static gboolean
is_rtcp(const uint8_t *data, size_t size)
{
  return size >= 8 && data[0] >> 6 == 2;
}

/* Long-lived receivers, as a peer's junk would reach them: they must never accept more than the
 * packet, and what they accept has exactly the trailer and the tag less. */
static void
unprotect_received(const uint8_t *data, size_t size)
{
  static GwSrtp *receivers[G_N_ELEMENTS(profiles)];

  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    if (receivers[p] == NULL)
      receivers[p] = gw_srtcp_new(profiles[p].profile, master, sizeof master);
    /* exactly @size bytes, so ASan sees any read past the end */
    g_autofree guint8 *pkt = g_memdup2(data, size);
    gsize len = gw_srtcp_unprotect(receivers[p], pkt, size);
    g_assert(len == 0 || (len >= 8 && len + GW_SRTCP_TRAILER + profiles[p].tag == size));
    if (len > 0) {
      /* the first eight bytes are never encrypted, and a replay is refused */
      g_assert(memcmp(pkt, data, 8) == 0);
      memcpy(pkt, data, size);
      g_assert(gw_srtcp_unprotect(receivers[p], pkt, size) == 0);
    }
  }
}

/* A fresh sender and receiver: protect gives the compound, the E flag with index 1 and a tag;
 * unprotect gives the compound back, once. Not RTCP, or too little room, is refused. */
static void
round_trip(const uint8_t *data, size_t size)
{
  gboolean rtcp = is_rtcp(data, size);

  for (guint p = 0; p < G_N_ELEMENTS(profiles); p++) {
    gsize extra = GW_SRTCP_TRAILER + profiles[p].tag;
    g_autoptr(GwSrtp) tx = gw_srtcp_new(profiles[p].profile, master, sizeof master);
    g_autoptr(GwSrtp) rx = gw_srtcp_new(profiles[p].profile, master, sizeof master);
    g_autofree guint8 *pkt = g_malloc(size + extra);
    memcpy(pkt, data, size);

    g_assert(gw_srtcp_protect(tx, pkt, size, size + extra - 1) == 0);
    memcpy(pkt, data, size);
    gsize len = gw_srtcp_protect(tx, pkt, size, size + extra);
    if (!rtcp) {
      g_assert(len == 0);
      continue;
    }
    g_assert(len == size + extra);
    static const guint8 first[GW_SRTCP_TRAILER] = {0x80, 0, 0, 1};
    g_assert(memcmp(pkt, data, 8) == 0);
    g_assert(memcmp(pkt + size, first, sizeof first) == 0);
    g_autofree guint8 *again = g_memdup2(pkt, len);
    g_assert(gw_srtcp_unprotect(rx, pkt, len) == size);
    g_assert(memcmp(pkt, data, size) == 0);
    g_assert(gw_srtcp_unprotect(rx, again, len) == 0);
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
