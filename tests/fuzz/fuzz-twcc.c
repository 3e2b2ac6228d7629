/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for transport-wide congestion control feedback (webrtc/twcc.c). */
#include <stdint.h>

#include "webrtc/twcc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  guint calls;
  guint16 next_seq;
} Seen;

static void
check_packet(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  Seen *seen = user_data;
  /* In sequence order, wrapping; nothing arrives without being received. */
  g_assert(seq == seen->next_seq);
  g_assert(received || arrival_us == 0);
  seen->next_seq++;
  seen->calls++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static GwTwccHistory *history;

  if (history == NULL) {
    /* The ring's worth of packets up to and across the wrap (63000 .. 65535, 0 .. 1559),
     * minus every tenth, of varied sizes, some sent at the same time. */
    history = gw_twcc_history_new();
    for (guint i = 0; i < GW_TWCC_HISTORY; i++) {
      if (i % 10 != 9)
        gw_twcc_history_add(history, (guint16)(63000 + i), 60 + (i * 37) % 1200,
                            1000000 + (gint64)(i / 3) * 2500);
    }
  }

  Seen seen = {0};
  if (size >= 2)
    seen.next_seq = (guint16)(data[0] << 8 | data[1]);
  gboolean ok = gw_twcc_parse(data, size, check_packet, &seen);
  guint count = size >= 4 ? (guint)(data[2] << 8 | data[3]) : 0;
  if (ok)
    g_assert(count >= 1 && count <= 0x2000 && seen.calls == count);
  else
    g_assert(seen.calls == 0);

  GwTwccStats stats;
  gboolean matched = gw_twcc_history_feedback(history, data, size, &stats);
  if (matched) {
    g_assert(ok);
    g_assert(stats.sent >= 1 && stats.sent <= count && stats.received <= stats.sent);
    g_assert(stats.sent >= 2 || stats.bitrate_sent == 0);
    g_assert(stats.received >= 2 || stats.bitrate_recv == 0);
  } else {
    g_assert(stats.sent == 0 && stats.received == 0);
    g_assert(stats.bitrate_sent == 0 && stats.bitrate_recv == 0);
  }
  return 0;
}
