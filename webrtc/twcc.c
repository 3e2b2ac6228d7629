/* SPDX-License-Identifier: Apache-2.0 */
/* Transport-wide congestion control feedback (RTPFB FMT=15) parsed and matched against what
 * was sent; no I/O, so tests and fuzzers reach it directly. */
#include "webrtc/twcc.h"

#include "webrtc/bytes.h"

/* draft-holmer-rmcat-transport-wide-cc-extensions-01, section 3.1 */
#define HEADER_LEN 8 /* base seq 16, status count 16, reference time 24, feedback count 8 */
#define MAX_STATUS_COUNT 0x2000
#define REF_TIME_UNIT_US 64000
#define DELTA_UNIT_US 250

enum {
  SYMBOL_NOT_RECEIVED = 0,
  SYMBOL_SMALL_DELTA = 1, /* 1 byte, unsigned */
  SYMBOL_LARGE_DELTA = 2, /* 2 bytes, signed */
  SYMBOL_RESERVED = 3,
};

typedef struct {
  gint64 sent_us;
  guint16 size; /* 0: an empty slot */
  guint16 seq;
} GwTwccSent;

struct _GwTwccHistory {
  GwTwccSent slots[GW_TWCC_HISTORY];
};

/* Returns FALSE to stop the walk. */
typedef gboolean (*SymbolFn)(guint symbol, gpointer data);

/* Walks the packet chunks after the header, calling @visit for each of the first @count
 * statuses in order; a last chunk may describe more, which are padding. Returns the offset
 * of the first receive delta, or 0 if the chunks run past @len or @visit stops the walk. */
static gsize
walk_chunks(const guint8 *fci, gsize len, guint count, SymbolFn visit, gpointer data)
{
  gsize offset = HEADER_LEN;
  guint done = 0;
  while (done < count) {
    if (len - offset < 2)
      return 0;
    guint chunk = gw_read16(fci + offset);
    offset += 2;
    if ((chunk & 0x8000) == 0) {
      /* Run length: T=0, a 2-bit symbol, then 13 bits of run length. */
      guint symbol = (chunk >> 13) & 0x3;
      guint run = MIN(chunk & 0x1fff, count - done);
      for (guint i = 0; i < run; i++) {
        if (!visit(symbol, data))
          return 0;
      }
      done += run;
    } else {
      /* Status vector: T=1, then S=0 for 14 one-bit symbols or S=1 for 7 two-bit ones. */
      guint bits = (chunk & 0x4000) ? 2 : 1;
      guint n = MIN(14 / bits, count - done);
      for (guint i = 0; i < n; i++) {
        guint symbol = (chunk >> (14 - bits * (i + 1))) & ((1u << bits) - 1);
        if (!visit(symbol, data))
          return 0;
      }
      done += n;
    }
  }
  return offset;
}

static gboolean
count_delta_bytes(guint symbol, gpointer data)
{
  guint *bytes = data;
  if (symbol == SYMBOL_RESERVED)
    return FALSE;
  *bytes += symbol; /* not received: none, small: 1, large: 2 */
  return TRUE;
}

typedef struct {
  const guint8 *fci;
  gsize offset; /* of the next receive delta */
  guint16 seq;
  gint64 arrival_us;
  GwTwccPacketFn fn;
  gpointer user_data;
} Reporting;

static gboolean
report_packet(guint symbol, gpointer data)
{
  Reporting *r = data;
  gboolean received = symbol != SYMBOL_NOT_RECEIVED;
  if (symbol == SYMBOL_SMALL_DELTA) {
    r->arrival_us += (gint64)r->fci[r->offset] * DELTA_UNIT_US;
    r->offset += 1;
  } else if (symbol == SYMBOL_LARGE_DELTA) {
    gint delta = (gint)gw_read16(r->fci + r->offset);
    if (delta >= 0x8000)
      delta -= 0x10000;
    r->arrival_us += (gint64)delta * DELTA_UNIT_US;
    r->offset += 2;
  }
  r->fn(r->seq, received, received ? r->arrival_us : 0, r->user_data);
  r->seq++; /* wraps at 65536, as sequence numbers do */
  return TRUE;
}

gboolean
gw_twcc_parse(const guint8 *fci, gsize len, GwTwccPacketFn fn, gpointer user_data)
{
  g_return_val_if_fail(fci != NULL || len == 0, FALSE);
  g_return_val_if_fail(fn != NULL, FALSE);

  if (len < HEADER_LEN)
    return FALSE;
  guint count = gw_read16(fci + 2);
  if (count == 0 || count > MAX_STATUS_COUNT)
    return FALSE;

  /* A first pass checks every chunk and sizes the deltas, so that a malformed feedback
   * reports nothing rather than half of itself. */
  guint delta_bytes = 0;
  gsize deltas = walk_chunks(fci, len, count, count_delta_bytes, &delta_bytes);
  if (deltas == 0 || delta_bytes > len - deltas)
    return FALSE;

  /* The reference time is a signed 24-bit count of 64 ms. */
  gint32 ref = (gint32)((guint32)fci[4] << 16 | (guint32)fci[5] << 8 | fci[6]);
  if (ref >= 0x800000)
    ref -= 0x1000000;
  Reporting r = {
      .fci = fci,
      .offset = deltas,
      .seq = (guint16)gw_read16(fci),
      .arrival_us = (gint64)ref * REF_TIME_UNIT_US,
      .fn = fn,
      .user_data = user_data,
  };
  gsize again = walk_chunks(fci, len, count, report_packet, &r);
  g_assert(again == deltas && r.offset == deltas + delta_bytes);
  return TRUE;
}

GwTwccHistory *
gw_twcc_history_new(void)
{
  return g_new0(GwTwccHistory, 1);
}

void
gw_twcc_history_free(GwTwccHistory *history)
{
  g_free(history);
}

void
gw_twcc_history_add(GwTwccHistory *history, guint16 seq, guint size, gint64 sent_us)
{
  g_return_if_fail(history != NULL);

  GwTwccSent *slot = &history->slots[seq % GW_TWCC_HISTORY];
  slot->seq = seq;
  slot->size = (guint16)CLAMP(size, 1, G_MAXUINT16);
  slot->sent_us = sent_us;
}

/* The packets of one feedback found in the history, and their times' extent. */
typedef struct {
  const GwTwccHistory *history;
  guint sent, received;
  guint64 bytes_sent, bytes_recv;
  gint64 first_sent_us, last_sent_us;
  gint64 first_arrival_us, last_arrival_us;
  guint last_sent_size, last_arrival_size; /* of the packets at the end of each span */
} Matching;

static void
match_packet(guint16 seq, gboolean received, gint64 arrival_us, gpointer user_data)
{
  Matching *m = user_data;
  const GwTwccSent *slot = &m->history->slots[seq % GW_TWCC_HISTORY];
  if (slot->size == 0 || slot->seq != seq)
    return;

  if (m->sent == 0 || slot->sent_us < m->first_sent_us)
    m->first_sent_us = slot->sent_us;
  if (m->sent == 0 || slot->sent_us >= m->last_sent_us) {
    m->last_sent_us = slot->sent_us;
    m->last_sent_size = slot->size;
  }
  m->sent++;
  m->bytes_sent += slot->size;
  if (!received)
    return;
  /* Negative deltas mean arrivals need not come in sequence order. */
  if (m->received == 0 || arrival_us < m->first_arrival_us)
    m->first_arrival_us = arrival_us;
  if (m->received == 0 || arrival_us >= m->last_arrival_us) {
    m->last_arrival_us = arrival_us;
    m->last_arrival_size = slot->size;
  }
  m->received++;
  m->bytes_recv += slot->size;
}

/* The bytes sent (or received) from the first packet's time until the last
 * one's, without the last: N evenly spaced packets span N - 1 gaps
 * (GStreamer's twcc-stats count the same way). */
static guint
bitrate(guint64 bytes, guint packets, gint64 first_us, gint64 last_us)
{
  if (packets < 2 || last_us <= first_us)
    return 0;
  /* Unsigned, so that even a span wider than G_MAXINT64 is right; in double, so that
   * neither the bits per second nor the span can overflow. */
  guint64 span_us = (guint64)last_us - (guint64)first_us;
  double bps = (double)bytes * 8.0 * G_USEC_PER_SEC / (double)span_us;
  return bps >= (double)G_MAXUINT ? G_MAXUINT : (guint)bps;
}

gboolean
gw_twcc_history_feedback(GwTwccHistory *history, const guint8 *fci, gsize len, GwTwccStats *out)
{
  g_return_val_if_fail(out != NULL, FALSE);
  *out = (GwTwccStats){0};
  g_return_val_if_fail(history != NULL, FALSE);

  Matching m = {.history = history};
  if (!gw_twcc_parse(fci, len, match_packet, &m) || m.sent == 0)
    return FALSE;
  out->sent = m.sent;
  out->received = m.received;
  out->bitrate_sent =
      bitrate(m.bytes_sent - m.last_sent_size, m.sent, m.first_sent_us, m.last_sent_us);
  out->bitrate_recv = bitrate(m.bytes_recv - m.last_arrival_size, m.received, m.first_arrival_us,
                              m.last_arrival_us);
  return TRUE;
}
